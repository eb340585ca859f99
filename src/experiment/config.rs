//! One experiment's every setting, as one serde struct: the TOML file of the CLI, the state of
//! the GUI's panels and the `config.toml` saved beside checkpoints are all this.

use serde::{Deserialize, Serialize};

use crate::backend::BackendChoice;
use crate::constraint::ConstraintConfig;
use crate::error::{Error, Result};
use crate::prior::SamplerSpace;
use crate::prior::diffusion::PriorWeighting;
use crate::prior::flow::FlowConfig;
use crate::prior::gan::GanConfig;
use crate::prior::network_generator::GeneratorNetConfig;
use crate::prior::ode_generator::OdeConfig;
use crate::prior::vae::VaeConfig;
use crate::sampler::network::{Activation, DriftNetConfig};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExperimentConfig {
    /// A label for reports and saved files.
    pub name: String,
    /// Seeds every random draw: network initialisation, noise, buffers, metrics.
    pub seed: u64,
    /// Where tensors live: `auto` (a hardware GPU if there is one, else the CPU), `gpu`, `cpu`.
    pub backend: BackendChoice,
    pub prior: PriorConfig,
    pub constraint: ConstraintConfig,
    pub sampler: SamplerConfig,
    pub train: TrainConfig,
    pub eval: EvalConfig,
}

impl Default for ExperimentConfig {
    fn default() -> Self {
        Self {
            name: "experiment".into(),
            seed: 0,
            backend: BackendChoice::Auto,
            prior: PriorConfig::default(),
            constraint: ConstraintConfig::default(),
            sampler: SamplerConfig::default(),
            train: TrainConfig::default(),
            eval: EvalConfig::default(),
        }
    }
}

/// Which reference process the sampler is measured against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorKind {
    /// Brownian motion from 0 (drift 0): x_T ~ N(0, σ²I). With an `energy` constraint this is
    /// the plain energy-target benchmark.
    Brownian,
    /// A diffusion prior: drift u_φ(x, t) trained on data.
    Diffusion,
    /// An affine-coupling flow x = f(z) trained on data: a generator prior with an exact
    /// density. `sampler.space` says whether the sampler lives in x or in z.
    Flow,
    /// A VAE x = f(z) (its decoder mean) trained on data: a generator prior without a
    /// density, so its sampler lives in noise space.
    Vae,
    /// A GAN generator x = f(z) trained on data; like the VAE, noise space only.
    Gan,
    /// The probability-flow ODE of a diffusion prior (`prior.path` names a diffusion prior
    /// folder) as x = f(z); noise space only.
    Ode,
}

impl PriorKind {
    /// Whether the prior is a map of Gaussian noise (and so has a noise space).
    pub fn is_generator(self) -> bool {
        matches!(self, Self::Flow | Self::Vae | Self::Gan | Self::Ode)
    }

    /// Whether the prior has a tractable density p(x) (needed by a data-space sampler).
    pub fn has_density(self) -> bool {
        matches!(self, Self::Brownian | Self::Diffusion | Self::Flow)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Brownian => "brownian",
            Self::Diffusion => "diffusion",
            Self::Flow => "flow",
            Self::Vae => "vae",
            Self::Gan => "gan",
            Self::Ode => "ode",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PriorConfig {
    pub kind: PriorKind,
    /// Dimension of the Brownian reference (a diffusion prior has its own).
    pub dim: usize,
    /// A saved diffusion prior (a folder written by `pretrain`). Relative paths are resolved
    /// against the config file's folder, then the working directory.
    pub path: Option<String>,
    /// Training data of a diffusion prior: a built-in dataset name or a CSV file.
    pub dataset: String,
    /// Noise scale σ of the reference process: of Brownian motion, of a diffusion prior
    /// being trained (a saved prior keeps its own), or of the Brownian reference of a data-space
    /// sampler on a flow prior (noise-space samplers always use σ = 1).
    pub sigma: f64,
    /// Time steps T of the prior process.
    pub steps: usize,
    pub net: DriftNetConfig,
    /// Architecture of a flow prior being trained (a saved flow keeps its own).
    pub flow: FlowConfig,
    /// Architecture of the map f of a VAE or GAN prior being trained.
    pub generator: GeneratorNetConfig,
    /// VAE training settings.
    pub vae: VaeConfig,
    /// GAN training settings.
    pub gan: GanConfig,
    /// The probability-flow ODE's solver settings (`prior.kind = "ode"`).
    pub ode: OdeConfig,
    /// Treat the generator as a black box: no gradients of f are used (RTB still trains; the
    /// Langevin term, guidance, DPS and MALA are refused).
    pub black_box: bool,
    /// How prior training weights the loss at each time.
    pub weighting: PriorWeighting,
    pub iterations: usize,
    pub batch: usize,
    pub lr: f64,
}

impl Default for PriorConfig {
    fn default() -> Self {
        Self {
            kind: PriorKind::Brownian,
            dim: 2,
            path: None,
            dataset: "gmm25".into(),
            sigma: 5.0,
            steps: 100,
            net: DriftNetConfig {
                dim: 2,
                hidden: 128,
                depth: 3,
                time_frequencies: 16,
                activation: Activation::Relu,
                input_scale: 1.0,
            },
            flow: FlowConfig::default(),
            generator: GeneratorNetConfig::default(),
            vae: VaeConfig::default(),
            gan: GanConfig::default(),
            ode: OdeConfig::default(),
            black_box: false,
            weighting: PriorWeighting::Likelihood,
            iterations: 20_000,
            batch: 1024,
            lr: 1e-3,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SamplerConfig {
    /// For a generator prior: train the sampler in data space x or in noise space z.
    pub space: SamplerSpace,
    /// Number of Euler–Maruyama steps T.
    pub steps: usize,
    pub net: DriftNetConfig,
    /// Add the Langevin term NN₂(t)·clip(∇ log r(x)) to the learned drift.
    pub langevin: bool,
    /// Each coordinate of ∇ log r is clipped to ±this in the Langevin term.
    pub langevin_clip: f64,
}

impl Default for SamplerConfig {
    fn default() -> Self {
        Self {
            space: SamplerSpace::Data,
            steps: 100,
            net: DriftNetConfig::default(),
            langevin: false,
            langevin_clip: 100.0,
        }
    }
}

/// How the sampler is obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveKind {
    /// Relative trajectory balance with a learned log Z (for a Brownian reference and an
    /// energy constraint this is trajectory balance for the energy).
    Rtb,
    /// RTB with log Z replaced by the batch mean of β·log r − Δlog.
    VarGrad,
    /// Training-free: prior drift + s·σ²·β·∇log r(x_k).
    Guidance,
    /// Training-free: prior drift + s·σ²·β·∇_x log r(x̂_T(x_k)), x̂_T the one-step estimate.
    Dps,
    /// KL-regularised reward maximisation by policy gradient (DPOK-style).
    KlPolicyGradient,
    /// Importance resampling of prior samples (no training).
    Sir,
    /// Non-amortised MCMC: MALA chains started at reference samples, targeting the posterior
    /// density (needs a reference with a tractable density: Brownian or a generator prior).
    Mala,
    /// Non-amortised MCMC: HMC chains (leapfrog + Metropolis), otherwise as `mala`.
    Hmc,
}

impl ObjectiveKind {
    pub fn is_trained(self) -> bool {
        matches!(self, Self::Rtb | Self::VarGrad | Self::KlPolicyGradient)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Rtb => "rtb",
            Self::VarGrad => "var_grad",
            Self::Guidance => "guidance",
            Self::Dps => "dps",
            Self::KlPolicyGradient => "kl_policy_gradient",
            Self::Sir => "sir",
            Self::Mala => "mala",
            Self::Hmc => "hmc",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    pub objective: ObjectiveKind,
    pub iterations: usize,
    /// Trajectories per iteration.
    pub batch: usize,
    /// Adam learning rate of the drift network.
    pub lr: f64,
    /// Adam learning rate of the learned log Z (RTB).
    pub lr_log_z: f64,
    /// Initial value of the learned log Z.
    pub log_z_init: f64,
    /// Clip the global gradient norm to this (none when unset).
    pub grad_clip: Option<f64>,
    /// Both learning rates follow a cosine from their value down to this fraction of it over
    /// `iterations` (1: constant). The end of training then averages out the noise of the
    /// last updates, which otherwise shows as wrong mode weights.
    pub lr_final_fraction: f64,
    /// Train on max(log r, floor) instead of log r (none when unset). Samples in regions of
    /// negligible posterior mass (log r far below the floor) otherwise carry residuals of
    /// hundreds of nats that swamp the gradient; metrics always use the exact log r, so the
    /// bias this adds is measured, not hidden.
    pub log_r_floor: Option<f64>,
    /// Backpropagate through this many randomly chosen time steps per iteration (0: all).
    /// The loss value stays exact; the gradient is an unbiased estimate, scaled by T/K, at
    /// K/T of the cost of the backward pass.
    pub gradient_steps: usize,
    pub exploration: ExplorationConfig,
    pub buffer: BufferConfig,
    pub local_search: LocalSearchConfig,
    pub beta_anneal: BetaAnnealConfig,
    /// Guidance scale s of the `guidance` and `dps` baselines.
    pub guidance_scale: f64,
    /// Weight α of the KL term in `kl_policy_gradient`: maximise E[β log r] − α·KL(q‖p).
    pub kl_weight: f64,
    /// Prior samples drawn by the `sir` baseline.
    pub sir_proposals: usize,
    pub mala: MalaConfig,
    pub hmc: HmcConfig,
    /// Evaluate metrics every this many iterations (0: only at the end).
    pub eval_every: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            objective: ObjectiveKind::Rtb,
            iterations: 5000,
            batch: 300,
            lr: 1e-3,
            lr_log_z: 1e-1,
            log_z_init: 0.0,
            grad_clip: None,
            lr_final_fraction: 1.0,
            log_r_floor: None,
            gradient_steps: 0,
            exploration: ExplorationConfig::default(),
            buffer: BufferConfig::default(),
            local_search: LocalSearchConfig::default(),
            beta_anneal: BetaAnnealConfig::default(),
            guidance_scale: 1.0,
            kl_weight: 1.0,
            sir_proposals: 1000,
            mala: MalaConfig::default(),
            hmc: HmcConfig::default(),
            eval_every: 0,
        }
    }
}

/// Off-policy exploration: the behaviour process's step noise has standard deviation
/// √(σ²Δ + ε²) instead of σ√Δ, with ε decaying linearly from `std` to 0 over the first
/// `decay_fraction` of training.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExplorationConfig {
    pub std: f64,
    pub decay_fraction: f64,
}

impl Default for ExplorationConfig {
    fn default() -> Self {
        Self {
            std: 0.0,
            decay_fraction: 0.5,
        }
    }
}

/// A rank-prioritised replay buffer of terminal states, replayed through the backward
/// (Brownian bridge) process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BufferConfig {
    pub enabled: bool,
    pub capacity: usize,
    /// Every `replay_every`-th iteration trains on buffer states instead of fresh trajectories.
    pub replay_every: usize,
    /// Rank prioritisation: P(rank i) ∝ 1 / (k·N + i).
    pub rank_weight: f64,
}

impl Default for BufferConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            capacity: 10_000,
            replay_every: 2,
            rank_weight: 0.01,
        }
    }
}

/// MALA on buffer states targeting the posterior density; needs a reference with a tractable
/// marginal (Brownian).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LocalSearchConfig {
    pub enabled: bool,
    /// Run local search every this many iterations.
    pub every: usize,
    /// MALA steps per run.
    pub steps: usize,
    /// Initial MALA step size h (proposal x + h∇log π + √(2h)ξ), adapted towards
    /// `target_acceptance`.
    pub step_size: f64,
    pub target_acceptance: f64,
    /// Chains per run, started from rank-prioritised buffer states.
    pub chains: usize,
}

impl Default for LocalSearchConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            every: 100,
            steps: 200,
            step_size: 0.01,
            target_acceptance: 0.574,
            chains: 300,
        }
    }
}

/// The `mala` baseline: one chain per requested sample, `steps` Langevin steps each.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MalaConfig {
    pub steps: usize,
    /// Initial step size h, adapted towards `target_acceptance`.
    pub step_size: f64,
    pub target_acceptance: f64,
}

impl Default for MalaConfig {
    fn default() -> Self {
        Self {
            steps: 1000,
            step_size: 0.01,
            target_acceptance: 0.574,
        }
    }
}

/// The `hmc` baseline: one chain per requested sample, `steps` transitions of `leapfrog` steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HmcConfig {
    pub steps: usize,
    pub leapfrog: usize,
    /// Initial leapfrog step size, adapted towards `target_acceptance`.
    pub step_size: f64,
    pub target_acceptance: f64,
}

impl Default for HmcConfig {
    fn default() -> Self {
        Self {
            steps: 200,
            leapfrog: 10,
            step_size: 0.05,
            target_acceptance: 0.65,
        }
    }
}

/// β rises linearly from `start` to the constraint's β over the first `iterations`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BetaAnnealConfig {
    pub enabled: bool,
    pub start: f64,
    pub iterations: usize,
}

impl Default for BetaAnnealConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            start: 0.1,
            iterations: 1000,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvalConfig {
    /// On-policy trajectories for ELBO, IW log Z, ESS and sampler samples.
    pub samples: usize,
    /// Prior samples behind the Monte Carlo reference log Z and the SIR reference posterior.
    pub reference_samples: usize,
    /// Samples of each side compared by the energy distance.
    pub distance_samples: usize,
    /// A mode counts towards `modes_total` when its reference share is at least this.
    pub mode_min_share: f64,
    /// Number of k-means modes when no known components exist.
    pub kmeans_modes: usize,
    /// Cells per side of the quadrature grid (Brownian reference, d ≤ 2).
    pub grid_resolution: usize,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            samples: 2000,
            reference_samples: 100_000,
            distance_samples: 2000,
            mode_min_share: 0.01,
            kmeans_modes: 8,
            grid_resolution: 600,
        }
    }
}

impl ExperimentConfig {
    /// Parses TOML text; `origin` names the file in error messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::bad_file(origin, toml_message(&e)))
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot serialise: {e}"))
    }

    /// Applies `key=value` overrides (`train.batch=500`, `constraint.beta=2`,
    /// `constraint.box.lower=[-1,-1]`). The value is read as TOML, or as a string when it is
    /// not valid TOML.
    pub fn with_overrides(&self, overrides: &[String]) -> Result<Self> {
        if overrides.is_empty() {
            return Ok(self.clone());
        }
        let mut value = toml::Value::try_from(self)
            .map_err(|e| Error::Unsupported(format!("cannot represent config: {e}")))?;
        for item in overrides {
            let Some((key, raw)) = item.split_once('=') else {
                return Err(Error::config(
                    item,
                    "an override must look like key=value, e.g. train.batch=500",
                ));
            };
            let key = key.trim();
            let new = parse_override_value(raw.trim());
            set_path(&mut value, key, new)?;
        }
        value
            .try_into()
            .map_err(|e: toml::de::Error| Error::config("--set", toml_message(&e)))
    }

    /// Checks values that serde cannot: ranges and combinations.
    pub fn validate(&self) -> Result<()> {
        let positive = |field: &str, v: usize| {
            if v == 0 {
                Err(Error::config(field, "must be at least 1"))
            } else {
                Ok(())
            }
        };
        positive("sampler.steps", self.sampler.steps)?;
        positive("train.batch", self.train.batch)?;
        positive("eval.samples", self.eval.samples)?;
        positive("prior.dim", self.prior.dim)?;
        positive("sampler.net.hidden", self.sampler.net.hidden)?;
        let finite_positive = |field: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(Error::config(
                    field,
                    format!("must be a positive number, got {v}"),
                ))
            }
        };
        finite_positive("train.lr", self.train.lr)?;
        finite_positive("train.lr_log_z", self.train.lr_log_z)?;
        finite_positive("prior.sigma", self.prior.sigma)?;
        if !(self.constraint.beta.is_finite() && self.constraint.beta > 0.0) {
            return Err(Error::config(
                "constraint.beta",
                format!("must be a positive number, got {}", self.constraint.beta),
            ));
        }
        if let Some(c) = self.train.grad_clip {
            finite_positive("train.grad_clip", c)?;
        }
        let fraction = self.train.lr_final_fraction;
        if !(fraction.is_finite() && fraction > 0.0 && fraction <= 1.0) {
            return Err(Error::config(
                "train.lr_final_fraction",
                format!("must be in (0, 1], got {fraction}"),
            ));
        }
        if !(self.train.exploration.std.is_finite() && self.train.exploration.std >= 0.0) {
            return Err(Error::config("train.exploration.std", "must be ≥ 0"));
        }
        if self.train.buffer.enabled {
            positive("train.buffer.capacity", self.train.buffer.capacity)?;
            positive("train.buffer.replay_every", self.train.buffer.replay_every)?;
        }
        if self.train.local_search.enabled {
            if !self.train.buffer.enabled {
                return Err(Error::config(
                    "train.local_search.enabled",
                    "local search refines replay-buffer states: enable train.buffer too",
                ));
            }
            positive("train.local_search.every", self.train.local_search.every)?;
            finite_positive(
                "train.local_search.step_size",
                self.train.local_search.step_size,
            )?;
            if self.prior.kind == PriorKind::Diffusion {
                return Err(Error::config(
                    "train.local_search.enabled",
                    "MALA needs the posterior density up to a constant, which a diffusion prior \
                     does not give; use it with a Brownian reference or a generator prior",
                ));
            }
        }
        if self.train.beta_anneal.enabled {
            finite_positive("train.beta_anneal.start", self.train.beta_anneal.start)?;
        }
        if self.sampler.space == SamplerSpace::Noise && !self.prior.kind.is_generator() {
            return Err(Error::config(
                "sampler.space",
                format!(
                    "`noise` needs a generator prior x = f(z) (prior.kind = \"flow\", \"vae\", \
                     \"gan\" or \"ode\"), not `{}`",
                    self.prior.kind.name()
                ),
            ));
        }
        if self.sampler.space == SamplerSpace::Data && !self.prior.kind.has_density() {
            return Err(Error::config(
                "sampler.space",
                format!(
                    "a {} prior has no density p(x), so its posterior cannot be sampled in \
                     data space: set sampler.space = \"noise\"",
                    self.prior.kind.name()
                ),
            ));
        }
        if self.prior.black_box && !self.prior.kind.is_generator() {
            return Err(Error::config(
                "prior.black_box",
                "only a generator prior (prior.kind = \"flow\", \"vae\", \"gan\" or \"ode\") can \
                 be a black box",
            ));
        }
        Ok(())
    }
}

fn toml_message(e: &toml::de::Error) -> String {
    // toml's Display spans several lines with a source excerpt; keep the first line and the
    // explanation, which name the key.
    let text = e.to_string();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('|') && !l.starts_with('^'))
        .collect();
    lines.join(": ")
}

fn parse_override_value(raw: &str) -> toml::Value {
    let wrapped = format!("v = {raw}");
    match toml::from_str::<toml::Table>(&wrapped) {
        Ok(mut table) => table
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.into())),
        Err(_) => toml::Value::String(raw.into()),
    }
}

fn set_path(root: &mut toml::Value, key: &str, new: toml::Value) -> Result<()> {
    let parts: Vec<&str> = key.split('.').collect();
    let mut node = root;
    for (i, part) in parts.iter().enumerate() {
        let Some(table) = node.as_table_mut() else {
            return Err(Error::config(
                key,
                format!("`{}` is not a section", parts[..i].join(".")),
            ));
        };
        if i + 1 == parts.len() {
            table.insert((*part).to_string(), new);
            return Ok(());
        }
        node = table
            .entry((*part).to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    }
    Err(Error::config(key, "empty key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_round_trips_through_toml() {
        let config = ExperimentConfig::default();
        let text = config.to_toml();
        assert_eq!(
            ExperimentConfig::from_toml(&text, "x.toml").unwrap(),
            config
        );
    }

    #[test]
    fn overrides_set_nested_fields() {
        let config = ExperimentConfig::default()
            .with_overrides(&[
                "train.batch=500".into(),
                "constraint.beta=2.5".into(),
                "train.objective=var_grad".into(),
                "train.grad_clip=10".into(),
            ])
            .unwrap();
        assert_eq!(config.train.batch, 500);
        assert_eq!(config.constraint.beta, 2.5);
        assert_eq!(config.train.objective, ObjectiveKind::VarGrad);
        assert_eq!(config.train.grad_clip, Some(10.0));
    }

    #[test]
    fn unknown_fields_are_named() {
        let err = ExperimentConfig::from_toml("[train]\nbatchsize = 3\n", "my.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("my.toml") && err.contains("batchsize"),
            "{err}"
        );
        let err = ExperimentConfig::default()
            .with_overrides(&["train.bach=3".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("bach"), "{err}");
    }

    #[test]
    fn invalid_values_name_their_field() {
        let mut config = ExperimentConfig::default();
        config.train.batch = 0;
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("train.batch")
        );
        let mut config = ExperimentConfig::default();
        config.constraint.beta = -1.0;
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("constraint.beta")
        );
    }
}
