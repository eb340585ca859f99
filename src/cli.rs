//! The headless command line: `train`, `pretrain`, `sample`, `evaluate`. Every setting is a
//! field of [`ExperimentConfig`]; `--set key=value` changes any of them.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::backend::{self, BackendChoice};
use crate::error::{Error, Result};
use crate::experiment::config::PriorKind;
use crate::experiment::{ExperimentConfig, Trainer};
use crate::export::figure::{
    Curve, LinePlot, PRIOR_COLOR, REFERENCE_COLOR, SAMPLER_COLOR, ScatterPanel, write_lines,
    write_scatter,
};
use crate::export::samples_csv::write_csv;
use crate::files;
use crate::metrics::Metrics;
use crate::prior::DataSource;
use crate::prior::training::{PriorProgress, train_diffusion_prior};

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
    /// Save the trained experiment to this folder.
    #[arg(long)]
    pub save: Option<PathBuf>,
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

/// A human-readable summary of metrics, one line each.
pub fn summary(m: &Metrics) -> String {
    let modes = match (m.modes_covered, m.modes_total) {
        (Some(c), Some(t)) => format!("{c}/{t}"),
        _ => "—".into(),
    };
    format!(
        "objective        {}\nbackend          {}\niterations       {} in {:.1} s ({} it/s)\n\
         reference        {}\nlog Z reference  {}\nlog Z (IW)       {}\nELBO             {}\n\
         log Z learned    {}\nESS              {}\nmodes covered    {}\nmode TV          {}\n\
         energy distance  {}\nsliced W2        {}\nmean log r       {}",
        m.objective,
        m.backend,
        m.iterations,
        m.seconds,
        fmt_opt(m.it_per_s),
        m.reference_method,
        fmt_opt(m.log_z_ref),
        fmt_opt(m.log_z_iw),
        fmt_opt(m.elbo),
        fmt_opt(m.log_z_learned),
        fmt_opt(m.ess),
        modes,
        fmt_opt(m.mode_tv),
        fmt_opt(m.energy_distance),
        fmt_opt(m.sliced_w2),
        fmt_opt(m.mean_log_r),
    )
}

pub fn train(args: &TrainArgs) -> Result<Outcome> {
    let (config, base_dir) = load_config(&args.common)?;
    let prior_bar = progress_bar(config.prior.iterations as u64, args.quiet);
    prior_bar.set_prefix("prior");
    let mut on_prior = prior_progress(&prior_bar);
    let mut trainer = Trainer::new(config, base_dir.as_deref(), &mut on_prior)?;
    prior_bar.finish_and_clear();
    if let Some(reason) = &trainer.compute.fallback_reason {
        eprintln!("warning: {reason}");
    }
    eprintln!("backend: {}", trainer.compute.describe());
    eprintln!("reference: {}", trainer.reference.describe());
    eprintln!(
        "constraint: {} (β = {})",
        trainer.constraint.describe(),
        trainer.config.constraint.beta
    );

    let iterations = trainer.config.train.iterations;
    let eval_every = trainer.config.train.eval_every;
    let bar = progress_bar(
        iterations as u64,
        args.quiet || !trainer.config.train.objective.is_trained(),
    );
    bar.set_prefix(trainer.config.train.objective.name());
    let mut outcome = Outcome::Ok;
    while !trainer.is_done() {
        match trainer.step() {
            Ok(record) => {
                bar.set_position(record.iteration as u64);
                if record.iteration % 10 == 0 {
                    bar.set_message(format!(
                        "loss {:.3} log Z {:.3} |∇| {:.2}",
                        record.loss, record.log_z, record.grad_norm
                    ));
                }
                if eval_every > 0
                    && record.iteration % eval_every == 0
                    && record.iteration < iterations
                {
                    let m = trainer.evaluate()?;
                    let line = format!(
                        "[{}] modes {}/{} TV {} IW log Z {} (ref {}) ED {}",
                        m.iterations,
                        m.modes_covered.unwrap_or(0),
                        m.modes_total.unwrap_or(0),
                        fmt_opt(m.mode_tv),
                        fmt_opt(m.log_z_iw),
                        fmt_opt(m.log_z_ref),
                        fmt_opt(m.energy_distance),
                    );
                    bar.suspend(|| eprintln!("{line}"));
                }
            }
            Err(e @ Error::NonFinite { .. }) => {
                bar.abandon();
                eprintln!("error: {e}");
                outcome = Outcome::Stopped;
                break;
            }
            Err(e) => return Err(e),
        }
    }
    bar.finish_and_clear();
    if let Some(dir) = &args.save {
        trainer.save(dir)?;
        eprintln!("saved experiment to {}", dir.display());
    }
    let metrics = trainer.evaluate()?;
    let needs_samples = args.export_samples.is_some() || args.figure.is_some();
    if needs_samples {
        let mut rng = crate::math::rng::seeded(trainer.config.seed.wrapping_add(17));
        let n = trainer.config.eval.samples;
        let draw = trainer.draw(n, &mut rng);
        let truth = trainer.truth().clone();
        let noise = trainer.reference.noise_generator().is_some().then(|| {
            let prior = trainer.prior_samples(n, &mut rng);
            (draw.samples.clone(), truth.posterior.samples.head(n), prior)
        });
        let samples = trainer.to_data_space(&draw.samples);
        let reference = truth.data_space_samples().head(n);
        let prior = trainer.data_space_prior_samples(n, &mut rng);
        if let Some(path) = &args.export_samples {
            write_csv(
                path,
                &[
                    ("sampler", &samples),
                    ("reference", &reference),
                    ("prior", &prior),
                ],
            )?;
            eprintln!("wrote samples to {}", path.display());
            if let Some((sampler_z, reference_z, prior_z)) = &noise {
                let noise_path = noise_samples_path(path);
                write_csv(
                    &noise_path,
                    &[
                        ("sampler", sampler_z),
                        ("reference", reference_z),
                        ("prior", prior_z),
                    ],
                )?;
                eprintln!("wrote noise-space samples z to {}", noise_path.display());
            }
        }
        if let Some(path) = &args.figure {
            let centers = truth.modes.centers();
            let panels = [
                ScatterPanel {
                    title: "prior".into(),
                    points: &prior,
                    color: PRIOR_COLOR,
                    markers: None,
                },
                ScatterPanel {
                    title: format!(
                        "reference posterior ({})",
                        short_method(&metrics.reference_method)
                    ),
                    points: &reference,
                    color: REFERENCE_COLOR,
                    markers: Some(&centers),
                },
                ScatterPanel {
                    title: format!("{} sampler", metrics.objective),
                    points: &samples,
                    color: SAMPLER_COLOR,
                    markers: Some(&centers),
                },
            ];
            let title = format!(
                "{}: TV {:.3}, modes {}/{}",
                trainer.config.name,
                metrics.mode_tv.unwrap_or(f64::NAN),
                metrics.modes_covered.unwrap_or(0),
                metrics.modes_total.unwrap_or(0)
            );
            write_scatter(path, &title, &panels)?;
            eprintln!("wrote figure to {}", path.display());
        }
    }
    if let Some(path) = &args.curves {
        write_curves(path, &trainer)?;
        eprintln!("wrote training curves to {}", path.display());
    }
    eprintln!("{}", summary(&metrics));
    if args.json {
        let json = serde_json::to_string(&metrics)
            .map_err(|e| Error::Unsupported(format!("cannot write JSON: {e}")))?;
        println!("{json}");
    }
    Ok(outcome)
}

/// `samples.csv` → `samples.noise.csv`: where a noise-space run writes its samples of z.
pub fn noise_samples_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "samples".into());
    path.with_file_name(format!("{stem}.noise.csv"))
}

fn short_method(method: &str) -> &str {
    method.split(" (").next().unwrap_or(method)
}

/// Loss and log Z estimates against the iteration.
fn write_curves(path: &Path, trainer: &Trainer) -> Result<()> {
    let steps = &trainer.history.steps;
    let evals = &trainer.history.evaluations;
    let mut curves = vec![Curve {
        name: "learned log Z".into(),
        points: steps
            .iter()
            .map(|s| (s.iteration as f64, s.log_z))
            .collect(),
        color: SAMPLER_COLOR,
    }];
    curves.push(Curve {
        name: "IW log Z".into(),
        points: evals
            .iter()
            .filter_map(|m| Some((m.iterations as f64, m.log_z_iw?)))
            .collect(),
        color: PRIOR_COLOR,
    });
    curves.push(Curve {
        name: "reference log Z".into(),
        points: evals
            .iter()
            .filter_map(|m| Some((m.iterations as f64, m.log_z_ref?)))
            .collect(),
        color: REFERENCE_COLOR,
    });
    write_lines(
        path,
        &LinePlot {
            title: format!("{}: log Z during training", trainer.config.name),
            x_label: "iteration".into(),
            y_label: "log Z".into(),
            curves,
            log_y: false,
        },
    )
}

pub fn pretrain(args: &PretrainArgs) -> Result<Outcome> {
    let (mut config, base_dir) = load_config(&args.common)?;
    if let Some(dataset) = &args.dataset {
        config.prior.dataset = dataset.clone();
    }
    let spec = crate::experiment::setup::resolve_path(&config.prior.dataset, base_dir.as_deref());
    let data = DataSource::resolve(&spec.to_string_lossy())
        .or_else(|_| DataSource::resolve(&config.prior.dataset))?;
    let compute = backend::select(config.backend);
    if let Some(reason) = &compute.fallback_reason {
        eprintln!("warning: {reason}");
    }
    eprintln!("backend: {}", compute.describe());
    let bar = progress_bar(config.prior.iterations as u64, args.quiet);
    bar.set_prefix("prior");
    let started = Instant::now();
    let mut rng = crate::math::rng::seeded(config.seed.wrapping_add(99));
    let (kind_name, loss_name, final_loss, samples) = match config.prior.kind {
        PriorKind::Flow | PriorKind::Vae | PriorKind::Gan | PriorKind::Ode => {
            let kind = config.prior.kind;
            eprintln!(
                "training a {} prior on {} (d = {}, {} iterations)",
                kind.name(),
                data.name(),
                data.dim(),
                config.prior.iterations
            );
            let trained = crate::experiment::setup::train_generator(
                &config.prior,
                &data,
                &compute,
                config.seed,
                &mut prior_progress(&bar),
            )?;
            trained.generator.save(&args.output)?;
            eprintln!("{}", trained.generator.describe());
            let samples = trained.generator.sample(20_000, &mut rng);
            (kind.name(), trained.loss_name, trained.final_loss, samples)
        }
        PriorKind::Diffusion | PriorKind::Brownian => {
            eprintln!(
                "training a diffusion prior on {} (d = {}, σ = {}, T = {}, {} iterations)",
                data.name(),
                data.dim(),
                config.prior.sigma,
                config.prior.steps,
                config.prior.iterations
            );
            let prior = train_diffusion_prior(
                &config.prior,
                &data,
                &compute,
                config.seed,
                &mut prior_progress(&bar),
            )?;
            prior.save(&args.output)?;
            let (final_loss, steps) = (prior.meta.final_loss, prior.meta.steps);
            let samples = crate::sampler::trajectory::sample_reference(
                &crate::prior::Reference::Diffusion(prior),
                steps,
                20_000,
                &mut rng,
                &compute.device,
            );
            ("diffusion", "loss", final_loss, samples)
        }
    };
    bar.finish_and_clear();
    eprintln!(
        "saved {kind_name} prior to {} (final {loss_name} {final_loss:.4}, {:.0} s)",
        args.output.display(),
        started.elapsed().as_secs_f64()
    );
    // A quick check of what was learned: mode shares of prior samples vs the data's weights.
    let data_samples = data.sample(&mut rng, 20_000);
    if let Some(components) = data.components() {
        let modes = crate::metrics::Modes::Components(components.clone());
        let coverage = crate::metrics::ModeCoverage::from_shares(
            modes.shares(&samples),
            components.weights(),
            0.01,
        );
        eprintln!(
            "prior samples cover {}/{} modes, mode TV {:.4} against the data's weights",
            coverage.covered, coverage.total, coverage.tv
        );
        eprintln!(
            "{:.1}% of prior samples lie within 3σ of a mode (data: {:.1}%)",
            100.0 * components.share_within(&samples, 3.0),
            100.0 * components.share_within(&data_samples, 3.0)
        );
    }
    let distance = crate::metrics::energy_distance(&samples.head(2000), &data_samples.head(2000));
    eprintln!("energy distance between prior samples and data: {distance:.4}");
    if let Some(path) = &args.figure {
        let panels = [
            ScatterPanel {
                title: format!("data ({})", data.name()),
                points: &data_samples.head(5000),
                color: REFERENCE_COLOR,
                markers: None,
            },
            ScatterPanel {
                title: format!("{kind_name} prior samples"),
                points: &samples.head(5000),
                color: SAMPLER_COLOR,
                markers: None,
            },
        ];
        write_scatter(path, &format!("{kind_name} prior"), &panels)?;
        eprintln!("wrote figure to {}", path.display());
    }
    Ok(Outcome::Ok)
}

pub fn sample(args: &SampleArgs) -> Result<Outcome> {
    let mut overrides = Vec::new();
    if let Some(backend) = args.backend {
        overrides.push(format!("backend=\"{backend}\""));
    }
    let trainer = Trainer::load(&args.checkpoint, &overrides)?;
    eprintln!("backend: {}", trainer.compute.describe());
    let seed = args.seed.unwrap_or(trainer.config.seed.wrapping_add(23));
    let draw = trainer.draw(args.n, &mut crate::math::rng::seeded(seed));
    write_csv(
        &args.output,
        &[("sampler", &trainer.to_data_space(&draw.samples))],
    )?;
    if trainer.reference.noise_generator().is_some() {
        let noise_path = noise_samples_path(&args.output);
        write_csv(&noise_path, &[("sampler", &draw.samples)])?;
        eprintln!("wrote noise-space samples z to {}", noise_path.display());
    }
    eprintln!(
        "wrote {} samples to {}",
        draw.samples.len(),
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
    }
}
