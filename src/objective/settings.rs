//! How a sampler is obtained: the objective, its optimiser and the off-policy machinery
//! (exploration, replay buffer, local search, β annealing), and the MCMC baselines' settings.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::validation::{finite_non_negative, finite_positive, positive, share};

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
    /// Replace `log_z_init` by the first batch's importance-weight estimate log mean w. Where
    /// log Z is in the hundreds (Many Well: 165) the learned value would otherwise spend
    /// thousands of iterations climbing at its learning rate while its error swamps the loss.
    pub log_z_warm_start: bool,
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
    /// Add λ·KL(P*‖Q) to RTB or VarGrad on on-policy batches without exploration, estimated
    /// with self-normalised importance weights (see `objective::forward_kl`); 0: off. The
    /// reverse direction alone starves regions where the sampler is too narrow, because it
    /// sends few samples there; the forward one weighs those few by p/q.
    pub forward_weight: f64,
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
            log_z_warm_start: false,
            grad_clip: None,
            lr_final_fraction: 1.0,
            log_r_floor: None,
            gradient_steps: 0,
            forward_weight: 0.0,
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
/// √(σ²Δ + ε²) instead of σ√Δ, with ε decaying linearly from `std` to `floor` over the first
/// `decay_fraction` of training.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExplorationConfig {
    pub std: f64,
    pub decay_fraction: f64,
    /// ε never falls below this. On a target with many modes of unequal mass (Many Well's
    /// pairs), on-policy training after exploration has stopped lets single modes drain into
    /// their heavier neighbours; a little exploration to the end holds the balance.
    pub floor: f64,
}

impl Default for ExplorationConfig {
    fn default() -> Self {
        Self {
            std: 0.0,
            decay_fraction: 0.5,
            floor: 0.0,
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
    /// A CSV of states known to matter (from a long MCMC run, a simulation, or exact samples
    /// as an oracle): they never leave, and `known_share` of every replay batch is drawn from
    /// them uniformly. Relative paths are relative to the config file. States are in data
    /// space (a warped energy target's are mapped into the sampler's).
    pub known_states: Option<String>,
    pub known_share: f64,
    /// Also (or instead) this many known states from HMC chains on the target (the
    /// `train.hmc` settings, from reference draws), run once, at the first replay iteration.
    /// Needs the posterior density up to a constant (not a diffusion prior).
    pub known_hmc: usize,
    /// λ > 0: fit the known states by maximum likelihood, λ·E[−log q_θ(τ)] over backward
    /// trajectories from them (the forward KL when they are target samples), instead of
    /// passing them through the objective beside the buffer's; 0: replay them. Replayed,
    /// states the sampler misses carry log-weights far above the batch's, and VarGrad's
    /// batch estimate of log Z moves with them; the likelihood pulls the sampler towards
    /// them without touching the other trajectories' residuals.
    pub known_likelihood: f64,
}

impl Default for BufferConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            capacity: 10_000,
            replay_every: 2,
            rank_weight: 0.01,
            known_states: None,
            known_share: 0.5,
            known_hmc: 0,
            known_likelihood: 0.0,
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
    /// The share of the chains that start at fresh draws of the reference's terminal law
    /// (N(0, σ²I) for the Brownian reference) instead: MALA walks each to a nearby mode of the posterior, so the buffer
    /// learns of modes the sampler has not reached (with modes far apart, exploration noise
    /// and chains from the sampler's own states never do).
    pub reference_starts: f64,
    /// Each chain adapts its own step size instead of sharing one: for a target whose scale
    /// varies from place to place (the funnel's neck and mouth).
    pub per_chain_steps: bool,
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
            reference_starts: 0.0,
            per_chain_steps: false,
        }
    }
}

/// The `mala` baseline: one chain per requested sample, `steps` Langevin steps each.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MalaConfig {
    pub steps: usize,
    /// Initial step size h, adapted towards `target_acceptance` during the burn-in.
    pub step_size: f64,
    pub target_acceptance: f64,
    /// The share of `steps` during which the step size adapts; it is frozen after, so that
    /// the chains are exact MALA samplers.
    pub burn_in_fraction: f64,
}

impl Default for MalaConfig {
    fn default() -> Self {
        Self {
            steps: 1000,
            step_size: 0.01,
            target_acceptance: 0.574,
            burn_in_fraction: 0.5,
        }
    }
}

/// The `hmc` baseline: one chain per requested sample, `steps` transitions of `leapfrog` steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HmcConfig {
    pub steps: usize,
    pub leapfrog: usize,
    /// Initial leapfrog step size, adapted towards `target_acceptance` during the burn-in.
    pub step_size: f64,
    pub target_acceptance: f64,
    /// The share of `steps` during which the step size adapts; frozen after (exact HMC).
    pub burn_in_fraction: f64,
}

impl Default for HmcConfig {
    fn default() -> Self {
        Self {
            steps: 200,
            leapfrog: 10,
            step_size: 0.05,
            target_acceptance: 0.65,
            burn_in_fraction: 0.5,
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

impl TrainConfig {
    /// Checks the values serde cannot; field names are given with their `train.` path.
    pub fn validate(&self) -> Result<()> {
        positive("train.batch", self.batch)?;
        finite_positive("train.lr", self.lr)?;
        finite_positive("train.lr_log_z", self.lr_log_z)?;
        if let Some(c) = self.grad_clip {
            finite_positive("train.grad_clip", c)?;
        }
        let fraction = self.lr_final_fraction;
        if !(fraction.is_finite() && fraction > 0.0 && fraction <= 1.0) {
            return Err(Error::config(
                "train.lr_final_fraction",
                format!("must be in (0, 1], got {fraction}"),
            ));
        }
        finite_non_negative("train.forward_weight", self.forward_weight)?;
        let exploration = &self.exploration;
        finite_non_negative("train.exploration.std", exploration.std)?;
        finite_non_negative(
            "train.exploration.decay_fraction",
            exploration.decay_fraction,
        )?;
        if !(exploration.floor >= 0.0 && exploration.floor <= exploration.std) {
            return Err(Error::config(
                "train.exploration.floor",
                format!(
                    "must be in [0, train.exploration.std = {}], got {}",
                    exploration.std, exploration.floor
                ),
            ));
        }
        if self.buffer.enabled {
            positive("train.buffer.capacity", self.buffer.capacity)?;
            positive("train.buffer.replay_every", self.buffer.replay_every)?;
            share("train.buffer.known_share", self.buffer.known_share)?;
            finite_non_negative(
                "train.buffer.known_likelihood",
                self.buffer.known_likelihood,
            )?;
        } else if self.buffer.known_states.is_some() || self.buffer.known_hmc > 0 {
            return Err(Error::config(
                "train.buffer.known_states",
                "known states are replayed from the buffer: enable train.buffer too",
            ));
        }
        if self.local_search.enabled {
            if !self.buffer.enabled {
                return Err(Error::config(
                    "train.local_search.enabled",
                    "local search refines replay-buffer states: enable train.buffer too",
                ));
            }
            positive("train.local_search.every", self.local_search.every)?;
            finite_positive("train.local_search.step_size", self.local_search.step_size)?;
            share(
                "train.local_search.reference_starts",
                self.local_search.reference_starts,
            )?;
        }
        for (field, fraction) in [
            ("train.mala.burn_in_fraction", self.mala.burn_in_fraction),
            ("train.hmc.burn_in_fraction", self.hmc.burn_in_fraction),
        ] {
            if !(0.0..1.0).contains(&fraction) {
                return Err(Error::config(
                    field,
                    format!("must be in [0, 1), got {fraction}"),
                ));
            }
        }
        if self.beta_anneal.enabled {
            finite_positive("train.beta_anneal.start", self.beta_anneal.start)?;
        }
        Ok(())
    }
}

/// The steps of a chain's burn-in: `fraction` of `steps`, rounded down.
pub fn burn_in_steps(steps: usize, fraction: f64) -> usize {
    (steps as f64 * fraction) as usize
}
