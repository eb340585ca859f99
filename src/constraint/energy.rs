//! The energy-target case: sample a density R(x) with no prior. The reference is Brownian
//! with x_T ~ N(0, σ²I), and r = R / N(0, σ²I) makes the posterior exactly R.

use serde::{Deserialize, Serialize};

use super::Constraint;
use super::mixture_ratio::named_mixture;
use crate::error::Result;
use crate::math::IsoGmm;
use crate::math::gaussian::log_normal_centered;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnergyConfig {
    /// The target density: `gmm25`, `eight_gaussians` or `nine_of_25`.
    pub target: String,
}

impl Default for EnergyConfig {
    fn default() -> Self {
        Self {
            target: "gmm25".into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct EnergyConstraint {
    target: IsoGmm,
    name: String,
    reference_variance: f64,
}

impl EnergyConstraint {
    pub fn new(config: &EnergyConfig, reference_variance: f64) -> Result<Self> {
        Ok(Self {
            target: named_mixture("constraint.energy.target", &config.target)?,
            name: config.target.clone(),
            reference_variance,
        })
    }

    pub fn target(&self) -> &IsoGmm {
        &self.target
    }
}

impl Constraint for EnergyConstraint {
    fn dim(&self) -> usize {
        self.target.dim()
    }

    fn log_r(&self, x: &[f32]) -> f64 {
        self.target.log_density(x) - log_normal_centered(x, self.reference_variance)
    }

    fn grad_log_r(&self, x: &[f32], grad: &mut [f64]) {
        self.target.grad_log_density(x, grad);
        for (g, &v) in grad.iter_mut().zip(x) {
            *g += v as f64 / self.reference_variance;
        }
    }

    fn describe(&self) -> String {
        format!(
            "energy target {} over N(0, {:.2}·I)",
            self.name, self.reference_variance
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::test_support::assert_gradient_matches;

    #[test]
    fn gradient_is_exact() {
        let c = EnergyConstraint::new(&EnergyConfig::default(), 5.0).unwrap();
        assert_gradient_matches(&c, &[2.3, -4.1]);
    }
}
