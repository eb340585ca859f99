//! A density ratio of two known mixtures: log r = log p_num(x) − log p_den(x). Under a prior
//! that is p_den, the posterior is exactly p_num; the RTB paper's 2-D task is 9-of-25.

use serde::{Deserialize, Serialize};

use super::Constraint;
use crate::error::{Error, Result};
use crate::math::IsoGmm;
use crate::prior::datasets::BuiltinDataset;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MixtureRatioConfig {
    /// `nine_of_25`, or a built-in mixture dataset (`gmm25`, `eight_gaussians`).
    pub numerator: String,
    pub denominator: String,
}

impl Default for MixtureRatioConfig {
    fn default() -> Self {
        Self {
            numerator: "nine_of_25".into(),
            denominator: "gmm25".into(),
        }
    }
}

/// A named mixture: the RTB 9-of-25 or a built-in dataset's components.
pub fn named_mixture(field: &str, name: &str) -> Result<IsoGmm> {
    if name == "nine_of_25" {
        return Ok(IsoGmm::nine_of_25());
    }
    BuiltinDataset::from_name(name)
        .and_then(BuiltinDataset::components)
        .ok_or_else(|| {
            Error::config(
                field,
                format!("`{name}` is not a known mixture (nine_of_25, gmm25, eight_gaussians)"),
            )
        })
}

#[derive(Clone, Debug)]
pub struct MixtureRatio {
    numerator: IsoGmm,
    denominator: IsoGmm,
    names: (String, String),
}

impl MixtureRatio {
    pub fn new(config: &MixtureRatioConfig) -> Result<Self> {
        let numerator = named_mixture("constraint.mixture_ratio.numerator", &config.numerator)?;
        let denominator =
            named_mixture("constraint.mixture_ratio.denominator", &config.denominator)?;
        Ok(Self {
            numerator,
            denominator,
            names: (config.numerator.clone(), config.denominator.clone()),
        })
    }

    pub fn numerator(&self) -> &IsoGmm {
        &self.numerator
    }
}

impl Constraint for MixtureRatio {
    fn dim(&self) -> usize {
        self.numerator.dim()
    }

    fn log_r(&self, x: &[f32]) -> f64 {
        self.numerator.log_density(x) - self.denominator.log_density(x)
    }

    fn grad_log_r(&self, x: &[f32], grad: &mut [f64]) {
        let mut den = vec![0.0; grad.len()];
        self.numerator.grad_log_density(x, grad);
        self.denominator.grad_log_density(x, &mut den);
        grad.iter_mut().zip(&den).for_each(|(g, d)| *g -= d);
    }

    fn describe(&self) -> String {
        format!("density ratio {} / {}", self.names.0, self.names.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::test_support::assert_gradient_matches;

    #[test]
    fn nine_of_25_favours_its_components() {
        let c = MixtureRatio::new(&MixtureRatioConfig::default()).unwrap();
        // (5, 0) is one of the 9; (10, 10) is not.
        assert!(c.log_r(&[5.0, 0.0]) > 0.0);
        assert!(c.log_r(&[10.0, 10.0]) < -10.0);
        assert_gradient_matches(&c, &[4.6, 0.3]);
    }
}
