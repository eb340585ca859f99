//! Measuring a sampler (DESIGN §4): importance-weight estimates of log Z, distances to the
//! reference posterior, mode coverage. Every number is computed from samples, never typed in.

pub mod distances;
pub mod exact_gaussian;
pub mod kmeans;
pub mod log_weights;
pub mod mode_coverage;
pub mod reference;
pub mod settings;
pub mod sharpness;
pub mod sir;

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
    /// mean log w: the evidence lower bound.
    pub elbo: Option<f64>,
    pub log_z_learned: Option<f64>,
    /// Effective sample size of the importance weights, as a fraction of their number.
    pub ess: Option<f64>,
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
}
