//! The closed-form posterior of a Gaussian reference N(0, σ²I) under a Gaussian likelihood
//! N(y; A·x, s²I)^β: the ground truth of the engine's exact test.
//!
//! r^β = (2πs²)^{−mβ/2}·(2πs²/β)^{m/2}·N(y; Ax, s²/β), so the posterior is the Gaussian
//! conditional with noise s²/β and Z = that constant × N(y; 0, σ²AAᵀ + (s²/β)I).

use crate::constraint::GaussianObservation;
use crate::math::gaussian::LOG_2PI;

/// Mean, covariance (row-major d×d) and log Z of the posterior.
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianPosterior {
    pub mean: Vec<f64>,
    pub covariance: Vec<f64>,
    pub log_z: f64,
}

/// Cholesky factor L (row-major, lower) of a symmetric positive definite n×n matrix.
fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut sum = a[i * n + j];
            for k in 0..j {
                sum -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if sum <= 0.0 {
                    return None;
                }
                l[i * n + i] = sum.sqrt();
            } else {
                l[i * n + j] = sum / l[j * n + j];
            }
        }
    }
    Some(l)
}

/// Solves (L Lᵀ) x = b.
fn cholesky_solve(l: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; n];
    for i in 0..n {
        let s: f64 = (0..i).map(|k| l[i * n + k] * y[k]).sum();
        y[i] = (b[i] - s) / l[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|k| l[k * n + i] * x[k]).sum();
        x[i] = (y[i] - s) / l[i * n + i];
    }
    x
}

fn inverse(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let l = cholesky(a, n)?;
    let mut inv = vec![0.0; n * n];
    for j in 0..n {
        let e: Vec<f64> = (0..n).map(|i| if i == j { 1.0 } else { 0.0 }).collect();
        let col = cholesky_solve(&l, n, &e);
        for i in 0..n {
            inv[i * n + j] = col[i];
        }
    }
    Some(inv)
}

/// The posterior of N(0, `reference_variance`·I) under `observation`^β.
pub fn gaussian_posterior(
    reference_variance: f64,
    observation: &GaussianObservation,
    beta: f64,
) -> Option<GaussianPosterior> {
    let a = observation.matrix();
    let y = observation.observation();
    let m = y.len();
    let d = a.first()?.len();
    let noise = observation.noise_variance() / beta;
    // Precision σ⁻²I + AᵀA/noise, and the information vector Aᵀy/noise.
    let mut precision = vec![0.0; d * d];
    for i in 0..d {
        precision[i * d + i] = 1.0 / reference_variance;
        for j in 0..d {
            precision[i * d + j] += (0..m).map(|k| a[k][i] * a[k][j]).sum::<f64>() / noise;
        }
    }
    let info: Vec<f64> = (0..d)
        .map(|i| (0..m).map(|k| a[k][i] * y[k]).sum::<f64>() / noise)
        .collect();
    let covariance = inverse(&precision, d)?;
    let mean = (0..d)
        .map(|i| (0..d).map(|j| covariance[i * d + j] * info[j]).sum())
        .collect();
    // Marginal of y: N(0, σ²AAᵀ + noise·I).
    let mut marginal = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..m {
            marginal[i * m + j] =
                reference_variance * (0..d).map(|k| a[i][k] * a[j][k]).sum::<f64>();
        }
        marginal[i * m + i] += noise;
    }
    let l = cholesky(&marginal, m)?;
    let solved = cholesky_solve(&l, m, y);
    let quad: f64 = y.iter().zip(&solved).map(|(a, b)| a * b).sum();
    let log_det: f64 = (0..m).map(|i| 2.0 * l[i * m + i].ln()).sum();
    let log_marginal = -0.5 * quad - 0.5 * log_det - 0.5 * m as f64 * LOG_2PI;
    let s2 = observation.noise_variance();
    let log_const = -0.5 * m as f64 * beta * (LOG_2PI + s2.ln())
        + 0.5 * m as f64 * (LOG_2PI + (s2 / beta).ln());
    Some(GaussianPosterior {
        mean,
        covariance,
        log_z: log_const + log_marginal,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::gaussian_obs::GaussianObsConfig;

    #[test]
    fn one_dimensional_case_by_hand() {
        // N(0,1) prior, y = 2 observed with unit noise: posterior N(1, 1/2), Z = N(2; 0, 2).
        let obs = GaussianObservation::new(&GaussianObsConfig {
            y: vec![2.0],
            a: None,
            noise_std: 1.0,
        })
        .unwrap();
        let post = gaussian_posterior(1.0, &obs, 1.0).unwrap();
        assert!((post.mean[0] - 1.0).abs() < 1e-12);
        assert!((post.covariance[0] - 0.5).abs() < 1e-12);
        let expected = -1.0 - 0.5 * (LOG_2PI + 2f64.ln());
        assert!((post.log_z - expected).abs() < 1e-12);
    }

    #[test]
    fn tempered_log_z_matches_numerical_integration() {
        let obs = GaussianObservation::new(&GaussianObsConfig {
            y: vec![1.5],
            a: None,
            noise_std: 0.8,
        })
        .unwrap();
        let beta = 2.5;
        let post = gaussian_posterior(2.0, &obs, beta).unwrap();
        let h = 1e-3;
        let integral: f64 = (-20_000..20_000)
            .map(|i| {
                let x = i as f64 * h;
                let log_prior = -0.25 * x * x - 0.5 * (LOG_2PI + 2f64.ln());
                let log_r = -0.5 * (1.5 - x).powi(2) / 0.64 - 0.5 * (LOG_2PI + 0.64f64.ln());
                (log_prior + beta * log_r).exp() * h
            })
            .sum();
        assert!(
            (post.log_z - integral.ln()).abs() < 1e-6,
            "{} vs {}",
            post.log_z,
            integral.ln()
        );
    }
}
