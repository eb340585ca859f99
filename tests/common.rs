//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

use posterior_studio::experiment::{ExperimentConfig, Trainer};

pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// An example config with overrides, on the CPU backend unless an override says otherwise.
pub fn example_config(name: &str, overrides: &[&str]) -> (ExperimentConfig, PathBuf) {
    let path = repo_path(&format!("examples/configs/{name}"));
    let text = std::fs::read_to_string(&path).expect("example config exists");
    let mut all = vec!["backend=\"cpu\"".to_string()];
    all.extend(overrides.iter().map(|s| s.to_string()));
    let config = ExperimentConfig::from_toml(&text, &path.display().to_string())
        .and_then(|c| c.with_overrides(&all))
        .expect("example config parses");
    let dir = path.parent().expect("configs folder").to_path_buf();
    (config, dir)
}

pub fn trainer(name: &str, overrides: &[&str]) -> Trainer {
    let (config, dir) = example_config(name, overrides);
    Trainer::new(config, Some(&dir), &mut |_| true).expect("trainer builds")
}

/// A small, fast experiment: Brownian reference, a Gaussian observation of both coordinates,
/// tiny networks; a prior trained from it is tiny too.
pub fn small_config() -> ExperimentConfig {
    ExperimentConfig::from_toml(
        r#"
        name = "small"
        backend = "cpu"
        [prior]
        kind = "brownian"
        dim = 2
        sigma = 1.0
        iterations = 100000
        batch = 64
        [prior.net]
        hidden = 16
        depth = 1
        [constraint]
        kind = "gaussian_obs"
        [constraint.gaussian_obs]
        y = [1.0, -0.5]
        noise_std = 0.7
        [sampler]
        steps = 10
        [sampler.net]
        hidden = 16
        depth = 1
        [train]
        iterations = 100000
        batch = 32
        [eval]
        samples = 200
        reference_samples = 2000
        distance_samples = 200
        grid_resolution = 100
        "#,
        "the small test config",
    )
    .expect("the small test config parses")
}

/// Runs the `posterior-studio` binary with `args`.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_posterior-studio"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the binary runs")
}
