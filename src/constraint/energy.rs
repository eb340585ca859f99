//! The energy-target case: sample a density R(x) with no prior. The reference is Brownian
//! with x_T ~ N(0, σ²I), and r = R / N(0, σ²I) makes the posterior exactly R / Z.

use std::sync::Arc;

use super::Constraint;
use super::targets::{EnergyConfig, EnergyTarget, build_target};
use crate::error::Result;
use crate::math::gaussian::log_normal_centered;

#[derive(Clone, Debug)]
pub struct EnergyConstraint {
    target: Arc<dyn EnergyTarget>,
    name: String,
    reference_variance: f64,
}

impl EnergyConstraint {
    pub fn new(config: &EnergyConfig, reference_variance: f64) -> Result<Self> {
        Ok(Self {
            target: build_target(config)?,
            name: config.target.clone(),
            reference_variance,
        })
    }

    pub fn target(&self) -> &Arc<dyn EnergyTarget> {
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
            "energy target {} (d = {}, log Z = {:.3}) over N(0, {:.2}·I)",
            self.name,
            self.target.dim(),
            self.target.log_z(),
            self.reference_variance
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

    #[test]
    fn every_target_builds_with_its_benchmark_dimension() {
        for (name, dim) in [
            ("funnel", 10),
            ("manywell", 32),
            ("gaussian", 50),
            ("gmm", 50),
        ] {
            let config = EnergyConfig {
                target: name.into(),
                ..Default::default()
            };
            let c = EnergyConstraint::new(&config, 1.0).unwrap();
            assert_eq!(c.dim(), dim, "{name}");
            let x = vec![0.1f32; dim];
            assert!(c.log_r(&x).is_finite(), "{name}");
        }
    }

    #[test]
    fn unknown_targets_and_dimensions_name_the_field() {
        let config = EnergyConfig {
            target: "bananas".into(),
            ..Default::default()
        };
        let e = EnergyConstraint::new(&config, 1.0).unwrap_err().to_string();
        assert!(
            e.contains("constraint.energy.target") && e.contains("manywell"),
            "{e}"
        );
        let config = EnergyConfig {
            target: "manywell".into(),
            dim: Some(7),
            ..Default::default()
        };
        let e = EnergyConstraint::new(&config, 1.0).unwrap_err().to_string();
        assert!(
            e.contains("constraint.energy.dim") && e.contains('7'),
            "{e}"
        );
    }
}
