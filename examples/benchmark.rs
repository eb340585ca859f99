//! Training throughput on the energy benchmarks (batch 300, T = 100, hidden 64): 25GMM
//! (d = 2), Funnel (d = 10) and Many Well (d = 32), and on the image configs as shipped
//! (Fashion-MNIST at 14×14 under a VAE, GAN or diffusion prior):
//!
//!     cargo run --release --example benchmark [-- SECONDS [FILTER]]
//!
//! Prints iterations/s on the CPU backend with 1 and 2 threads and on the GPU backend when a
//! hardware adapter exists, for plain RTB (on-policy) and for RTB with exploration, replay
//! buffer and local search; FILTER keeps the variants whose name contains it. Each measurement
//! runs in a child process so that its thread count is its own.

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;

use posterior_studio::backend::{self, BackendChoice};
use posterior_studio::experiment::{ExperimentConfig, Trainer};

/// The same allocator as the `posterior-studio` binary (see src/main.rs for why).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Overrides that turn the config's sampler into plain on-policy RTB.
const PLAIN: [&str; 5] = [
    RTB,
    "train.exploration.std=0.0",
    "train.buffer.enabled=false",
    "train.local_search.enabled=false",
    "sampler.langevin=false",
];

/// A measured setting: its name, the shipped config it starts from, whether `PLAIN` applies,
/// and further overrides.
struct Variant {
    name: &'static str,
    config: &'static str,
    plain: bool,
    overrides: &'static [&'static str],
}

const fn variant(
    name: &'static str,
    config: &'static str,
    plain: bool,
    overrides: &'static [&'static str],
) -> Variant {
    Variant {
        name,
        config,
        plain,
        overrides,
    }
}

/// The papers' trajectory balance, which Funnel and Many Well ship as VarGrad: the variants
/// below time RTB so that they compare with the papers' code.
const RTB: &str = "train.objective=\"rtb\"";
const GMM25: &str = "gmm25_energy.toml";
const FUNNEL: &str = "funnel.toml";
/// The papers' network width, which `funnel.toml` doubles for accuracy.
const PAPERS_WIDTH: [&str; 1] = ["sampler.net.hidden=64"];
const PAPERS_WIDTH_RTB: [&str; 2] = ["sampler.net.hidden=64", RTB];
const MANYWELL: &str = "manywell.toml";

const VARIANTS: [Variant; 14] = [
    variant("25GMM plain RTB", GMM25, true, &[]),
    variant(
        "25GMM plain RTB, uniform grid (power 1)",
        GMM25,
        true,
        &["sampler.grid_power=1.0"],
    ),
    variant(
        "25GMM plain RTB, learned variance",
        GMM25,
        true,
        &["sampler.learned_variance=true"],
    ),
    variant(
        "25GMM plain RTB, gradient via 25 of 100",
        GMM25,
        true,
        &["train.gradient_steps=25"],
    ),
    variant("25GMM RTB + Lgv + expl. + buffer + LS", GMM25, false, &[]),
    variant(
        "25GMM the same, gradient via 25 of 100",
        GMM25,
        false,
        &["train.gradient_steps=25"],
    ),
    variant("Funnel plain RTB", FUNNEL, true, &PAPERS_WIDTH),
    variant(
        "Funnel RTB + Lgv + expl. + buffer + LS",
        FUNNEL,
        false,
        &PAPERS_WIDTH_RTB,
    ),
    variant("Manywell plain RTB", MANYWELL, true, &[]),
    variant(
        "Manywell RTB + Lgv + expl. + buffer + LS",
        MANYWELL,
        false,
        &[RTB],
    ),
    variant(
        "images: VAE footwear (noise space)",
        "fashion_vae_footwear.toml",
        false,
        &[],
    ),
    variant(
        "images: GAN footwear (noise space)",
        "fashion_gan_footwear.toml",
        false,
        &[],
    ),
    variant(
        "images: diffusion footwear (data space)",
        "fashion_diffusion_footwear.toml",
        false,
        &[],
    ),
    variant(
        "images: VAE inpainting (noise space)",
        "fashion_vae_inpaint.toml",
        false,
        &[],
    ),
];

fn config_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples/configs")
        .join(name)
}

/// Runs in a child: trains for about `seconds` after a warm-up and prints it/s.
fn child(backend: &str, variant: usize, seconds: f64) -> Result<(), String> {
    let v = VARIANTS.get(variant).ok_or("no such variant")?;
    let text = std::fs::read_to_string(config_path(v.config)).map_err(|e| e.to_string())?;
    let base: &[&str] = if v.plain { &PLAIN } else { &[] };
    let mut overrides: Vec<String> = base
        .iter()
        .chain(v.overrides)
        .map(|s| s.to_string())
        .collect();
    overrides.push(format!("backend=\"{backend}\""));
    overrides.push("train.iterations=1000000".into());
    let config = ExperimentConfig::from_toml(&text, v.config)
        .and_then(|c| c.with_overrides(&overrides))
        .map_err(|e| e.to_string())?;
    let folder = config_path(v.config);
    let mut trainer = Trainer::new(config, folder.parent()).map_err(|e| e.to_string())?;
    for _ in 0..10 {
        trainer.step().map_err(|e| e.to_string())?;
    }
    let started = Instant::now();
    let mut iterations = 0usize;
    while started.elapsed().as_secs_f64() < seconds {
        trainer.step().map_err(|e| e.to_string())?;
        iterations += 1;
    }
    let rate = iterations as f64 / started.elapsed().as_secs_f64();
    println!("RESULT {rate:.2} {}", trainer.compute().describe());
    Ok(())
}

fn measure(
    backend: &str,
    threads: Option<usize>,
    variant: usize,
    seconds: f64,
) -> Option<(f64, String)> {
    let mut command = Command::new(std::env::current_exe().ok()?);
    command.args([
        "--child",
        backend,
        &variant.to_string(),
        &seconds.to_string(),
    ]);
    if let Some(t) = threads {
        command.env("RAYON_NUM_THREADS", t.to_string());
    }
    let output = command.output().ok()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().find(|l| l.starts_with("RESULT "))?;
    let mut parts = line.splitn(3, ' ').skip(1);
    let rate = parts.next()?.parse().ok()?;
    Some((rate, parts.next().unwrap_or_default().to_string()))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        let backend = args.get(2).cloned().unwrap_or_else(|| "cpu".into());
        let variant = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(0);
        let seconds = args.get(4).and_then(|v| v.parse().ok()).unwrap_or(20.0);
        return match child(&backend, variant, seconds) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let seconds: f64 = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(20.0);
    let filter = args.get(2).cloned().unwrap_or_default();
    let has_gpu = backend::select(BackendChoice::Auto).is_gpu();
    println!(
        "energy benchmarks (batch 300, T = 100, hidden 64) and image configs (as shipped); \
         {seconds:.0} s per measurement\n"
    );
    println!("{:<44} {:<34} {:>8}", "variant", "backend", "it/s");
    for (variant, v) in VARIANTS.iter().enumerate() {
        if !v.name.contains(&filter) {
            continue;
        }
        let name = v.name;
        let mut runs: Vec<(&str, Option<usize>)> = vec![("cpu", Some(1)), ("cpu", Some(2))];
        if has_gpu {
            runs.push(("gpu", None));
        }
        for (backend, threads) in runs {
            match measure(backend, threads, variant, seconds) {
                Some((rate, described)) => println!("{name:<44} {described:<34} {rate:>8.2}"),
                None => println!("{name:<44} {backend:<34} {:>8}", "failed"),
            }
        }
    }
    if !has_gpu {
        println!("\n(no hardware GPU adapter: GPU backend not measured)");
    }
    ExitCode::SUCCESS
}
