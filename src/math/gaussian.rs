//! Gaussian log-densities and log-sum-exp reductions, in `f64` so that log-weights of
//! thousands of samples stay accurate.

pub const LOG_2PI: f64 = 1.837_877_066_409_345_5;

/// log N(x; mean, var·I) for an isotropic Gaussian.
pub fn log_normal_iso(x: &[f32], mean: &[f64], var: f64) -> f64 {
    let sq: f64 = x
        .iter()
        .zip(mean)
        .map(|(&xi, &mi)| {
            let d = xi as f64 - mi;
            d * d
        })
        .sum();
    -0.5 * sq / var - 0.5 * x.len() as f64 * (LOG_2PI + var.ln())
}

/// log N(x; 0, var·I).
pub fn log_normal_centered(x: &[f32], var: f64) -> f64 {
    let sq: f64 = x.iter().map(|&v| (v as f64) * (v as f64)).sum();
    -0.5 * sq / var - 0.5 * x.len() as f64 * (LOG_2PI + var.ln())
}

/// log Σ exp(v), −∞ for an empty slice; stable for large magnitudes.
pub fn log_sum_exp(values: &[f64]) -> f64 {
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    max + values.iter().map(|v| (v - max).exp()).sum::<f64>().ln()
}

/// log (1/n Σ exp(v)).
pub fn log_mean_exp(values: &[f64]) -> f64 {
    log_sum_exp(values) - (values.len().max(1) as f64).ln()
}

/// The standard normal CDF Φ(x), through the two-sided tail of the 1-D χ distribution.
pub fn normal_cdf(x: f64) -> f64 {
    let half_tail = 0.5 * super::chi::tail(1, x.abs());
    if x >= 0.0 { 1.0 - half_tail } else { half_tail }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_normal_at_origin() {
        let v = log_normal_iso(&[0.0, 0.0], &[0.0, 0.0], 1.0);
        assert!((v + LOG_2PI).abs() < 1e-12);
    }

    #[test]
    fn log_sum_exp_survives_large_values() {
        let v = log_sum_exp(&[1000.0, 1000.0]);
        assert!((v - (1000.0 + 2f64.ln())).abs() < 1e-9);
        assert_eq!(log_sum_exp(&[]), f64::NEG_INFINITY);
    }
}
