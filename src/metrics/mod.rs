//! Measuring a sampler (DESIGN §4): importance-weight estimates of log Z, distances to the
//! reference posterior, mode coverage. Every number is computed from samples, never typed in.

pub mod distances;
pub mod exact_gaussian;
pub mod image_metrics;
pub mod kmeans;
pub mod log_weights;
pub mod mode_coverage;
pub mod reference_posterior;
pub mod settings;
pub mod sharpness;
pub mod sir;
pub mod target_metrics;

use serde::{Deserialize, Serialize};

pub use distances::{Distances, NoiseDistances, energy_distance, sliced_wasserstein};
pub use image_metrics::ImageMetrics;
pub use log_weights::LogWeightSummary;
pub use mode_coverage::{ModeCoverage, ModeFit, ModeMetrics, Modes};
pub use reference_posterior::{ReferenceMethod, ReferencePosterior};
pub use target_metrics::{TargetFit, TargetMetrics};

/// One evaluation of a sampler; also the CLI's `--json` object and an entry of `history.json`.
/// `None` is `null`: a figure that does not apply (no learned log Z for VarGrad, no ELBO for
/// SIR, …). The groups are flattened, so the JSON is one flat object whose keys are the groups'
/// fields; each group lives beside the code that computes it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    #[serde(flatten)]
    pub run: RunInfo,
    #[serde(flatten)]
    pub log_z: LogZEstimates,
    /// To reference posterior samples, in data space.
    #[serde(flatten)]
    pub distances: Distances,
    #[serde(flatten)]
    pub noise_distances: NoiseDistances,
    #[serde(flatten)]
    pub modes: ModeMetrics,
    #[serde(flatten)]
    pub target: TargetMetrics,
    #[serde(flatten)]
    pub images: ImageMetrics,
    /// Mean log r of sampler samples (over those with a finite log r; the others are counted
    /// in `dropped`).
    pub mean_log_r: Option<f64>,
    /// Mean log r of reference posterior samples.
    #[serde(default)]
    pub mean_log_r_ref: Option<f64>,
    /// Samples or trajectories whose sample, log r or log w is not finite (NaN or +∞). They
    /// are left out of the ELBO, ESS, mean log r and distances, counted as outside every mode,
    /// and reported here and in `warnings`; a log w of −∞ (r = 0) is a weight of zero and is
    /// kept in IW log Z and ESS.
    #[serde(default)]
    pub dropped: usize,
    /// What the numbers above cannot show: dropped samples, a truncated quadrature grid, a
    /// log r floor that changes the target.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The sample metrics again after importance resampling of the sampler's own weighted
    /// samples (`eval.resample_from`); `null` when off or when the samples have no weights.
    #[serde(default)]
    pub resampled: Option<ResampledMetrics>,
}

/// What was trained, for how long, on what, and how the truth it is measured against was found.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub iterations: usize,
    /// Training time, without evaluation.
    pub seconds: f64,
    pub it_per_s: Option<f64>,
    /// Mean training loss over the last iterations.
    pub loss: Option<f64>,
    pub grad_norm: Option<f64>,
    /// Posterior samples per second of one batched forward simulation.
    pub samples_per_s: Option<f64>,
    pub beta: f64,
    pub objective: String,
    pub backend: String,
    /// How the reference posterior was obtained.
    pub reference_method: String,
    /// Where the sampler lives: `data`, or `noise` for a sampler of z under a generator prior,
    /// whose samples are mapped by f before the mode and distance metrics.
    #[serde(default)]
    pub space: String,
}

/// Estimates of log Z and the bounds around it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LogZEstimates {
    /// log Z of the reference posterior (quadrature or Monte Carlo over prior samples).
    pub log_z_ref: Option<f64>,
    /// log mean w over on-policy trajectories, w = r^β·p_ref/q: a stochastic lower bound in
    /// expectation that tightens with more samples.
    pub log_z_iw: Option<f64>,
    /// The standard error of `log_z_iw` (delta method, from the weights' own moments; an
    /// underestimate where the weights are heavy-tailed).
    #[serde(default)]
    pub log_z_iw_se: Option<f64>,
    /// mean log w: the evidence lower bound.
    pub elbo: Option<f64>,
    pub log_z_learned: Option<f64>,
    /// Effective sample size of the importance weights, as a fraction of their number.
    pub ess: Option<f64>,
    /// |log Z_ref − IW log Z|: the papers' ΔlogZ^RW.
    #[serde(default)]
    pub delta_log_z: Option<f64>,
    /// log Z_ref − ELBO: the papers' ΔlogZ (≥ 0 in expectation).
    #[serde(default)]
    pub elbo_gap: Option<f64>,
    /// The evidence upper bound E_{x∼target, τ∼p_B(·|x)}[log w(τ)] over exact target samples
    /// (≥ log Z in expectation); only where exact target samples exist.
    #[serde(default)]
    pub eubo: Option<f64>,
}

/// Sample metrics of `eval.samples` points drawn with replacement from `proposals` of the
/// sampler's samples with probability ∝ w = r^β·p_ref(τ)/q(τ). The weights are exact, so the
/// resampled set tends to the posterior as `proposals` grows wherever the sampler puts some
/// mass; what it never reaches stays missing, and `ess` and `distinct` say how far to trust it.
/// Its groups are the parts of [`Metrics`]' groups that describe a set of samples on its own.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResampledMetrics {
    pub proposals: usize,
    /// Effective sample size of the proposals' weights, as a fraction of their number.
    pub ess: f64,
    /// Distinct proposals among the resampled points (copies count once).
    pub distinct: usize,
    #[serde(flatten)]
    pub target: TargetFit,
    #[serde(flatten)]
    pub modes: ModeFit,
    #[serde(flatten)]
    pub distances: Distances,
}
