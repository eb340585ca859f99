//! Measuring a sampler (DESIGN §4): importance-weight estimates of log Z, distances to the
//! reference posterior, mode coverage. Every number is computed from samples, never typed in.

pub mod distances;
pub mod exact_gaussian;
pub mod image_metrics;
pub mod kmeans;
pub mod log_weights;
pub mod mode_coverage;
pub mod reference;
pub mod settings;
pub mod sharpness;
pub mod sir;
pub mod target_metrics;

use serde::{Deserialize, Serialize};

pub use distances::{energy_distance, sliced_wasserstein};
pub use log_weights::LogWeightSummary;
pub use mode_coverage::{ModeCoverage, Modes};
pub use reference::{ReferenceMethod, ReferencePosterior};

/// One evaluation of a sampler; also the CLI's `--json` object. `None` is `null`: a figure that
/// does not apply (no learned log Z for VarGrad, no ELBO for SIR, …).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub iterations: usize,
    /// Training time, without evaluation.
    pub seconds: f64,
    pub it_per_s: Option<f64>,
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
    /// Many Well: the per-pair |share in the right well − true share|, averaged over pairs.
    #[serde(default)]
    pub well_tv: Option<f64>,
    /// Many Well: distinct well patterns among the first 2,000 samples.
    #[serde(default)]
    pub well_patterns: Option<usize>,
    /// Many Well: the same count for 2,000 exact target samples.
    #[serde(default)]
    pub well_patterns_ref: Option<usize>,
    /// Many Well: per pair, the sampler's share in the right well.
    #[serde(default)]
    pub well_shares: Vec<f64>,
    /// Many Well: every pair's true share in the right well.
    #[serde(default)]
    pub well_share_ref: Option<f64>,
    /// Funnel: KS distance of the neck coordinate's marginal to its exact N(0, 3²).
    #[serde(default)]
    pub neck_ks: Option<f64>,
    /// Gaussian target: ‖sample mean − μ‖₂.
    #[serde(default)]
    pub mean_error: Option<f64>,
    /// Gaussian target: ‖sample covariance − Σ‖_F / ‖Σ‖_F.
    #[serde(default)]
    pub covariance_error: Option<f64>,
    /// Images: total variation between the classifier's argmax histograms of sampler and
    /// reference samples.
    #[serde(default)]
    pub class_tv: Option<f64>,
    /// Images: the sampler's share of each class (classifier argmax).
    #[serde(default)]
    pub class_shares: Vec<f64>,
    /// Images: the reference's share of each class.
    #[serde(default)]
    pub class_shares_ref: Vec<f64>,
    /// Images: Fréchet distance between Gaussians fitted to the classifier's penultimate
    /// features of sampler samples and of one reference half.
    #[serde(default)]
    pub frechet: Option<f64>,
    /// Images: the same distance between two independent reference halves of the same size.
    #[serde(default)]
    pub frechet_floor: Option<f64>,
    /// Images: mean pairwise feature distance among sampler samples.
    #[serde(default)]
    pub diversity: Option<f64>,
    /// Images: the same among reference samples.
    #[serde(default)]
    pub diversity_ref: Option<f64>,
    /// Inpainting: root mean square error over the observed pixels, averaged over samples.
    #[serde(default)]
    pub observed_rmse: Option<f64>,
    #[serde(default)]
    pub observed_rmse_ref: Option<f64>,
    /// Inpainting: mean pairwise pixel distance over the unobserved pixels.
    #[serde(default)]
    pub unobserved_diversity: Option<f64>,
    #[serde(default)]
    pub unobserved_diversity_ref: Option<f64>,
    pub modes_total: Option<usize>,
    pub modes_covered: Option<usize>,
    /// Total variation between the sampler's and the reference's mode-weight histograms, the
    /// bin "outside every mode" included.
    pub mode_tv: Option<f64>,
    /// The sampler's share of samples outside every mode (non-finite samples included).
    #[serde(default)]
    pub outside_share: Option<f64>,
    /// The reference posterior's share outside every mode.
    #[serde(default)]
    pub outside_share_ref: Option<f64>,
    /// Energy distance to reference posterior samples.
    pub energy_distance: Option<f64>,
    /// Sliced 2-Wasserstein distance to reference posterior samples.
    pub sliced_w2: Option<f64>,
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
    /// Per mode: the sampler's share of samples.
    pub mode_sampler_share: Vec<f64>,
    /// Per mode: the reference posterior's share.
    pub mode_reference_share: Vec<f64>,
    /// Where the sampler lives: `data`, or `noise` for a sampler of z under a generator prior,
    /// whose samples are mapped by f before the mode and distance metrics above.
    #[serde(default)]
    pub space: String,
    /// Energy distance to the reference posterior in noise space (noise-space samplers).
    #[serde(default)]
    pub noise_energy_distance: Option<f64>,
    /// Sliced 2-Wasserstein distance in noise space (noise-space samplers).
    #[serde(default)]
    pub noise_sliced_w2: Option<f64>,
    /// The sample metrics again after importance resampling of the sampler's own weighted
    /// samples (`eval.resample_from`); `null` when off or when the samples have no weights.
    #[serde(default)]
    pub resampled: Option<ResampledMetrics>,
}

/// Sample metrics of `eval.samples` points drawn with replacement from `proposals` of the
/// sampler's samples with probability ∝ w = r^β·p_ref(τ)/q(τ). The weights are exact, so the
/// resampled set tends to the posterior as `proposals` grows wherever the sampler puts some
/// mass; what it never reaches stays missing, and `ess` and `distinct` say how far to trust it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResampledMetrics {
    pub proposals: usize,
    /// Effective sample size of the proposals' weights, as a fraction of their number.
    pub ess: f64,
    /// Distinct proposals among the resampled points (copies count once).
    pub distinct: usize,
    pub neck_ks: Option<f64>,
    pub well_tv: Option<f64>,
    pub well_patterns: Option<usize>,
    pub mean_error: Option<f64>,
    pub covariance_error: Option<f64>,
    pub modes_covered: Option<usize>,
    pub mode_tv: Option<f64>,
    pub outside_share: Option<f64>,
    pub energy_distance: Option<f64>,
    pub sliced_w2: Option<f64>,
}
