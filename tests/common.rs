//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use posterior_studio::experiment::{ExperimentConfig, Trainer};

pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Every shipped config (`examples/configs/*.toml`), sorted.
pub fn shipped_configs() -> Vec<PathBuf> {
    let mut paths: Vec<_> = std::fs::read_dir(repo_path("examples/configs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 16, "shipped configs: {paths:?}");
    paths
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
    Trainer::new(config, Some(&dir)).expect("trainer builds")
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

/// An IDX file of unsigned bytes with these dimensions.
pub fn idx(dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 0x08, dims.len() as u8];
    for &d in dims {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

/// An MNIST-format folder of `n` 8×8 images per split (classes 0–3): the bright quadrant is
/// the class, brightness and background vary.
pub fn write_folder(dir: &Path, n: usize) {
    for (prefix, offset) in [("train", 0usize), ("t10k", 1)] {
        let mut pixels = Vec::new();
        let mut labels = Vec::new();
        for i in 0..n {
            let class = (i * 7 + offset) % 4;
            let bright = 160 + (i * 13 % 90) as u8;
            for r in 0..8 {
                for c in 0..8 {
                    let q = (r / 4) * 2 + c / 4;
                    let noise = ((i * 31 + r * 8 + c) * 17 % 40) as u8;
                    pixels.push(if q == class { bright } else { noise });
                }
            }
            labels.push(class as u8);
        }
        std::fs::write(
            dir.join(format!("{prefix}-images-idx3-ubyte")),
            idx(&[n, 8, 8], &pixels),
        )
        .unwrap();
        std::fs::write(
            dir.join(format!("{prefix}-labels-idx1-ubyte")),
            idx(&[n], &labels),
        )
        .unwrap();
    }
}
