//! Estimates from log-weights log w(τ) = β·log r(x_T) − Δlog(τ) of on-policy trajectories.

use crate::math::gaussian::log_mean_exp;
use crate::math::rng::normalised_weights;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogWeightSummary {
    /// mean log w ≤ log Z, over the finite log w.
    pub elbo: f64,
    /// log mean w, with a log w of −∞ (r = 0) counted as a zero weight.
    pub iw_log_z: f64,
    /// (Σw)² / (N·Σw²) ∈ (0, 1], zero weights included in N.
    pub ess: f64,
    /// log w that are NaN or +∞: left out of every figure above.
    pub invalid: usize,
    /// log w of −∞: zero weights, kept in IW log Z and ESS, left out of the ELBO (which they
    /// would make −∞).
    pub zero_weights: usize,
}

impl LogWeightSummary {
    /// Summarises log-weights; `None` when no weight is finite.
    pub fn from_log_weights(log_w: &[f64]) -> Option<Self> {
        let valid: Vec<f64> = log_w
            .iter()
            .copied()
            .filter(|v| !v.is_nan() && *v != f64::INFINITY)
            .collect();
        let finite: Vec<f64> = valid.iter().copied().filter(|v| v.is_finite()).collect();
        if finite.is_empty() {
            return None;
        }
        let n = valid.len() as f64;
        let weights = normalised_weights(&valid);
        let sum_sq: f64 = weights.iter().map(|w| w * w).sum();
        Some(Self {
            elbo: finite.iter().sum::<f64>() / finite.len() as f64,
            iw_log_z: log_mean_exp(&valid),
            ess: 1.0 / (sum_sq * n),
            invalid: log_w.len() - valid.len(),
            zero_weights: valid.len() - finite.len(),
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

    #[test]
    fn zero_weights_count_and_invalid_ones_are_reported() {
        let s =
            LogWeightSummary::from_log_weights(&[0.0, 0.0, f64::NEG_INFINITY, f64::NAN]).unwrap();
        // Two unit weights and one zero weight: Z = 2/3, ESS = (2)²/(3·2) = 2/3.
        assert!((s.iw_log_z - (2.0f64 / 3.0).ln()).abs() < 1e-12);
        assert!((s.ess - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(s.elbo, 0.0);
        assert_eq!((s.invalid, s.zero_weights), (1, 1));
        assert!(LogWeightSummary::from_log_weights(&[f64::NAN]).is_none());
    }
}
