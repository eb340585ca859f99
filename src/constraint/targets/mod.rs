//! The energy benchmarks of the diffusion-sampler literature: densities R̃(x) known up to a
//! constant, each with an exact sampler (for reference samples) and its exact log Z, so that a
//! sampler is measured against the target itself and not against a model of it.

mod correlated_gaussian;
mod funnel;
mod many_well;
mod mixtures;
mod warp;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use correlated_gaussian::CorrelatedGaussian;
pub use funnel::Funnel;
pub use many_well::ManyWell;
pub use mixtures::random_mixture;
pub use warp::{Warp, Warped};

use super::mixture_ratio::named_mixture;
use crate::error::{Error, Result};
use crate::math::rng::Rng;
use crate::math::{IsoGmm, Points};

/// An unnormalised target density R̃ with an exact sampler and a known log Z = log ∫R̃.
pub trait EnergyTarget: Send + Sync + std::fmt::Debug {
    fn dim(&self) -> usize;
    /// log R̃(x), not normalised.
    fn log_density(&self, x: &[f32]) -> f64;
    /// ∇ log R̃(x), written into `grad`.
    fn grad_log_density(&self, x: &[f32], grad: &mut [f64]);
    /// log ∫ R̃, exact (closed form or a 1-D quadrature).
    fn log_z(&self) -> f64;
    /// Exact samples of R̃ / Z.
    fn sample(&self, n: usize, rng: &mut Rng) -> Points;
    /// What the target-specific metrics need to know.
    fn shape(&self) -> TargetShape;
    /// The change of variables from the process's space to the target's, when the density
    /// above is the target's seen through one (exact samples are then in the process's space).
    fn warp(&self) -> Option<Warp> {
        None
    }
}

/// The structure a target's own metrics measure.
#[derive(Clone, Debug)]
pub enum TargetShape {
    /// Mixture components: coverage and TV over them, with the outside bin.
    Mixture(IsoGmm),
    /// `pairs` independent double wells on coordinates (2i, 2i+1); the well is the sign of
    /// the first coordinate of a pair, which falls in the right well with `right_share`.
    Wells { pairs: usize, right_share: f64 },
    /// Neal's funnel: coordinate 0 (the neck) is N(0, `neck_std`²).
    Funnel { neck_std: f64 },
    /// A Gaussian N(mean, covariance), covariance row-major d × d.
    Gaussian {
        mean: Vec<f64>,
        covariance: Vec<f64>,
    },
}

/// The names `constraint.energy.target` accepts.
pub const TARGET_NAMES: [&str; 7] = [
    "gmm25",
    "eight_gaussians",
    "nine_of_25",
    "funnel",
    "manywell",
    "gaussian",
    "gmm",
];

/// Which energy target, and its shape: the `constraint.energy` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnergyConfig {
    /// The target density: `gmm25`, `eight_gaussians`, `nine_of_25` (2-D), `funnel`,
    /// `manywell`, `gaussian` (correlated) or `gmm` (k components in d dimensions).
    pub target: String,
    /// The target's dimension; unset, its benchmark's (funnel 10, manywell 32, gaussian and
    /// gmm 50). It must equal `prior.dim`.
    pub dim: Option<usize>,
    /// `gmm`: the number of components.
    pub components: usize,
    /// `gmm`: the means are uniform in [−spread, spread]^d.
    pub spread: f64,
    /// `gmm`: each component's variance per coordinate.
    pub component_variance: f64,
    /// `gmm` and `gaussian`: the seed of the means (and of the Gaussian's covariance).
    pub target_seed: u64,
    /// The scale s of the change of variables x = s·sinh(u/s) from the process's space to the
    /// target's (0 for none): for targets whose scale spans orders of magnitude (the funnel).
    /// Metrics, exports and views are in x.
    pub warp: f64,
}

impl Default for EnergyConfig {
    fn default() -> Self {
        Self {
            target: "gmm25".into(),
            dim: None,
            components: 40,
            spread: 40.0,
            component_variance: 1.0,
            target_seed: 0,
            warp: 0.0,
        }
    }
}

/// Builds the target `config` names, with its dimension and parameters checked, seen through
/// the warp when `warp` is set.
pub fn build_target(config: &EnergyConfig) -> Result<Arc<dyn EnergyTarget>> {
    let target = build_unwarped(config)?;
    Ok(if config.warp == 0.0 {
        target
    } else {
        Arc::new(Warped::new(target, Warp::new(config.warp)?))
    })
}

fn build_unwarped(config: &EnergyConfig) -> Result<Arc<dyn EnergyTarget>> {
    let field = "constraint.energy.target";
    let dim = |default: usize| config.dim.unwrap_or(default);
    Ok(match config.target.as_str() {
        "gmm25" | "eight_gaussians" | "nine_of_25" => {
            if let Some(d) = config.dim.filter(|&d| d != 2) {
                return Err(Error::config(
                    "constraint.energy.dim",
                    format!(
                        "`{}` is a 2-D target; dim = {d} does not apply",
                        config.target
                    ),
                ));
            }
            Arc::new(named_mixture(field, &config.target)?)
        }
        "funnel" => Arc::new(Funnel::new(dim(10))?),
        "manywell" => Arc::new(ManyWell::new(dim(32))?),
        "gaussian" => Arc::new(CorrelatedGaussian::new(dim(50), config.target_seed)?),
        "gmm" => Arc::new(random_mixture(
            dim(50),
            config.components,
            config.spread,
            config.component_variance,
            config.target_seed,
        )?),
        other => {
            return Err(Error::config(
                field,
                format!(
                    "`{other}` is not a known target ({})",
                    TARGET_NAMES.join(", ")
                ),
            ));
        }
    })
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::EnergyTarget;

    /// Compares `grad_log_density` with central differences at `x`.
    pub fn assert_target_gradient(target: &dyn EnergyTarget, x: &[f32]) {
        let mut grad = vec![0.0; x.len()];
        target.grad_log_density(x, &mut grad);
        for i in 0..x.len() {
            let h = 1e-3f32;
            let (mut up, mut down) = (x.to_vec(), x.to_vec());
            up[i] += h;
            down[i] -= h;
            let numeric = (target.log_density(&up) - target.log_density(&down))
                / (up[i] as f64 - down[i] as f64);
            let tolerance = 1e-2 * (1.0 + numeric.abs());
            assert!(
                (numeric - grad[i]).abs() < tolerance,
                "coordinate {i}: analytic {} vs numeric {numeric}",
                grad[i]
            );
        }
    }
}
