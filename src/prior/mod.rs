//! Priors and the reference process the sampler is measured against (DESIGN §2): Brownian
//! motion (plain energy targets) or a diffusion prior with a learned drift u_φ.

pub mod csv_data;
pub mod datasets;
pub mod diffusion;
pub mod training;

use burn::tensor::{Device, Tensor};

use crate::math::gaussian::log_normal_centered;
pub use datasets::{BuiltinDataset, DataSource};
pub use diffusion::{DiffusionPrior, DiffusionPriorMeta};

/// The reference process p_ref: x_0 = 0, x_{k+1} = x_k + u(x_k, t_k)·Δ + σ·√Δ·ε.
// One per experiment and cloned rarely: boxing the prior would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Reference {
    /// u = 0, so x_T ~ N(0, σ²I) exactly.
    Brownian { dim: usize, sigma: f64 },
    /// u = u_φ, a pretrained, frozen diffusion prior.
    Diffusion(DiffusionPrior),
}

impl Reference {
    pub fn dim(&self) -> usize {
        match self {
            Self::Brownian { dim, .. } => *dim,
            Self::Diffusion(prior) => prior.meta.net.dim,
        }
    }

    pub fn sigma(&self) -> f64 {
        match self {
            Self::Brownian { sigma, .. } => *sigma,
            Self::Diffusion(prior) => prior.meta.sigma,
        }
    }

    pub fn has_drift(&self) -> bool {
        matches!(self, Self::Diffusion(_))
    }

    /// Per-step time embeddings of the drift network on the grid t_k = k/T (T × H), if the
    /// reference has a drift.
    pub fn time_embedding(&self, steps: usize, device: &Device) -> Option<Tensor<2>> {
        match self {
            Self::Brownian { .. } => None,
            Self::Diffusion(prior) => Some(prior.time_embedding(steps, device)),
        }
    }

    /// log density of x_T under the reference, where it is tractable.
    pub fn terminal_log_density(&self, x: &[f32]) -> Option<f64> {
        match self {
            Self::Brownian { sigma, .. } => Some(log_normal_centered(x, sigma * sigma)),
            Self::Diffusion(_) => None,
        }
    }

    /// ∇ log density of x_T, where tractable.
    pub fn terminal_grad_log_density(&self, x: &[f32], grad: &mut [f64]) -> bool {
        match self {
            Self::Brownian { sigma, .. } => {
                for (g, &v) in grad.iter_mut().zip(x) {
                    *g = -(v as f64) / (sigma * sigma);
                }
                true
            }
            Self::Diffusion(_) => false,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Brownian { dim, sigma } => format!("Brownian reference, d = {dim}, σ = {sigma}"),
            Self::Diffusion(prior) => format!(
                "diffusion prior on {} (σ = {}, hidden {}×{})",
                prior.meta.dataset, prior.meta.sigma, prior.meta.net.hidden, prior.meta.net.depth
            ),
        }
    }
}
