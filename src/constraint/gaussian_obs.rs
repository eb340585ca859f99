//! Gaussian likelihood of an observation: r(x) = N(y; A·x, s²I). With A omitted, A = I.
//! Under a Gaussian reference the posterior is Gaussian in closed form, the engine's exact test.

use serde::{Deserialize, Serialize};

use super::{Constraint, finite_vec};
use crate::error::{Error, Result};
use crate::math::gaussian::LOG_2PI;
use crate::validation::finite_positive;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GaussianObsConfig {
    /// The observation y (length m).
    pub y: Vec<f64>,
    /// The m×d observation matrix, as m rows; identity when omitted.
    pub a: Option<Vec<Vec<f64>>>,
    /// Observation noise standard deviation s.
    pub noise_std: f64,
}

impl Default for GaussianObsConfig {
    fn default() -> Self {
        Self {
            y: vec![2.0, 1.0],
            a: None,
            noise_std: 1.0,
        }
    }
}

#[derive(Clone, Debug)]
pub struct GaussianObservation {
    y: Vec<f64>,
    /// m rows of length d.
    a: Vec<Vec<f64>>,
    var: f64,
}

impl GaussianObservation {
    pub fn new(config: &GaussianObsConfig) -> Result<Self> {
        finite_vec("constraint.gaussian_obs.y", &config.y)?;
        finite_positive("constraint.gaussian_obs.noise_std", config.noise_std)?;
        let m = config.y.len();
        let a = match &config.a {
            None => (0..m)
                .map(|i| (0..m).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
                .collect(),
            Some(rows) => {
                if rows.len() != m {
                    return Err(Error::config(
                        "constraint.gaussian_obs.a",
                        format!("has {} rows but y has {m} entries", rows.len()),
                    ));
                }
                let d = rows.first().map_or(0, Vec::len);
                for (i, row) in rows.iter().enumerate() {
                    if row.len() != d || d == 0 {
                        return Err(Error::config(
                            "constraint.gaussian_obs.a",
                            format!("row {} has {} entries, expected {d}", i + 1, row.len()),
                        ));
                    }
                    finite_vec("constraint.gaussian_obs.a", row)?;
                }
                rows.clone()
            }
        };
        Ok(Self {
            y: config.y.clone(),
            a,
            var: config.noise_std * config.noise_std,
        })
    }

    pub fn observation(&self) -> &[f64] {
        &self.y
    }

    pub fn matrix(&self) -> &[Vec<f64>] {
        &self.a
    }

    pub fn noise_variance(&self) -> f64 {
        self.var
    }

    fn residual(&self, x: &[f32]) -> Vec<f64> {
        self.a
            .iter()
            .zip(&self.y)
            .map(|(row, yi)| yi - row.iter().zip(x).map(|(a, &v)| a * v as f64).sum::<f64>())
            .collect()
    }
}

impl Constraint for GaussianObservation {
    fn dim(&self) -> usize {
        self.a.first().map_or(0, Vec::len)
    }

    fn log_r(&self, x: &[f32]) -> f64 {
        let r = self.residual(x);
        let sq: f64 = r.iter().map(|v| v * v).sum();
        -0.5 * sq / self.var - 0.5 * self.y.len() as f64 * (LOG_2PI + self.var.ln())
    }

    fn grad_log_r(&self, x: &[f32], grad: &mut [f64]) {
        // ∇ = Aᵀ(y − Ax)/s².
        let r = self.residual(x);
        grad.iter_mut().for_each(|g| *g = 0.0);
        for (row, ri) in self.a.iter().zip(&r) {
            for (g, a) in grad.iter_mut().zip(row) {
                *g += a * ri / self.var;
            }
        }
    }

    fn describe(&self) -> String {
        format!(
            "Gaussian observation y = {:?}, noise std {:.3}",
            self.y,
            self.var.sqrt()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::test_support::assert_gradient_matches;

    #[test]
    fn gradient_is_exact() {
        let c = GaussianObservation::new(&GaussianObsConfig {
            y: vec![1.0],
            a: Some(vec![vec![0.5, -2.0]]),
            noise_std: 0.7,
        })
        .unwrap();
        assert_eq!(c.dim(), 2);
        assert_gradient_matches(&c, &[0.3, 0.9]);
    }

    #[test]
    fn mismatched_matrix_is_named() {
        let err = GaussianObservation::new(&GaussianObsConfig {
            y: vec![1.0, 2.0],
            a: Some(vec![vec![1.0, 0.0]]),
            noise_std: 1.0,
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("constraint.gaussian_obs.a"), "{err}");
    }
}
