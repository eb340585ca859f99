//! The headless command line: `train`, `pretrain`, `sample`, `evaluate`, `session`. Every setting is a
//! field of [`ExperimentConfig`]; `--set key=value` changes any of them.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::backend::{self, BackendChoice};
use crate::error::{Error, Result};
use crate::experiment::config::PriorKind;
use crate::experiment::worker::autosave::Autosave;
use crate::experiment::{ExperimentConfig, Trainer};
use crate::export::figure::{
    PRIOR_COLOR, REFERENCE_COLOR, SAMPLER_COLOR, ScatterPanel, write_scatter,
};
use crate::export::samples_csv::write_csv;
use crate::files;
use crate::metrics::{Metrics, ResampledMetrics};
use crate::prior::training::{PriorProgress, train_diffusion_prior};

mod classifier;
mod pretrain;
mod session;
mod train;

pub use classifier::{ClassifierArgs, train_classifier};
pub use pretrain::pretrain;
pub use session::{SessionArgs, session};
pub use train::{noise_samples_path, train};

#[derive(Debug, Parser)]
#[command(
    name = "posterior-studio",
    version,
    about = "Train amortized diffusion samplers of posteriors p(x)·r(x)^β and measure them \
             against ground truth. Without a command, opens the desktop app."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// For the desktop app (no command): where it trains — auto (a hardware GPU if present),
    /// gpu (also a software Vulkan adapter), or cpu. On a GPU the app draws on the device it
    /// trains on.
    #[arg(long)]
    pub backend: Option<BackendChoice>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a sampler (or run a training-free baseline) and report its metrics.
    Train(TrainArgs),
    /// Train a prior on a dataset and save it: a diffusion prior, or with
    /// `--set prior.kind="flow"` (or "vae", "gan") a generator prior x = f(z).
    Pretrain(PretrainArgs),
    /// Draw samples from a saved sampler.
    Sample(SampleArgs),
    /// Evaluate a saved sampler against the reference posterior.
    Evaluate(EvaluateArgs),
    /// Run the app's training session without a window: its worker, autosave and crash
    /// recovery (`--restore` continues a session that was killed).
    Session(SessionArgs),
    /// Train the image classifier that the `classifier` constraint and the image metrics use,
    /// and report its test accuracy.
    TrainClassifier(ClassifierArgs),
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// The experiment's TOML config.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Override one setting, e.g. `--set train.batch=500` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// auto (a hardware GPU if present), gpu, or cpu.
    #[arg(long)]
    pub backend: Option<BackendChoice>,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Print one JSON object of final metrics as the last line of stdout.
    #[arg(long)]
    pub json: bool,
    /// Write sampler, reference and prior samples to this CSV.
    #[arg(long)]
    pub export_samples: Option<PathBuf>,
    /// Save the experiment to this folder: at the end, at every evaluation, and every
    /// `--checkpoint-every` seconds while training, so that a killed run loses at most that.
    #[arg(long)]
    pub save: Option<PathBuf>,
    /// Continue a run saved with `--save` from its last checkpoint (its config and curves);
    /// checkpoints go back to the same folder unless `--save` names another. `--set` may
    /// change settings that keep the model, e.g. `train.iterations` to train longer.
    #[arg(long, conflicts_with = "config")]
    pub resume: Option<PathBuf>,
    /// Seconds between checkpoints while training with `--save` or `--resume`.
    #[arg(long, default_value_t = 60.0)]
    pub checkpoint_every: f64,
    /// Write a figure of reference vs sampler samples (.png or .svg).
    #[arg(long)]
    pub figure: Option<PathBuf>,
    /// Write a figure of the training curves (.png or .svg).
    #[arg(long)]
    pub curves: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct PretrainArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Dataset to train on (a built-in name or a CSV file); overrides `prior.dataset`.
    #[arg(long)]
    pub dataset: Option<String>,
    /// Folder to save the prior in.
    #[arg(long)]
    pub output: PathBuf,
    /// Write a figure of data vs prior samples (.png or .svg).
    #[arg(long)]
    pub figure: Option<PathBuf>,
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct SampleArgs {
    /// A folder written by `train --save`.
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// Number of samples.
    #[arg(short, long, default_value_t = 1000)]
    pub n: usize,
    /// CSV file to write (`source,x0,x1,…`).
    #[arg(long)]
    pub output: PathBuf,
    #[arg(long)]
    pub seed: Option<u64>,
    #[arg(long)]
    pub backend: Option<BackendChoice>,
    /// Draw this many weighted samples and keep `-n` of them with probability ∝ their
    /// importance weight (corrects the sampler's bias where it has mass; at least `-n`).
    #[arg(long)]
    pub resample_from: Option<usize>,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// A folder written by `train --save`.
    #[arg(long)]
    pub checkpoint: PathBuf,
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    #[arg(long)]
    pub json: bool,
    #[arg(long)]
    pub backend: Option<BackendChoice>,
}

/// The outcome of a command, for the exit code.
pub enum Outcome {
    Ok,
    /// Training stopped on a non-finite value; the last good state was kept.
    Stopped,
}

/// Reads the config named on the command line (defaults when none) with overrides applied.
pub fn load_config(common: &CommonArgs) -> Result<(ExperimentConfig, Option<PathBuf>)> {
    let (config, base_dir) = match &common.config {
        Some(path) => {
            let text = files::read_to_string(path)?;
            let config = ExperimentConfig::from_toml(&text, &path.display().to_string())?;
            (config, path.parent().map(Path::to_path_buf))
        }
        None => (ExperimentConfig::default(), None),
    };
    let mut config = config.with_overrides(&common.set)?;
    if let Some(backend) = common.backend {
        config.backend = backend;
    }
    Ok((config, base_dir))
}

fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

fn prior_progress(bar: &ProgressBar) -> impl FnMut(&PriorProgress) -> bool + '_ {
    move |p: &PriorProgress| {
        bar.set_length(p.iterations as u64);
        bar.set_position(p.iteration as u64);
        bar.set_message(format!("loss {:.4}", p.loss));
        true
    }
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{v:.4}"))
}

/// IW log Z with its standard error, where it has one.
fn fmt_iw(m: &Metrics) -> String {
    match m.log_z.log_z_iw_se {
        Some(se) => format!("{} ± {se:.4}", fmt_opt(m.log_z.log_z_iw)),
        None => fmt_opt(m.log_z.log_z_iw),
    }
}

/// A human-readable summary of metrics, one line each.
pub fn summary(m: &Metrics) -> String {
    let modes = match (m.modes.fit.modes_covered, m.modes.modes_total) {
        (Some(c), Some(t)) => format!("{c}/{t}"),
        _ => "—".into(),
    };
    format!(
        "objective        {}\nbackend          {}\niterations       {} in {:.1} s ({} it/s)\n\
         reference        {}\nlog Z reference  {}\nlog Z (IW)       {}\nELBO             {}\n\
         log Z learned    {}\nESS              {}\nmodes covered    {}\nmode TV          {}\n\
         energy distance  {}\nsliced W2        {}\nmean log r       {}{}",
        m.run.objective,
        m.run.backend,
        m.run.iterations,
        m.run.seconds,
        fmt_opt(m.run.it_per_s),
        m.run.reference_method,
        fmt_opt(m.log_z.log_z_ref),
        fmt_iw(m),
        fmt_opt(m.log_z.elbo),
        fmt_opt(m.log_z.log_z_learned),
        fmt_opt(m.log_z.ess),
        modes,
        fmt_opt(m.modes.fit.mode_tv),
        fmt_opt(m.distances.energy_distance),
        fmt_opt(m.distances.sliced_w2),
        fmt_opt(m.mean_log_r),
        target_lines(m),
    )
}

/// The lines of the metrics that only some targets have (exact log Z, Many Well, funnel,
/// Gaussian), each only when present.
fn target_lines(m: &Metrics) -> String {
    let lines = [
        ("Δlog Z (IW)     ", m.log_z.delta_log_z),
        ("ELBO gap        ", m.log_z.elbo_gap),
        ("EUBO            ", m.log_z.eubo),
        ("well TV         ", m.target.fit.well_tv),
        ("neck KS         ", m.target.fit.neck_ks),
        ("mean error      ", m.target.fit.mean_error),
        ("covariance error", m.target.fit.covariance_error),
    ];
    let mut text: String = lines
        .iter()
        .filter_map(|(name, v)| v.map(|v| format!("\n{name} {v:.4}")))
        .collect();
    if let Some(tv) = m.images.class_tv {
        text.push_str(&format!("\nclass TV         {tv:.4}"));
    }
    if let (Some(f), Some(floor)) = (m.images.frechet, m.images.frechet_floor) {
        text.push_str(&format!(
            "\nFréchet          {f:.4} (floor {floor:.4}: {:.2}×)",
            f / floor
        ));
    }
    if let (Some(d), Some(r)) = (m.images.diversity, m.images.diversity_ref) {
        text.push_str(&format!("\ndiversity        {d:.4} (reference {r:.4})"));
    }
    if let (Some(e), Some(r)) = (m.images.observed_rmse, m.images.observed_rmse_ref) {
        text.push_str(&format!("\nobserved RMSE    {e:.4} (reference {r:.4})"));
    }
    if let (Some(d), Some(r)) = (
        m.images.unobserved_diversity,
        m.images.unobserved_diversity_ref,
    ) {
        text.push_str(&format!("\nunobserved diversity {d:.4} (reference {r:.4})"));
    }
    if let Some(p) = m.target.fit.well_patterns {
        let exact = m
            .target
            .well_patterns_ref
            .map_or("—".into(), |r| r.to_string());
        text.push_str(&format!("\nwell patterns    {p} (exact samples: {exact})"));
    }
    if let Some(r) = &m.resampled {
        text.push_str(&resampled_line(r));
    }
    text
}

/// The metrics of the importance-resampled samples, on one line.
fn resampled_line(r: &ResampledMetrics) -> String {
    let mut line = format!(
        "\nresampled        from {} (ESS {:.3}, {} distinct):",
        r.proposals, r.ess, r.distinct
    );
    let values = [
        ("neck KS", r.target.neck_ks),
        ("well TV", r.target.well_tv),
        ("mean error", r.target.mean_error),
        ("covariance error", r.target.covariance_error),
        ("mode TV", r.modes.mode_tv),
        ("outside", r.modes.outside_share),
        ("energy distance", r.distances.energy_distance),
        ("sliced W2", r.distances.sliced_w2),
    ];
    for (name, v) in values {
        if let Some(v) = v {
            line.push_str(&format!(" {name} {v:.4},"));
        }
    }
    if let Some(c) = r.modes.modes_covered {
        line.push_str(&format!(" {c} modes covered,"));
    }
    if let Some(p) = r.target.well_patterns {
        line.push_str(&format!(" {p} well patterns,"));
    }
    line.pop();
    line
}

pub fn sample(args: &SampleArgs) -> Result<Outcome> {
    let mut overrides = Vec::new();
    if let Some(backend) = args.backend {
        overrides.push(format!("backend=\"{backend}\""));
    }
    let trainer = Trainer::load(&args.checkpoint, &overrides)?;
    eprintln!("backend: {}", trainer.compute.describe());
    let seed = args.seed.unwrap_or(trainer.config.seed.wrapping_add(23));
    let mut rng = crate::math::rng::seeded(seed);
    let samples = match args.resample_from {
        Some(proposals) if proposals < args.n => {
            return Err(Error::Unsupported(format!(
                "--resample-from {proposals}: fewer proposals than the {} samples asked for",
                args.n
            )));
        }
        Some(proposals) => {
            let Some(resampled) = trainer.draw_resampled(args.n, proposals, &mut rng) else {
                return Err(Error::Unsupported(format!(
                    "--resample-from: the {} objective's samples have no importance weights",
                    trainer.config.train.objective.name()
                )));
            };
            eprintln!(
                "resampled {} of {} proposals: ESS {:.3}, {} distinct",
                args.n, resampled.proposals, resampled.ess, resampled.distinct
            );
            resampled.samples
        }
        None => trainer.draw(args.n, &mut rng).samples,
    };
    write_csv(
        &args.output,
        &[("sampler", &trainer.to_data_space(&samples))],
    )?;
    if trainer.reference.noise_generator().is_some() {
        let noise_path = noise_samples_path(&args.output);
        write_csv(&noise_path, &[("sampler", &samples)])?;
        eprintln!("wrote noise-space samples z to {}", noise_path.display());
    }
    eprintln!(
        "wrote {} samples to {}",
        samples.len(),
        args.output.display()
    );
    Ok(Outcome::Ok)
}

pub fn evaluate(args: &EvaluateArgs) -> Result<Outcome> {
    let mut overrides = args.set.clone();
    if let Some(backend) = args.backend {
        overrides.push(format!("backend=\"{backend}\""));
    }
    let mut trainer = Trainer::load(&args.checkpoint, &overrides)?;
    eprintln!("backend: {}", trainer.compute.describe());
    let metrics = trainer.evaluate()?;
    eprintln!("{}", summary(&metrics));
    if args.json {
        let json = serde_json::to_string(&metrics)
            .map_err(|e| Error::Unsupported(format!("cannot write JSON: {e}")))?;
        println!("{json}");
    }
    Ok(Outcome::Ok)
}

/// Runs a parsed command.
pub fn run(command: &Command) -> Result<Outcome> {
    match command {
        Command::Train(args) => train(args),
        Command::Pretrain(args) => pretrain(args),
        Command::Sample(args) => sample(args),
        Command::Evaluate(args) => evaluate(args),
        Command::Session(args) => session(args),
        Command::TrainClassifier(args) => train_classifier(args),
    }
}
