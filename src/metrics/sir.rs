//! Sampling importance resampling: draw prior samples, weight each by r(x)^β, resample. With
//! enough prior samples it is the reference posterior in low dimensions; with few it is a
//! baseline whose quality the ESS of its weights predicts.

use crate::math::Points;
use crate::math::gaussian::log_mean_exp;
use crate::math::rng::{Rng, categorical, normalised_weights};

/// The outcome of SIR.
#[derive(Clone, Debug)]
pub struct SirResult {
    /// Resampled points.
    pub samples: Points,
    /// log mean r^β over the proposals: an unbiased estimate of Z, in log.
    pub log_z: f64,
    /// Effective sample size of the proposals' weights, as a fraction of their number.
    pub ess: f64,
    /// The proposal each resampled point is a copy of.
    pub picks: Vec<usize>,
}

/// Resamples `n` of `proposals` with weights exp(`log_weights`).
/// The effective sample size of importance weights, as a fraction of their number.
pub fn effective_sample_size(log_weights: &[f64]) -> f64 {
    let weights = normalised_weights(log_weights);
    let sum_sq: f64 = weights.iter().map(|w| w * w).sum();
    if sum_sq > 0.0 {
        1.0 / (sum_sq * weights.len().max(1) as f64)
    } else {
        0.0
    }
}

pub fn resample(proposals: &Points, log_weights: &[f64], n: usize, rng: &mut Rng) -> SirResult {
    let weights = normalised_weights(log_weights);
    let ess = effective_sample_size(log_weights);
    let picks = categorical(rng, &weights, n);
    SirResult {
        samples: proposals.select(&picks),
        log_z: log_mean_exp(log_weights),
        ess,
        picks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::rng::{seeded, standard_normal};

    #[test]
    fn sir_recovers_a_shifted_gaussian() {
        // Prior N(0,1), weights N(y=2; x, 1) ⇒ posterior N(1, 1/2), Z = N(2; 0, 2).
        let mut rng = seeded(4);
        let n = 200_000;
        let proposals = Points::new(1, standard_normal(&mut rng, n)).unwrap();
        let log_w: Vec<f64> = proposals
            .rows()
            .map(|x| {
                let d = 2.0 - x[0] as f64;
                -0.5 * d * d - 0.5 * (2.0 * std::f64::consts::PI).ln()
            })
            .collect();
        let result = resample(&proposals, &log_w, 20_000, &mut rng);
        let exact_log_z = -0.5 * 4.0 / 2.0 - 0.5 * (2.0 * std::f64::consts::PI * 2.0).ln();
        assert!(
            (result.log_z - exact_log_z).abs() < 0.01,
            "{}",
            result.log_z
        );
        assert!((result.samples.mean()[0] - 1.0).abs() < 0.03);
        assert!((result.samples.covariance()[0] - 0.5).abs() < 0.03);
    }
}
