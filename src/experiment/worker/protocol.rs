//! The worker's protocol: the commands a front end sends, the events and snapshots it gets
//! back, and how often the worker does its optional work. Nothing here runs; `worker.rs` does.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::constraint::ConstraintConfig;
use crate::experiment::config::ExperimentConfig;
use crate::experiment::evaluation::TrajectorySnapshot;
use crate::experiment::history::{History, StepRecord};
use crate::experiment::noise_view::NoiseSnapshot;
use crate::math::Points;
use crate::math::field::{Area, Field};
pub use crate::math::shared_points::SharedPoints;
use crate::metrics::Metrics;
use crate::prior::training::PriorProgress;

/// What a front end asks of the worker.
#[derive(Debug)]
pub enum Command {
    Play,
    Pause,
    /// One iteration, then pause.
    Step,
    /// A fresh sampler with the current settings (the prior is kept).
    Reset,
    /// New settings. Those that leave the model's shape alone (learning rates, β, batch,
    /// exploration, …) apply at once; the others reset the sampler.
    Configure(Box<ExperimentConfig>),
    /// Re-target: a new constraint while training goes on.
    SetConstraint(Box<ConstraintConfig>),
    /// Replace the prior with a Brownian reference, a saved prior, or one trained on data.
    SetPrior(PriorChoice),
    /// Stop a prior that is training.
    CancelPrior,
    /// Save the diffusion prior in use to a folder (as `pretrain` writes it).
    SavePrior(PathBuf),
    /// Measure the sampler now.
    Evaluate,
    /// log r·β of a constraint (the one being edited, which need not be the running one yet)
    /// on a plane of the data space; answered by [`Event::LogRField`].
    LogRField(Box<LogRRequest>),
    Save(PathBuf),
    Open(PathBuf),
    /// Start (or stop, with `None`) checkpointing to a folder every `Cadence::autosave_interval`
    /// and at every evaluation. A front end that may still restore an earlier autosave turns
    /// this on only after deciding, so that the old checkpoint is not overwritten first.
    SetAutosave(Option<PathBuf>),
    Shutdown,
}

/// Where a new prior comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum PriorChoice {
    Brownian {
        dim: usize,
        sigma: f64,
    },
    /// A folder written by `pretrain` or by [`Command::Save`].
    Folder(PathBuf),
    /// Train a prior of `kind` (diffusion, flow, VAE or GAN) with the config's `prior`
    /// settings on `dataset` (a built-in name, a CSV file or an MNIST-format folder).
    Train {
        dataset: String,
        kind: crate::experiment::config::PriorKind,
    },
}

/// What the worker reports.
#[derive(Clone, Debug)]
pub enum Event {
    /// A (new) experiment is ready: its settings and what it runs on.
    Ready(Box<ReadyInfo>),
    Step(StepRecord),
    Evaluated(Box<Metrics>),
    PriorProgress(PriorProgress),
    /// Training stopped by itself (finished, or a non-finite value); the state is kept.
    Paused(String),
    Playing(bool),
    /// Something the user asked for failed; nothing else changed.
    Error(String),
    Saved(PathBuf),
    /// Prior training was cancelled; the prior in use is kept.
    PriorCancelled,
    /// The running experiment was checkpointed at this iteration.
    Autosaved(usize),
    Status(String),
    /// The answer to [`Command::LogRField`] with the request's key; `None` when the
    /// constraint cannot be built (an edit half made).
    LogRField {
        key: String,
        field: Option<Field>,
    },
}

/// A plane of the data space on which to evaluate log r: coordinates `axes` vary over `area`
/// on an n×n grid, the others are those of `through` (zeros where it is short).
#[derive(Clone, Debug, PartialEq)]
pub struct LogRRequest {
    /// Returned with the answer, so that a front end can tell answers to old requests apart.
    pub key: String,
    pub constraint: ConstraintConfig,
    pub area: Area,
    pub n: usize,
    pub axes: [usize; 2],
    pub through: Vec<f32>,
}

#[derive(Clone, Debug)]
pub struct ReadyInfo {
    pub config: ExperimentConfig,
    pub history: History,
    pub backend: String,
    /// The wgpu device training runs on, if it is a GPU: a renderer on the same device draws
    /// without a second one.
    pub wgpu_device: Option<burn::tensor::wgpu::wgpu::Device>,
    pub reference: String,
    pub constraint: String,
    pub dim: usize,
    /// The prior's training data, for the views (diffusion priors on known data).
    pub data: Option<Points>,
    /// The same data mapped into noise space by the generator's encoder (a flow's inverse,
    /// a VAE's encoder mean), for a noise-space sampler.
    pub encoded_data: Option<Points>,
    /// Where the experiment was opened from, if it was.
    pub opened_from: Option<PathBuf>,
    /// Width and height when the data are images.
    pub image_shape: Option<(usize, usize)>,
    /// The image classifier's class names, for the class bars.
    pub classes: Vec<String>,
    /// An inpainting constraint's observation, for the observation editor.
    pub inpainting: Option<crate::constraint::inpaint::Inpainting>,
    /// The energy target's structure, for its views (Many Well's balance).
    pub target_shape: Option<crate::constraint::targets::TargetShape>,
    /// What the composer changed in the config as sent, one line each (the config above is
    /// the one that runs).
    pub adjustments: Vec<String>,
}

/// The newest picture of the experiment, replaced wholesale.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub iteration: usize,
    pub samples: Points,
    pub trajectories: TrajectorySnapshot,
    pub prior_samples: Points,
    pub prior_trajectories: TrajectorySnapshot,
    /// Reference posterior samples: the same `Arc` (and generation) until the reference
    /// changes, so a front end neither copies nor re-hashes them per snapshot.
    pub reference_samples: Option<SharedPoints>,
    pub modes: Option<Points>,
    /// For a noise-space sampler: the same samples in z (the fields above hold f(z)).
    pub noise: Option<NoiseSnapshot>,
    /// Image experiments with a classifier: its class (argmax) of each sampler sample and of
    /// each prior sample, row for row, for colouring the views by class.
    pub classes: Option<SnapshotClasses>,
    /// Seconds the snapshot took to make.
    pub cost: f64,
}

/// The classifier's class of every row of a snapshot's sample sets.
#[derive(Clone, Debug, Default)]
pub struct SnapshotClasses {
    pub samples: Vec<u8>,
    /// Changes only with the prior: shared between snapshots.
    pub prior: std::sync::Arc<Vec<u8>>,
}

/// How often the worker does the optional work.
#[derive(Clone, Debug)]
pub struct Cadence {
    /// At least this long between snapshots.
    pub snapshot_interval: Duration,
    /// Snapshots may take at most this fraction of the worker's time.
    pub snapshot_budget: f64,
    /// Evaluate every this many iterations while training (0: only on request).
    pub evaluate_every: usize,
    pub snapshot_samples: usize,
    pub snapshot_trajectories: usize,
    /// Reference posterior samples per snapshot (the GUI draws up to 10⁵ on the GPU).
    pub reference_points: usize,
    /// Checkpoint the running experiment to this folder every `autosave_interval` and at every
    /// evaluation (see `experiment::autosave`); none: no autosave.
    pub autosave_dir: Option<PathBuf>,
    pub autosave_interval: Duration,
}

impl Default for Cadence {
    fn default() -> Self {
        Self {
            snapshot_interval: Duration::from_millis(50),
            snapshot_budget: 0.3,
            evaluate_every: 250,
            snapshot_samples: 2000,
            snapshot_trajectories: 200,
            reference_points: 100_000,
            autosave_dir: None,
            autosave_interval: Duration::from_secs(60),
        }
    }
}

pub type Notify = Arc<dyn Fn() + Send + Sync>;
