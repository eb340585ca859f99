//! The probability-flow ODE of a diffusion prior as a generator x = f(z).
//!
//! The prior's marginals are those of the Brownian-bridge mixture x_t = t·x₁ + σ√(t(1−t))·ε
//! with x₁ ~ data, and its network gives D(x, t) ≈ E[x₁ | x_t = x]. The deterministic flow with
//! the same marginals moves x with the velocity
//!     v(x, t) = D + (1 − 2t)/(2t(1 − t))·(x − t·D)
//! (the mean velocity of the path, with E[ε | x_t] = (x − t·D)/(σ√(t(1−t))) by Tweedie). It
//! starts at a small t₀, where x_{t₀} ≈ N(0, σ²t₀(1 − t₀)I) to O(t₀), so z ~ N(0, I) enters as
//! x_{t₀} = σ√(t₀(1 − t₀))·z. Heun steps are uniform in u with t = sin²(πu/2): the step in t
//! shrinks like √(t(1−t)) where the velocity's coefficient blows up, so each step stays
//! bounded. The last step, from 1 − 1/T (the last time the network was trained at) to 1, is
//! one Euler step, as the prior's own process takes it.

use std::f64::consts::PI;
use std::path::Path;

use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::diffusion::DiffusionPrior;
use super::generator::{Generator, autodiff_pullback, chunked};
use crate::error::Result;
use crate::math::Points;
use crate::math::time_embedding;
use crate::sampler::trajectory::{tensor_to_points, to_device};

/// The ODE solve's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OdeConfig {
    /// Heun steps from t₀ to 1 − 1/T (two network evaluations each).
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
    fn velocity(&self, x: Tensor<2>, t: f64) -> Tensor<2> {
        let frequencies = self.prior.meta.net.time_frequencies;
        let features = Tensor::<2>::from_data(
            TensorData::new(
                time_embedding::features(&[t as f32], frequencies),
                [1, time_embedding::width(frequencies)],
            ),
            &x.device(),
        );
        let denoised = self
            .prior
            .net
            .forward(x.clone(), self.prior.net.embed_time(features));
        let coefficient = (1.0 - 2.0 * t) / (2.0 * t * (1.0 - t));
        denoised.clone() + (x - denoised.mul_scalar(t as f32)).mul_scalar(coefficient as f32)
    }

    /// x = f(z) for a batch.
    pub fn map(&self, z: Tensor<2>) -> Tensor<2> {
        let sigma = self.prior.meta.sigma;
        let t0 = self.config.t_start.clamp(1e-8, 0.5);
        let t_end = 1.0 - 1.0 / self.prior.meta.steps.max(2) as f64;
        let to_u = |t: f64| 2.0 / PI * t.sqrt().asin();
        let to_t = |u: f64| (PI * u / 2.0).sin().powi(2);
        let (u0, u1) = (to_u(t0), to_u(t_end));
        let steps = self.config.steps.max(1);
        let mut x = z.mul_scalar((sigma * (t0 * (1.0 - t0)).sqrt()) as f32);
        for i in 0..steps {
            let ta = to_t(u0 + (u1 - u0) * i as f64 / steps as f64);
            let tb = to_t(u0 + (u1 - u0) * (i + 1) as f64 / steps as f64);
            let h = (tb - ta) as f32;
            let va = self.velocity(x.clone(), ta);
            let guess = x.clone() + va.clone().mul_scalar(h);
            let vb = self.velocity(guess, tb);
            x = x + (va + vb).mul_scalar(0.5 * h);
        }
        let v = self.velocity(x.clone(), t_end);
        x + v.mul_scalar((1.0 - t_end) as f32)
    }
}

impl Generator for OdeGenerator {
    fn noise_dim(&self) -> usize {
        self.prior.meta.net.dim
    }

    fn data_dim(&self) -> usize {
        self.prior.meta.net.dim
    }

    fn generate(&self, z: &Points) -> Points {
        chunked(z, |z| {
            tensor_to_points(self.map(to_device(z, &self.device)))
        })
    }

    fn differentiable(&self) -> bool {
        true
    }

    fn pullback(&self, z: &Points, v: &dyn Fn(&Points) -> Points) -> Option<Points> {
        Some(autodiff_pullback(z, &self.device, |z| self.map(z), v))
    }

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
            "probability-flow ODE of the diffusion prior on {} (σ = {}, {} Heun steps)",
            self.prior.meta.dataset, self.prior.meta.sigma, self.config.steps
        )
    }

    fn save(&self, dir: &Path) -> Result<()> {
        self.prior.save(dir)
    }
}
