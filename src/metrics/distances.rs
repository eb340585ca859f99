//! Two-sample distances between sampler samples and reference posterior samples.

use serde::{Deserialize, Serialize};

use crate::math::Points;
use crate::math::rng::{Rng, standard_normal};

/// Distances from a set of samples to reference posterior samples.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Distances {
    /// Energy distance to reference posterior samples.
    pub energy_distance: Option<f64>,
    /// Sliced 2-Wasserstein distance to reference posterior samples.
    pub sliced_w2: Option<f64>,
}

/// The same distances in noise space, for a sampler of z under a generator prior: its keys
/// carry a `noise_` prefix so that they sit beside the data-space ones in one flat object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NoiseDistances {
    /// Energy distance to the reference posterior in noise space (noise-space samplers).
    #[serde(default, rename = "noise_energy_distance")]
    pub energy_distance: Option<f64>,
    /// Sliced 2-Wasserstein distance in noise space (noise-space samplers).
    #[serde(default, rename = "noise_sliced_w2")]
    pub sliced_w2: Option<f64>,
}

fn mean_pairwise(a: &Points, b: &Points, same: bool) -> f64 {
    let mut total = 0.0;
    let mut count = 0usize;
    for (i, x) in a.rows().enumerate() {
        for (j, y) in b.rows().enumerate() {
            if same && i == j {
                continue;
            }
            let d: f64 = x
                .iter()
                .zip(y)
                .map(|(&p, &q)| (p as f64 - q as f64).powi(2))
                .sum();
            total += d.sqrt();
            count += 1;
        }
    }
    total / count.max(1) as f64
}

/// The energy distance 2E‖X−Y‖ − E‖X−X'‖ − E‖Y−Y'‖ (zero iff the laws agree), with the
/// within-sample terms taken over distinct pairs so that it is unbiased.
pub fn energy_distance(a: &Points, b: &Points) -> f64 {
    2.0 * mean_pairwise(a, b, false) - mean_pairwise(a, a, true) - mean_pairwise(b, b, true)
}

/// Sliced 2-Wasserstein distance over `projections` random directions: the root mean over
/// directions of the squared 1-D W2 between the projected samples (quantiles matched when the
/// sizes differ).
pub fn sliced_wasserstein(a: &Points, b: &Points, projections: usize, rng: &mut Rng) -> f64 {
    let dim = a.dim();
    if a.is_empty() || b.is_empty() {
        return f64::NAN;
    }
    let mut total = 0.0;
    for _ in 0..projections {
        let mut direction: Vec<f64> = standard_normal(rng, dim)
            .into_iter()
            .map(f64::from)
            .collect();
        let norm = direction
            .iter()
            .map(|v| v * v)
            .sum::<f64>()
            .sqrt()
            .max(1e-12);
        direction.iter_mut().for_each(|v| *v /= norm);
        let project = |p: &Points| -> Vec<f64> {
            let mut v: Vec<f64> = p
                .rows()
                .map(|r| r.iter().zip(&direction).map(|(&x, d)| x as f64 * d).sum())
                .collect();
            v.sort_unstable_by(f64::total_cmp);
            v
        };
        let (pa, pb) = (project(a), project(b));
        let n = pa.len().max(pb.len());
        let quantile = |v: &[f64], i: usize| v[(i * v.len()) / n];
        let w2: f64 = (0..n)
            .map(|i| (quantile(&pa, i) - quantile(&pb, i)).powi(2))
            .sum::<f64>()
            / n as f64;
        total += w2;
    }
    (total / projections as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::rng::seeded;

    fn gaussian(rng: &mut Rng, n: usize, shift: f32) -> Points {
        let data = standard_normal(rng, n * 2)
            .into_iter()
            .map(|v| v + shift)
            .collect();
        Points::new(2, data).unwrap()
    }

    #[test]
    fn distances_separate_shifted_samples() {
        let mut rng = seeded(0);
        let a = gaussian(&mut rng, 800, 0.0);
        let b = gaussian(&mut rng, 800, 0.0);
        let c = gaussian(&mut rng, 800, 1.0);
        assert!(energy_distance(&a, &b).abs() < 0.02);
        assert!(energy_distance(&a, &c) > 0.3);
        let same = sliced_wasserstein(&a, &b, 32, &mut rng);
        let shifted = sliced_wasserstein(&a, &c, 32, &mut rng);
        assert!(same < 0.15 && shifted > 0.5, "{same} {shifted}");
    }
}
