//! The sampler's settings: its space, time steps, network and Langevin term.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::math::time_grid::TimeGrid;
use crate::nn::DriftNetConfig;
use crate::prior::SamplerSpace;
use crate::validation::{finite_positive, positive};

/// The time dependence of the Langevin term's scale.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LangevinGain {
    /// NN₂(t), zero until trained: an untrained sampler is its reference.
    #[default]
    Learned,
    /// g(t)·(1 + tanh NN₂(t)) with g(t) = σ²/(σ²(1 − t) + 1), the gain of the exact control
    /// towards a unit-variance Gaussian from a Brownian reference. Near t = 1 that gain is about
    /// σ², which a zero-initialised NN₂ does not reach in a run when σ is large (a mixture whose
    /// modes lie far apart needs a wide reference); training can only scale it by 0 … 2, so the
    /// term never pushes away from the target's modes, which would make Euler steps diverge.
    /// An untrained sampler is then its reference guided by the target's score.
    Reference,
}

/// The variance of the sampler's steps before any learned part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepVariance {
    /// σ²Δ_k, the reference's.
    #[default]
    Reference,
    /// σ²Δ_k·H(t_{k+1})/H(t_k) with H(t) = σ²(1 − t) + 1: the exact transition towards a
    /// unit-variance Gaussian, whose mean the Euler step of the `reference` gain already
    /// gets right. With the reference's variance every step adds a little too much noise, and
    /// the samples end wider than the target (σ = 25, T = 100 on the power-2 grid: variance
    /// 1.22 instead of 1 per coordinate); with this one they end at 1.
    Gaussian,
}

/// The step variance a new sampler starts with: s_k² = σ²Δ_k·exp(fixed_k + h_θ(x, t_k)).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VarianceTerm {
    /// The bound of the learned h, when the variance is learned.
    pub learned_range: Option<f64>,
    /// log(s_k²/(σ²Δ_k)) per grid step before learning; empty: zero.
    pub fixed: Vec<f32>,
}

/// The Langevin term a new sampler starts with.
#[derive(Clone, Debug, PartialEq)]
pub enum LangevinTerm {
    /// No Langevin term.
    Off,
    /// NN₂(t), zero until trained.
    Learned,
    /// g(t_k)·(1 + tanh NN₂(t_k)), one gain per step of the sampler's grid.
    Gains(Vec<f32>),
}

/// H(t) = σ²(1 − t) + 1: the variance of x_1 given x_t under the exact control towards a
/// unit-variance Gaussian, which sets both its gain and its step variance.
fn gaussian_spread(t: f64, sigma: f64) -> f64 {
    sigma * sigma * (1.0 - t) + 1.0
}

/// g(t) = σ²/H(t) of [`LangevinGain::Reference`] with the fade t^q (`sampler.langevin_fade`).
fn reference_gain(t: f64, sigma: f64, fade: f64) -> f64 {
    t.powf(fade) * sigma * sigma / gaussian_spread(t, sigma)
}

impl LangevinGain {
    /// The scale's gain at each step start t_k, faded in by t^`fade`: `None` for a learned
    /// scale.
    pub fn gains(self, grid: &TimeGrid, sigma: f64, fade: f64) -> Option<Vec<f32>> {
        match self {
            Self::Learned => None,
            Self::Reference => Some(
                grid.step_starts()
                    .iter()
                    .map(|&t| reference_gain(t, sigma, fade) as f32)
                    .collect(),
            ),
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
    /// The time grid t_k = 1 − (1 − k/T)^p: 1 is uniform, 2 (the default) makes the last step
    /// 1/T², so that the last transition's noise (σ/T instead of σ/√T) no longer blurs what the
    /// sampler produces. With a diffusion prior, the prior's own grid.
    pub grid_power: f64,
    pub net: DriftNetConfig,
    /// Add the Langevin term NN₂(t)·clip(∇ log r(x)) to the learned drift.
    pub langevin: bool,
    /// Each coordinate of ∇ log r is clipped to ±this in the Langevin term.
    pub langevin_clip: f64,
    /// How the Langevin term's scale depends on time (see [`LangevinGain`]).
    pub langevin_gain: LangevinGain,
    /// With the `reference` gain: multiply it by t^q. For a mixture, the exact control points
    /// early on to a weighted average of the modes (x_t says little yet about which one the
    /// path will reach), while the target's score points to the mode nearest to x_t: at full
    /// gain from t = 0 most paths are pulled to the modes nearest the origin. Fading the
    /// term in lets the paths spread first, as the exact control does.
    pub langevin_fade: f64,
    /// Learn the step variance: s² = σ²·exp(h_θ(x, t)) per coordinate, h bounded to
    /// ±`log_variance_range` and zero until trained. Lets a sampler take smaller steps than
    /// its reference where the posterior is sharp.
    pub learned_variance: bool,
    pub log_variance_range: f64,
    /// The step variance before any learned part (see [`StepVariance`]); `gaussian` goes
    /// with the `reference` Langevin gain.
    pub step_variance: StepVariance,
}

impl Default for SamplerConfig {
    fn default() -> Self {
        Self {
            space: SamplerSpace::Data,
            steps: 100,
            grid_power: 2.0,
            net: DriftNetConfig::default(),
            langevin: false,
            langevin_clip: 100.0,
            langevin_gain: LangevinGain::Learned,
            langevin_fade: 0.0,
            learned_variance: false,
            log_variance_range: 4.0,
            step_variance: StepVariance::Reference,
        }
    }
}

impl SamplerConfig {
    /// Checks the values serde cannot; field names are given with their `sampler.` path.
    pub fn validate(&self) -> Result<()> {
        positive("sampler.steps", self.steps)?;
        crate::validation::grid_power("sampler.grid_power", self.grid_power)?;
        positive("sampler.net.hidden", self.net.hidden)?;
        crate::validation::finite_non_negative("sampler.net.state_gain", self.net.state_gain)?;
        finite_positive("sampler.log_variance_range", self.log_variance_range)?;
        crate::validation::finite_non_negative("sampler.langevin_fade", self.langevin_fade)?;
        if self.langevin_gain == LangevinGain::Reference && !self.langevin {
            return Err(Error::config(
                "sampler.langevin_gain",
                "a gain for the Langevin term needs the term: set sampler.langevin = true",
            ));
        }
        if self.step_variance == StepVariance::Gaussian
            && !(self.langevin && self.langevin_gain == LangevinGain::Reference)
        {
            return Err(Error::config(
                "sampler.step_variance",
                "\"gaussian\" is the variance of the exact Gaussian control, whose drift is the \
                 fixed gain: set sampler.langevin = true and sampler.langevin_gain = \"reference\"",
            ));
        }
        if self.langevin_fade > 0.0 && self.langevin_gain != LangevinGain::Reference {
            return Err(Error::config(
                "sampler.langevin_fade",
                "fades the fixed gain in: set sampler.langevin_gain = \"reference\" too",
            ));
        }
        finite_positive("sampler.langevin_clip", self.langevin_clip)
    }
}

impl SamplerConfig {
    /// The step variance on the sampler's grid, for a reference of scale σ.
    pub fn variance_term(&self, grid: &TimeGrid, sigma: f64) -> VarianceTerm {
        let fixed = match self.step_variance {
            StepVariance::Reference => Vec::new(),
            StepVariance::Gaussian => (0..grid.steps())
                .map(|k| {
                    let ratio =
                        gaussian_spread(grid.t(k + 1), sigma) / gaussian_spread(grid.t(k), sigma);
                    ratio.ln() as f32
                })
                .collect(),
        };
        VarianceTerm {
            learned_range: self.learned_variance.then_some(self.log_variance_range),
            fixed,
        }
    }

    /// The Langevin term on the sampler's grid, for a reference of scale σ.
    pub fn langevin_term(&self, grid: &TimeGrid, sigma: f64) -> LangevinTerm {
        if !self.langevin {
            return LangevinTerm::Off;
        }
        match self.langevin_gain.gains(grid, sigma, self.langevin_fade) {
            None => LangevinTerm::Learned,
            Some(gains) => LangevinTerm::Gains(gains),
        }
    }

    /// The sampler's time grid.
    pub fn time_grid(&self) -> TimeGrid {
        TimeGrid::new(self.steps, self.grid_power)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gaussian_step_variance_shrinks_each_step_by_the_exact_transitions_ratio() {
        let config = SamplerConfig {
            langevin: true,
            langevin_gain: LangevinGain::Reference,
            step_variance: StepVariance::Gaussian,
            ..SamplerConfig::default()
        };
        config.validate().unwrap();
        let grid = config.time_grid();
        let term = config.variance_term(&grid, 25.0);
        assert_eq!(term.fixed.len(), 100);
        assert!(term.learned_range.is_none());
        assert!(term.fixed.iter().all(|&h| h < 0.0));
        // The ratios telescope: Π H(t_{k+1})/H(t_k) = H(1)/H(0) = 1/(σ² + 1).
        let total: f64 = term.fixed.iter().map(|&h| h as f64).sum();
        assert!((total + 626f64.ln()).abs() < 1e-4, "{total}");
        // The last step, from t = 1 − 10⁻⁴: 1/(1 + 625·10⁻⁴).
        assert!((term.fixed[99] as f64 + 1.0625f64.ln()).abs() < 1e-5);
        let plain = SamplerConfig::default().variance_term(&grid, 25.0);
        assert!(plain.fixed.is_empty());
    }

    #[test]
    fn the_gaussian_step_variance_needs_the_fixed_gain() {
        let config = SamplerConfig {
            langevin: true,
            step_variance: StepVariance::Gaussian,
            ..SamplerConfig::default()
        };
        let message = config.validate().unwrap_err().to_string();
        assert!(message.contains("sampler.step_variance"), "{message}");
        assert!(message.contains("langevin_gain"), "{message}");
    }
}
