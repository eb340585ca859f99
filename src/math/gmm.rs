//! Isotropic Gaussian mixtures: the 25-Gaussian grid, the 8-Gaussian ring and the 9-of-25
//! mixture of the RTB paper are all of this form, and their components are the known modes
//! that mode coverage counts.

use super::gaussian::{LOG_2PI, log_sum_exp};
use super::points::Points;
use super::rng::{Rng, categorical, standard_normal};

#[derive(Clone, Debug, PartialEq)]
pub struct IsoGmm {
    dim: usize,
    means: Vec<Vec<f64>>,
    log_weights: Vec<f64>,
    var: f64,
}

impl IsoGmm {
    /// A mixture with weights proportional to `weights` (normalised here) and one shared
    /// variance per coordinate.
    pub fn new(means: Vec<Vec<f64>>, weights: &[f64], var: f64) -> Self {
        let dim = means.first().map_or(0, Vec::len);
        assert!(means.iter().all(|m| m.len() == dim));
        assert_eq!(means.len(), weights.len());
        let total: f64 = weights.iter().sum();
        let log_weights = weights.iter().map(|w| (w / total).ln()).collect();
        Self {
            dim,
            means,
            log_weights,
            var,
        }
    }

    pub fn equal_weights(means: Vec<Vec<f64>>, var: f64) -> Self {
        let w = vec![1.0; means.len()];
        Self::new(means, &w, var)
    }

    /// The benchmarks' 25GMM: means {−10,−5,0,5,10}², variance 0.3, equal weights.
    pub fn grid25() -> Self {
        let coords = [-10.0, -5.0, 0.0, 5.0, 10.0];
        let means = coords
            .iter()
            .flat_map(|&a| coords.iter().map(move |&b| vec![a, b]))
            .collect();
        Self::equal_weights(means, 0.3)
    }

    /// The RTB paper's 9 components of the 25 (weights ∝ 4,10,4,5,10,5,4,15,4), variance 0.3.
    pub fn nine_of_25() -> Self {
        let means = [
            (-10.0, -5.0),
            (-5.0, -10.0),
            (-5.0, 0.0),
            (10.0, -5.0),
            (0.0, 0.0),
            (0.0, 5.0),
            (5.0, -5.0),
            (5.0, 0.0),
            (5.0, 10.0),
        ]
        .iter()
        .map(|&(a, b)| vec![a, b])
        .collect();
        Self::new(
            means,
            &[4.0, 10.0, 4.0, 5.0, 10.0, 5.0, 4.0, 15.0, 4.0],
            0.3,
        )
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn len(&self) -> usize {
        self.means.len()
    }

    pub fn is_empty(&self) -> bool {
        self.means.is_empty()
    }

    pub fn means(&self) -> &[Vec<f64>] {
        &self.means
    }

    pub fn weights(&self) -> Vec<f64> {
        self.log_weights.iter().map(|l| l.exp()).collect()
    }

    pub fn var(&self) -> f64 {
        self.var
    }

    /// Per-component log(w_i · N(x; μ_i, var)), written into `out`.
    fn component_log_terms(&self, x: &[f32], out: &mut Vec<f64>) {
        out.clear();
        let norm = -0.5 * self.dim as f64 * (LOG_2PI + self.var.ln());
        for (mean, lw) in self.means.iter().zip(&self.log_weights) {
            let sq: f64 = x
                .iter()
                .zip(mean)
                .map(|(&xi, &mi)| (xi as f64 - mi).powi(2))
                .sum();
            out.push(lw + norm - 0.5 * sq / self.var);
        }
    }

    pub fn log_density(&self, x: &[f32]) -> f64 {
        let mut terms = Vec::with_capacity(self.len());
        self.component_log_terms(x, &mut terms);
        log_sum_exp(&terms)
    }

    /// ∇ log p(x) = Σ_i γ_i(x) (μ_i − x) / var, with γ the responsibilities.
    pub fn grad_log_density(&self, x: &[f32], grad: &mut [f64]) {
        let mut terms = Vec::with_capacity(self.len());
        self.component_log_terms(x, &mut terms);
        let lse = log_sum_exp(&terms);
        grad.iter_mut().for_each(|g| *g = 0.0);
        for (mean, term) in self.means.iter().zip(&terms) {
            let gamma = (term - lse).exp();
            for ((g, &mi), &xi) in grad.iter_mut().zip(mean).zip(x) {
                *g += gamma * (mi - xi as f64) / self.var;
            }
        }
    }

    /// Index of the component with the largest responsibility.
    pub fn assign(&self, x: &[f32]) -> usize {
        let mut terms = Vec::with_capacity(self.len());
        self.component_log_terms(x, &mut terms);
        terms
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(i, _)| i)
    }

    /// The share of `points` within `k` standard deviations of some component's mean. Nearest-
    /// mode shares alone cannot tell a prior that puts its mass between the modes from one that
    /// matches them; this can (for exact samples in 2-D and k = 3 it is 1 − e^{−4.5} ≈ 0.989).
    pub fn share_within(&self, points: &Points, k: f64) -> f64 {
        if points.is_empty() {
            return 0.0;
        }
        let radius2 = k * k * self.var;
        let inside = points
            .rows()
            .filter(|row| {
                self.means().iter().any(|m| {
                    let d2: f64 = m
                        .iter()
                        .zip(*row)
                        .map(|(a, &b)| (a - b as f64).powi(2))
                        .sum();
                    d2 <= radius2
                })
            })
            .count();
        inside as f64 / points.len() as f64
    }

    pub fn sample(&self, rng: &mut Rng, n: usize) -> Points {
        let components = categorical(rng, &self.weights(), n);
        let noise = standard_normal(rng, n * self.dim);
        let std = self.var.sqrt();
        let mut points = Points::with_capacity(n, self.dim);
        let mut row = vec![0.0f32; self.dim];
        for (i, &c) in components.iter().enumerate() {
            for (j, r) in row.iter_mut().enumerate() {
                *r = (self.means[c][j] + std * noise[i * self.dim + j] as f64) as f32;
            }
            points.push(&row);
        }
        points
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::rng::seeded;

    #[test]
    fn gradient_matches_finite_differences() {
        let gmm = IsoGmm::nine_of_25();
        let x = [0.7f32, -1.3];
        let mut grad = [0.0; 2];
        gmm.grad_log_density(&x, &mut grad);
        let h = 1e-3f32;
        for j in 0..2 {
            let mut plus = x;
            let mut minus = x;
            plus[j] += h;
            minus[j] -= h;
            let fd = (gmm.log_density(&plus) - gmm.log_density(&minus)) / (2.0 * h as f64);
            assert!(
                (fd - grad[j]).abs() < 1e-2 * (1.0 + fd.abs()),
                "{fd} vs {}",
                grad[j]
            );
        }
    }

    #[test]
    fn samples_land_on_their_components() {
        let gmm = IsoGmm::grid25();
        let mut rng = seeded(3);
        let pts = gmm.sample(&mut rng, 5000);
        let mut counts = vec![0usize; 25];
        for row in pts.rows() {
            counts[gmm.assign(row)] += 1;
        }
        assert!(
            counts.iter().all(|&c| (140..260).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn exact_samples_lie_within_three_sigma_as_often_as_a_gaussian_says() {
        let gmm = IsoGmm::grid25();
        let exact = gmm.sample(&mut seeded(4), 20_000);
        let share = gmm.share_within(&exact, 3.0);
        assert!((share - (1.0 - (-4.5f64).exp())).abs() < 0.005, "{share}");
        // Uniform points over the grid's square mostly miss the modes.
        let uniform = Points::from_rows(
            2,
            (0..10_000).map(|i| {
                [
                    (i % 100) as f32 * 0.24 - 12.0,
                    (i / 100) as f32 * 0.24 - 12.0,
                ]
            }),
        );
        assert!(gmm.share_within(&uniform, 3.0) < 0.6);
    }
}
