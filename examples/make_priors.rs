//! Re-creates the pretrained priors shipped in `assets/priors/`:
//!
//!     cargo run --release --example make_priors [-- NAME ...]
//!
//! Each is trained by the same code as `posterior-studio pretrain`, with the settings in
//! `examples/configs/prior.toml` (diffusion priors), `flow_prior.toml`, `vae_prior.toml` or
//! `gan_prior.toml`, and checked against its data (mode coverage, share of samples within 3σ
//! of a mode, energy distance).

use std::path::PathBuf;
use std::process::ExitCode;

use posterior_studio::cli::{self, Command, CommonArgs, PretrainArgs};

/// (folder name, dataset, settings).
const PRIORS: [(&str, &str, &str); 6] = [
    ("gmm25", "gmm25", "prior.toml"),
    ("eight_gaussians", "eight_gaussians", "prior.toml"),
    ("two_moons", "two_moons", "prior.toml"),
    ("gmm25_flow", "gmm25", "flow_prior.toml"),
    ("gmm25_vae", "gmm25", "vae_prior.toml"),
    ("gmm25_gan", "gmm25", "gan_prior.toml"),
];

fn main() -> ExitCode {
    env_logger::init();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    for (name, dataset, settings) in PRIORS {
        if !wanted.is_empty() && !wanted.iter().any(|w| w == name) {
            continue;
        }
        let args = PretrainArgs {
            common: CommonArgs {
                config: Some(root.join("examples/configs").join(settings)),
                set: vec![],
                backend: None,
            },
            dataset: Some(dataset.into()),
            output: root.join("assets/priors").join(name),
            figure: Some(root.join("assets/priors").join(format!("{name}.png"))),
            quiet: false,
        };
        if let Err(e) = cli::run(&Command::Pretrain(args)) {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
