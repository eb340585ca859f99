//! Priors and the reference process the sampler is measured against (DESIGN §2): Brownian
//! motion (plain energy targets) or a diffusion prior with a learned drift u_φ.

pub mod csv_data;
pub mod datasets;
pub mod diffusion;
pub mod factory;
pub mod flow;
pub mod gan;
pub mod generator;
pub mod marginal;
pub mod network_generator;
pub mod ode_generator;
pub mod settings;
pub mod training;
pub mod vae;

use burn::tensor::{Device, Tensor};

use crate::math::gaussian::log_normal_centered;
pub use datasets::{BuiltinDataset, DataSource};
pub use diffusion::{DiffusionPrior, DiffusionPriorMeta};
pub use flow::FlowPrior;
pub use generator::{GeneratedPrior, Generator, SamplerSpace};

/// The reference process p_ref: x_0 = 0, x_{k+1} = x_k + u(x_k, t_k)·Δ + σ·√Δ·ε.
// One per experiment and cloned rarely: boxing the prior would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum ReferenceProcess {
    /// u = 0, so x_T ~ N(0, σ²I) exactly.
    Brownian { dim: usize, sigma: f64 },
    /// u = u_φ, a pretrained, frozen diffusion prior.
    Diffusion(DiffusionPrior),
    /// A generator prior x = f(z): the process is Brownian (u = 0) in the sampler's space.
    Generated(GeneratedPrior),
}

impl ReferenceProcess {
    pub fn dim(&self) -> usize {
        match self {
            Self::Brownian { dim, .. } => *dim,
            Self::Diffusion(prior) => prior.meta.net.dim,
            Self::Generated(prior) => prior.dim(),
        }
    }

    pub fn sigma(&self) -> f64 {
        match self {
            Self::Brownian { sigma, .. } => *sigma,
            Self::Diffusion(prior) => prior.meta.sigma,
            Self::Generated(prior) => prior.sigma,
        }
    }

    /// σ² of x_T ~ N(0, σ²I) where the process is Brownian.
    pub fn brownian_variance(&self) -> Option<f64> {
        match self {
            Self::Diffusion(_) => None,
            _ => Some(self.sigma() * self.sigma()),
        }
    }

    /// The generator, when the sampler lives in its noise space (samples are mapped by f).
    pub fn noise_generator(&self) -> Option<&std::sync::Arc<dyn Generator>> {
        match self {
            Self::Generated(prior) if prior.space == SamplerSpace::Noise => Some(&prior.generator),
            _ => None,
        }
    }

    /// The dataset a trained prior learned (its known modes count in mode coverage).
    pub fn dataset(&self) -> Option<&str> {
        match self {
            Self::Brownian { .. } => None,
            Self::Diffusion(prior) => Some(&prior.meta.dataset),
            Self::Generated(prior) => Some(prior.generator.dataset()),
        }
    }

    /// Writes the trained prior to `dir` so that `prior.path = dir` loads it again.
    pub fn save_prior(&self, dir: &std::path::Path) -> crate::error::Result<()> {
        match self {
            Self::Brownian { .. } => Err(crate::error::Error::Unsupported(
                "the reference is Brownian motion: there is no trained prior to save".into(),
            )),
            Self::Diffusion(prior) => prior.save(dir),
            Self::Generated(prior) => prior.generator.save(dir),
        }
    }

    /// Whether there is a trained network (diffusion or generator) to save with an experiment.
    pub fn has_trained_prior(&self) -> bool {
        !matches!(self, Self::Brownian { .. })
    }

    pub fn is_brownian(&self) -> bool {
        matches!(self, Self::Brownian { .. })
    }

    pub fn has_drift(&self) -> bool {
        matches!(self, Self::Diffusion(_))
    }

    /// Per-step time embeddings of the drift network on the grid t_k = k/T (T × H), if the
    /// reference has a drift.
    pub fn time_embedding(
        &self,
        grid: &crate::math::time_grid::TimeGrid,
        device: &Device,
    ) -> Option<Tensor<2>> {
        match self {
            Self::Brownian { .. } | Self::Generated(_) => None,
            Self::Diffusion(prior) => Some(prior.time_embedding(grid, device)),
        }
    }

    /// log density of x_T under the reference, where it is tractable.
    pub fn terminal_log_density(&self, x: &[f32]) -> Option<f64> {
        self.brownian_variance()
            .map(|variance| log_normal_centered(x, variance))
    }

    /// ∇ log density of x_T, where tractable.
    pub fn terminal_grad_log_density(&self, x: &[f32], grad: &mut [f64]) -> bool {
        let Some(variance) = self.brownian_variance() else {
            return false;
        };
        for (g, &v) in grad.iter_mut().zip(x) {
            *g = -(v as f64) / variance;
        }
        true
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Brownian { dim, sigma } => format!("Brownian reference, d = {dim}, σ = {sigma}"),
            Self::Diffusion(prior) => format!(
                "diffusion prior on {} (σ = {}, hidden {}×{})",
                prior.meta.dataset, prior.meta.sigma, prior.meta.net.hidden, prior.meta.net.depth
            ),
            Self::Generated(prior) => format!(
                "{}; sampler in {} space (Brownian reference, σ = {})",
                prior.generator.describe(),
                prior.space.name(),
                prior.sigma
            ),
        }
    }
}
