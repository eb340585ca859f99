//! Metrics of image samples, in a classifier's eyes: the class histogram against the
//! reference's, the Fréchet distance between Gaussians fitted to penultimate-layer features
//! (with its noise floor from two independent reference halves), and diversity.

use serde::{Deserialize, Serialize};

use crate::math::Points;
use crate::math::symmetric_eigen::sqrt_psd;

/// What a classifier sees in image samples against the reference, and for inpainting how the
/// completions fit the observed pixels and differ elsewhere.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageMetrics {
    /// Images: total variation between the classifier's argmax histograms of sampler and
    /// reference samples.
    #[serde(default)]
    pub class_tv: Option<f64>,
    /// Images: the sampler's share of each class (classifier argmax).
    #[serde(default)]
    pub class_shares: Vec<f64>,
    /// Images: the reference's share of each class.
    #[serde(default)]
    pub class_shares_ref: Vec<f64>,
    /// Images: Fréchet distance between Gaussians fitted to the classifier's penultimate
    /// features of sampler samples and of one reference half.
    #[serde(default)]
    pub frechet: Option<f64>,
    /// Images: the same distance between two independent reference halves of the same size.
    #[serde(default)]
    pub frechet_floor: Option<f64>,
    /// Images: mean pairwise feature distance among sampler samples.
    #[serde(default)]
    pub diversity: Option<f64>,
    /// Images: the same among reference samples.
    #[serde(default)]
    pub diversity_ref: Option<f64>,
    /// Inpainting: root mean square error over the observed pixels, averaged over samples.
    #[serde(default)]
    pub observed_rmse: Option<f64>,
    #[serde(default)]
    pub observed_rmse_ref: Option<f64>,
    /// Inpainting: mean pairwise pixel distance over the unobserved pixels.
    #[serde(default)]
    pub unobserved_diversity: Option<f64>,
    #[serde(default)]
    pub unobserved_diversity_ref: Option<f64>,
}

/// Shares of each class among `predicted` labels.
pub fn class_histogram(predicted: &[usize], classes: usize) -> Vec<f64> {
    let mut counts = vec![0.0; classes];
    for &c in predicted {
        if c < classes {
            counts[c] += 1.0;
        }
    }
    let total = predicted.len().max(1) as f64;
    counts.iter().map(|c| c / total).collect()
}

/// Total variation between two histograms.
pub fn histogram_tv(a: &[f64], b: &[f64]) -> f64 {
    0.5 * a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>()
}

/// ‖μ_a − μ_b‖² + tr(Σ_a + Σ_b − 2(Σ_a^{½} Σ_b Σ_a^{½})^{½}) between Gaussians fitted to the
/// rows of `a` and `b` (the FID formula, in our classifier's feature space).
pub fn frechet_distance(a: &Points, b: &Points) -> f64 {
    let n = a.dim();
    let (mean_a, mean_b) = (a.mean(), b.mean());
    let (cov_a, cov_b) = (a.covariance(), b.covariance());
    let mean_term: f64 = mean_a
        .iter()
        .zip(&mean_b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum();
    let root_a = sqrt_psd(&cov_a, n);
    let product = matmul(&matmul(&root_a, &cov_b, n), &root_a, n);
    let cross = sqrt_psd(&symmetrised(&product, n), n);
    let trace = |m: &[f64]| (0..n).map(|i| m[i * n + i]).sum::<f64>();
    (mean_term + trace(&cov_a) + trace(&cov_b) - 2.0 * trace(&cross)).max(0.0)
}

/// Mean Euclidean distance between distinct rows (over the first `max_rows`).
pub fn mean_pairwise_distance(points: &Points, max_rows: usize) -> f64 {
    let rows: Vec<&[f32]> = points.rows().take(max_rows).collect();
    let mut total = 0.0;
    let mut pairs = 0usize;
    for i in 0..rows.len() {
        for j in i + 1..rows.len() {
            let d: f64 = rows[i]
                .iter()
                .zip(rows[j])
                .map(|(x, y)| ((x - y) as f64).powi(2))
                .sum();
            total += d.sqrt();
            pairs += 1;
        }
    }
    total / pairs.max(1) as f64
}

fn matmul(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * n];
    for i in 0..n {
        for k in 0..n {
            let aik = a[i * n + k];
            for j in 0..n {
                out[i * n + j] += aik * b[k * n + j];
            }
        }
    }
    out
}

fn symmetrised(m: &[f64], n: usize) -> Vec<f64> {
    let mut out = m.to_vec();
    for i in 0..n {
        for j in 0..n {
            out[i * n + j] = 0.5 * (m[i * n + j] + m[j * n + i]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::rng::{seeded, standard_normal};

    fn gaussian(n: usize, shift: f32, scale: f32, seed: u64) -> Points {
        let mut rng = seeded(seed);
        let v = standard_normal(&mut rng, n * 3)
            .into_iter()
            .map(|x| shift + scale * x)
            .collect();
        Points::new(3, v).unwrap()
    }

    #[test]
    fn frechet_matches_the_closed_form_for_isotropic_gaussians() {
        // N(0, I) vs N(1·1, 4I) in 3-D: 3·1² + 3·(1 + 4 − 2·2) = 6.
        let d = frechet_distance(
            &gaussian(40_000, 0.0, 1.0, 1),
            &gaussian(40_000, 1.0, 2.0, 2),
        );
        assert!((d - 6.0).abs() < 0.15, "{d}");
        let same = frechet_distance(
            &gaussian(40_000, 0.0, 1.0, 3),
            &gaussian(40_000, 0.0, 1.0, 4),
        );
        assert!(same < 0.01, "{same}");
    }

    #[test]
    fn histograms_and_diversity() {
        let h = class_histogram(&[0, 1, 1, 3], 4);
        assert_eq!(h, vec![0.25, 0.5, 0.0, 0.25]);
        assert!((histogram_tv(&h, &[0.25, 0.25, 0.25, 0.25]) - 0.25).abs() < 1e-12);
        let p = Points::from_rows(2, [[0.0f32, 0.0], [3.0, 4.0], [0.0, 0.0]]);
        assert!((mean_pairwise_distance(&p, 10) - 10.0 / 3.0).abs() < 1e-9);
    }
}
