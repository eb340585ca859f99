//! Metrics that only make sense for one benchmark target, computed against that target's
//! exact structure (DESIGN §4): the Many Well balance of every pair of coordinates and the
//! number of distinct well patterns, the funnel neck's KS distance to its exact N(0, 3²), and a
//! Gaussian target's mean and covariance errors.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::constraint::targets::TargetShape;
use crate::math::Points;
use crate::math::gaussian::normal_cdf;

/// Samples among which distinct well patterns are counted, as the benchmark reports them.
pub const PATTERN_SAMPLES: usize = 2000;

/// What a set of samples shows against the target's exact structure: what resampled points
/// report as well as the sampler's own.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TargetFit {
    /// Many Well: the per-pair |share in the right well − true share|, averaged over pairs.
    #[serde(default)]
    pub well_tv: Option<f64>,
    /// Many Well: distinct well patterns among the first 2,000 samples.
    #[serde(default)]
    pub well_patterns: Option<usize>,
    /// Funnel: KS distance of the neck coordinate's marginal to its exact N(0, 3²).
    #[serde(default)]
    pub neck_ks: Option<f64>,
    /// Gaussian target: ‖sample mean − μ‖₂.
    #[serde(default)]
    pub mean_error: Option<f64>,
    /// Gaussian target: ‖sample covariance − Σ‖_F / ‖Σ‖_F.
    #[serde(default)]
    pub covariance_error: Option<f64>,
}

/// The target's own metrics of the sampler, with the truth they are compared to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TargetMetrics {
    #[serde(flatten)]
    pub fit: TargetFit,
    /// Many Well: the same count as `well_patterns` for 2,000 exact target samples.
    #[serde(default)]
    pub well_patterns_ref: Option<usize>,
    /// Many Well: per pair, the sampler's share in the right well (x₁ > 0).
    #[serde(default)]
    pub well_shares: Vec<f64>,
    /// Many Well: every pair's true share in the right well.
    #[serde(default)]
    pub well_share_ref: Option<f64>,
}

/// The target's own metrics for `samples`; a non-finite sample is in no well and counts
/// against the share of both (it is left out of the funnel and Gaussian metrics).
/// `well_patterns_ref` stays `None`: it counts exact target samples, not these.
pub fn target_metrics(shape: &TargetShape, samples: &Points) -> TargetMetrics {
    match shape {
        TargetShape::Mixture(_) => TargetMetrics::default(),
        TargetShape::Wells { pairs, right_share } => {
            let shares = well_shares(samples, *pairs);
            let tv = shares.iter().map(|s| (s - right_share).abs()).sum::<f64>()
                / (*pairs).max(1) as f64;
            TargetMetrics {
                fit: TargetFit {
                    well_tv: (!samples.is_empty()).then_some(tv),
                    well_patterns: Some(well_patterns(&samples.head(PATTERN_SAMPLES), *pairs)),
                    ..Default::default()
                },
                well_shares: shares,
                well_share_ref: Some(*right_share),
                ..Default::default()
            }
        }
        TargetShape::Funnel { neck_std } => {
            let necks: Vec<f64> = samples
                .rows()
                .map(|r| r[0] as f64)
                .filter(|v| v.is_finite())
                .collect();
            TargetMetrics {
                fit: TargetFit {
                    neck_ks: ks_distance(necks, |x| normal_cdf(x / neck_std)),
                    ..Default::default()
                },
                ..Default::default()
            }
        }
        TargetShape::Gaussian { mean, covariance } => {
            let finite: Vec<usize> = (0..samples.len())
                .filter(|&i| samples.row(i).iter().all(|v| v.is_finite()))
                .collect();
            let (mean_error, covariance_error) =
                moment_errors(&samples.select(&finite), mean, covariance);
            TargetMetrics {
                fit: TargetFit {
                    mean_error,
                    covariance_error,
                    ..Default::default()
                },
                ..Default::default()
            }
        }
    }
}

/// Per pair of coordinates (2i, 2i+1): the share of samples with x_{2i} > 0.
pub fn well_shares(samples: &Points, pairs: usize) -> Vec<f64> {
    let n = samples.len().max(1) as f64;
    (0..pairs)
        .map(|p| {
            samples
                .rows()
                .filter(|r| r.get(2 * p).is_some_and(|&v| v > 0.0))
                .count() as f64
                / n
        })
        .collect()
}

/// Distinct sign patterns of the pairs' first coordinates among the finite samples.
pub fn well_patterns(samples: &Points, pairs: usize) -> usize {
    samples
        .rows()
        .filter(|r| r.iter().all(|v| v.is_finite()))
        .map(|r| {
            (0..pairs)
                .map(|p| r.get(2 * p).is_some_and(|&v| v > 0.0))
                .collect::<Vec<bool>>()
        })
        .collect::<HashSet<_>>()
        .len()
}

/// sup_x |F_n(x) − F(x)| of the empirical CDF of `values` against `cdf`.
pub fn ks_distance(mut values: Vec<f64>, cdf: impl Fn(f64) -> f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len() as f64;
    let distance = values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let f = cdf(v);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max);
    Some(distance)
}

/// ‖m̂ − μ‖₂ and ‖Ĉ − Σ‖_F / ‖Σ‖_F of the samples' mean and covariance.
pub fn moment_errors(
    samples: &Points,
    mean: &[f64],
    covariance: &[f64],
) -> (Option<f64>, Option<f64>) {
    let d = mean.len();
    if samples.len() < 2 || samples.dim() != d {
        return (None, None);
    }
    let m = samples.mean();
    let mean_error = m
        .iter()
        .zip(mean)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        .sqrt();
    let mut c = vec![0.0; d * d];
    for r in samples.rows() {
        let centred: Vec<f64> = r.iter().zip(&m).map(|(&v, m)| v as f64 - m).collect();
        for i in 0..d {
            for j in i..d {
                c[i * d + j] += centred[i] * centred[j];
            }
        }
    }
    let n = (samples.len() - 1) as f64;
    let (mut diff, mut norm) = (0.0, 0.0);
    for i in 0..d {
        for j in 0..d {
            let v = if j >= i { c[i * d + j] } else { c[j * d + i] } / n;
            diff += (v - covariance[i * d + j]).powi(2);
            norm += covariance[i * d + j].powi(2);
        }
    }
    (Some(mean_error), Some((diff / norm).sqrt()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::targets::{CorrelatedGaussian, EnergyTarget, Funnel, ManyWell};
    use crate::math::rng::seeded;

    #[test]
    fn exact_samples_score_near_zero_and_shifted_ones_do_not() {
        let funnel = Funnel::new(10).unwrap();
        let mut rng = seeded(1);
        let s = funnel.sample(4000, &mut rng);
        let ks = target_metrics(&funnel.shape(), &s).fit.neck_ks.unwrap();
        assert!(ks < 0.03, "exact KS {ks}");
        let mut shifted = s.clone();
        shifted
            .as_mut_slice()
            .chunks_exact_mut(10)
            .for_each(|r| r[0] += 1.0);
        let ks = target_metrics(&funnel.shape(), &shifted)
            .fit
            .neck_ks
            .unwrap();
        assert!(ks > 0.1, "shifted KS {ks}");

        let wells = ManyWell::new(32).unwrap();
        let s = wells.sample(2000, &mut rng);
        let m = target_metrics(&wells.shape(), &s);
        assert!(m.fit.well_tv.unwrap() < 0.02, "{m:?}");
        // The right well holds 84.4 % of each pair's mass, so 2,000 exact draws repeat the
        // likely patterns: Σ_k C(16,k)·(1 − (1 − p_k)^2000) = 891 distinct are expected.
        let patterns = m.fit.well_patterns.unwrap();
        assert!((800..990).contains(&patterns), "{m:?}");
        let mut one_well = s.clone();
        one_well
            .as_mut_slice()
            .chunks_exact_mut(2)
            .for_each(|p| p[0] = p[0].abs());
        let m = target_metrics(&wells.shape(), &one_well);
        assert_eq!(m.fit.well_patterns, Some(1));
        assert!(m.fit.well_tv.unwrap() > 0.1);

        let gaussian = CorrelatedGaussian::new(10, 0).unwrap();
        let s = gaussian.sample(20_000, &mut rng);
        let m = target_metrics(&gaussian.shape(), &s);
        assert!(
            m.fit.mean_error.unwrap() < 0.1 && m.fit.covariance_error.unwrap() < 0.05,
            "{m:?}"
        );
    }
}
