//! Seeded host-side randomness. All noise that drives trajectories is drawn here and uploaded,
//! so that one seed gives the same numbers on every backend.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

pub type Rng = StdRng;

pub fn seeded(seed: u64) -> Rng {
    StdRng::seed_from_u64(seed)
}

/// `n` independent standard normal draws.
pub fn standard_normal(rng: &mut Rng, n: usize) -> Vec<f32> {
    (0..n).map(|_| StandardNormal.sample(rng)).collect()
}

/// Draws `n` indices with probability proportional to `weights` (which need not be normalised),
/// by inversion of the cumulative sum.
pub fn categorical(rng: &mut Rng, weights: &[f64], n: usize) -> Vec<usize> {
    use rand::Rng as _;
    let mut cumulative = Vec::with_capacity(weights.len());
    let mut total = 0.0;
    for &w in weights {
        total += w.max(0.0);
        cumulative.push(total);
    }
    if weights.is_empty() || total <= 0.0 || !total.is_finite() {
        return Vec::new();
    }
    (0..n)
        .map(|_| {
            let u = rng.random::<f64>() * total;
            cumulative
                .partition_point(|&c| c <= u)
                .min(weights.len() - 1)
        })
        .collect()
}

/// Normalised importance weights from log-weights, stable for any magnitudes.
pub fn normalised_weights(log_weights: &[f64]) -> Vec<f64> {
    let max = log_weights
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return vec![0.0; log_weights.len()];
    }
    let mut w: Vec<f64> = log_weights
        .iter()
        .map(|&v| if v.is_finite() { (v - max).exp() } else { 0.0 })
        .collect();
    let total: f64 = w.iter().sum();
    w.iter_mut().for_each(|x| *x /= total);
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categorical_follows_weights() {
        let mut rng = seeded(1);
        let draws = categorical(&mut rng, &[1.0, 3.0, 0.0], 40_000);
        let ones = draws.iter().filter(|&&i| i == 1).count() as f64 / 40_000.0;
        assert!((ones - 0.75).abs() < 0.01, "{ones}");
        assert!(draws.iter().all(|&i| i != 2));
    }
}
