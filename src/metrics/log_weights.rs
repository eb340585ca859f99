//! Estimates from log-weights log w(τ) = β·log r(x_T) − Δlog(τ) of on-policy trajectories.

use crate::math::gaussian::log_mean_exp;
use crate::math::rng::normalised_weights;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogWeightSummary {
    /// mean log w ≤ log Z.
    pub elbo: f64,
    /// log mean w.
    pub iw_log_z: f64,
    /// (Σw)² / (N·Σw²) ∈ (0, 1].
    pub ess: f64,
}

impl LogWeightSummary {
    /// Summarises finite log-weights; `None` when there are none.
    pub fn from_log_weights(log_w: &[f64]) -> Option<Self> {
        let finite: Vec<f64> = log_w.iter().copied().filter(|v| v.is_finite()).collect();
        if finite.is_empty() {
            return None;
        }
        let n = finite.len() as f64;
        let weights = normalised_weights(&finite);
        let sum_sq: f64 = weights.iter().map(|w| w * w).sum();
        Some(Self {
            elbo: finite.iter().sum::<f64>() / n,
            iw_log_z: log_mean_exp(&finite),
            ess: 1.0 / (sum_sq * n),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_weights_are_fully_effective() {
        let s = LogWeightSummary::from_log_weights(&[1.5; 10]).unwrap();
        assert!((s.elbo - 1.5).abs() < 1e-12);
        assert!((s.iw_log_z - 1.5).abs() < 1e-12);
        assert!((s.ess - 1.0).abs() < 1e-12);
    }

    #[test]
    fn one_dominant_weight_has_low_ess() {
        let s = LogWeightSummary::from_log_weights(&[0.0, 0.0, 0.0, 50.0]).unwrap();
        assert!(s.ess < 0.26);
        assert!(s.elbo < s.iw_log_z);
    }
}
