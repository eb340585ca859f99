//! The probability-flow ODE of a diffusion prior as a generator x = f(z).
//!
//! The prior's marginals are those of the Brownian-bridge mixture x_t = t·x₁ + σ√(t(1−t))·ε
//! with x₁ ~ data, and its network gives D(x, t) ≈ E[x₁ | x_t = x]. The deterministic flow with
//! the same marginals moves x with the velocity
//!     v(x, t) = D + (1 − 2t)/(2t(1 − t))·(x − t·D)
//! (the mean velocity of the path, with E[ε | x_t] = (x − t·D)/(σ√(t(1−t))) by Tweedie). It
//! starts at a small t₀, where x_{t₀} ≈ N(0, σ²t₀(1 − t₀)I) to O(t₀), so z ~ N(0, I) enters as
//! x_{t₀} = σ√(t₀(1 − t₀))·z.
//!
//! The velocity's coefficient on x grows like 1/(2t) near t₀ and like 1/(2(1−t)) near 1, so a
//! plain Runge–Kutta step is under-resolved there unless its steps are tiny. The linear part is
//! integrated exactly instead: with y = x/√(t(1−t)) and φ = √(t/(1−t)) the ODE is
//! dy/dφ = D(x, t), which is constant along the path of a fixed end point (the DDIM form of
//! this bridge). Heun steps in φ, at times uniform in logit t (so that every step moves the
//! log signal-to-noise ratio by the same amount), then carry only the change of D; the last
//! step, from t_{T−1} (the last step start of the prior's grid, the latest time its network was
//! trained at) to 1, where φ = ∞, lands on x = D.

use std::path::Path;

use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::diffusion::DiffusionPrior;
use super::generator::{Generator, chunked, tensor_map_methods};
use crate::error::Result;
use crate::math::Points;

/// The ODE solve's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OdeConfig {
    /// Heun steps from t₀ to the prior's t_{T−1} (two network evaluations each), uniform in
    /// logit t.
    pub steps: usize,
    /// Start time t₀ of the flow.
    pub t_start: f64,
}

impl Default for OdeConfig {
    fn default() -> Self {
        Self {
            steps: 50,
            t_start: 1e-4,
        }
    }
}

/// A diffusion prior's probability-flow map of N(0, I) noise.
#[derive(Clone, Debug)]
pub struct OdeGenerator {
    pub prior: DiffusionPrior,
    pub config: OdeConfig,
    pub device: Device,
}

impl OdeGenerator {
    /// The denoised end point D(x, t).
    fn denoise(&self, x: Tensor<2>, t: f64) -> Tensor<2> {
        self.prior.denoise_at(x, t)
    }

    /// The solver's times t₀ < … < t_{T−1}, uniform in logit t.
    pub fn times(&self) -> Vec<f64> {
        let t0 = self.config.t_start.clamp(1e-8, 0.5);
        let t_end = self.prior.meta.last_trained_time().max(t0);
        let logit = |t: f64| (t / (1.0 - t)).ln();
        let (s0, s1) = (logit(t0), logit(t_end));
        let steps = self.config.steps.max(1);
        (0..=steps)
            .map(|i| {
                let s = s0 + (s1 - s0) * i as f64 / steps as f64;
                1.0 / (1.0 + (-s).exp())
            })
            .collect()
    }

    /// x = f(z) for a batch.
    pub fn map(&self, z: Tensor<2>) -> Tensor<2> {
        let sigma = self.prior.meta.sigma;
        let times = self.times();
        let scale = |t: f64| (t * (1.0 - t)).sqrt();
        let phi = |t: f64| (t / (1.0 - t)).sqrt();
        // y = x/√(t(1−t)), so y at t₀ is σ·z.
        let mut y = z.mul_scalar(sigma as f32);
        for pair in times.windows(2) {
            let (ta, tb) = (pair[0], pair[1]);
            let dphi = (phi(tb) - phi(ta)) as f32;
            let da = self.denoise(y.clone().mul_scalar(scale(ta) as f32), ta);
            let guess = y.clone() + da.clone().mul_scalar(dphi);
            let db = self.denoise(guess.mul_scalar(scale(tb) as f32), tb);
            y = y + (da + db).mul_scalar(0.5 * dphi);
        }
        let t_end = times.last().copied().unwrap_or(0.5);
        self.denoise(y.mul_scalar(scale(t_end) as f32), t_end)
    }
}

impl Generator for OdeGenerator {
    fn noise_dim(&self) -> usize {
        self.prior.meta.net.dim
    }

    fn data_dim(&self) -> usize {
        self.prior.meta.net.dim
    }

    tensor_map_methods!();

    fn encode(&self, _x: &Points) -> Option<Points> {
        // The reverse ODE would do it; not built.
        None
    }

    fn log_density(&self, _x: &Points) -> Option<Vec<f64>> {
        None
    }

    fn grad_log_density(&self, _x: &Points) -> Option<Points> {
        None
    }

    fn dataset(&self) -> &str {
        &self.prior.meta.dataset
    }

    fn describe(&self) -> String {
        format!(
            "probability-flow ODE of the diffusion prior on {} (σ = {}, {} Heun steps in logit t)",
            self.prior.meta.dataset, self.prior.meta.sigma, self.config.steps
        )
    }

    fn save(&self, dir: &Path) -> Result<()> {
        self.prior.save(dir)
    }
}
