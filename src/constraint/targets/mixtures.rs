//! Gaussian mixtures as energy targets, normalised (log Z = 0): the 2-D benchmarks (25GMM,
//! 8 Gaussians, 9-of-25) and a mixture of k components in d dimensions whose means are uniform
//! in [−spread, spread]^d, as the 40-mode benchmark of GFNOrg/gfn-diffusion
//! (`energy_sampling/energies/forty_gmm.py`: 40 means in [−40, 40]^d, unit variance) draws them.

use rand::Rng as _;

use super::{EnergyTarget, TargetShape};
use crate::error::{Error, Result};
use crate::math::rng::{Rng, seeded};
use crate::math::{IsoGmm, Points};
use crate::validation::{finite_non_negative, finite_positive};

/// `components` equally weighted components with variance `variance`, means uniform in
/// [−spread, spread]^dim drawn from `seed`.
pub fn random_mixture(
    dim: usize,
    components: usize,
    spread: f64,
    variance: f64,
    seed: u64,
) -> Result<IsoGmm> {
    if dim == 0 || dim > 10_000 {
        return Err(Error::config(
            "constraint.energy.dim",
            format!("the mixture takes 1 ≤ d ≤ 10000, got {dim}"),
        ));
    }
    if components == 0 || components > 10_000 {
        return Err(Error::config(
            "constraint.energy.components",
            format!("the mixture takes 1 to 10000 components, got {components}"),
        ));
    }
    finite_non_negative("constraint.energy.spread", spread)?;
    finite_positive("constraint.energy.component_variance", variance)?;
    let mut rng = seeded(seed ^ 0x676d_6d00);
    let means = (0..components)
        .map(|_| {
            (0..dim)
                .map(|_| spread * (2.0 * rng.random::<f64>() - 1.0))
                .collect()
        })
        .collect();
    Ok(IsoGmm::equal_weights(means, variance))
}

impl EnergyTarget for IsoGmm {
    fn dim(&self) -> usize {
        IsoGmm::dim(self)
    }

    fn log_density(&self, x: &[f32]) -> f64 {
        IsoGmm::log_density(self, x)
    }

    fn grad_log_density(&self, x: &[f32], grad: &mut [f64]) {
        IsoGmm::grad_log_density(self, x, grad)
    }

    fn log_z(&self) -> f64 {
        0.0
    }

    fn sample(&self, n: usize, rng: &mut Rng) -> Points {
        IsoGmm::sample(self, rng, n)
    }

    fn shape(&self) -> TargetShape {
        TargetShape::Mixture(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_mixture_is_reproducible_and_in_range() {
        let a = random_mixture(50, 40, 40.0, 1.0, 0).unwrap();
        let b = random_mixture(50, 40, 40.0, 1.0, 0).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 40);
        assert!(a.means().iter().flatten().all(|v| v.abs() <= 40.0));
        assert_ne!(a, random_mixture(50, 40, 40.0, 1.0, 1).unwrap());
    }

    #[test]
    fn bad_parameters_name_their_field() {
        let e = random_mixture(50, 0, 40.0, 1.0, 0).unwrap_err().to_string();
        assert!(e.contains("constraint.energy.components"), "{e}");
        let e = random_mixture(50, 4, 40.0, -1.0, 0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("constraint.energy.component_variance"), "{e}");
    }
}
