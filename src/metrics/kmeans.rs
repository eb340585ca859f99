//! k-means (k-means++ seeding, Lloyd iterations): modes of a reference posterior that has no
//! known components.

use rand::Rng as _;

use crate::math::Points;
use crate::math::rng::{Rng, categorical};

pub(crate) fn squared_distance(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
        .sum()
}

/// Index of the centre nearest to `x`.
pub fn nearest(centers: &Points, x: &[f32]) -> usize {
    centers
        .rows()
        .enumerate()
        .map(|(i, c)| (i, squared_distance(c, x)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(0, |(i, _)| i)
}

/// `k` centres of `points` (fewer if there are fewer distinct points).
pub fn kmeans(points: &Points, k: usize, iterations: usize, rng: &mut Rng) -> Points {
    let n = points.len();
    let dim = points.dim();
    let mut centers = Points::with_capacity(k, dim);
    if n == 0 || k == 0 {
        return centers;
    }
    centers.push(points.row(rng.random_range(0..n)));
    let mut best: Vec<f64> = points
        .rows()
        .map(|p| squared_distance(p, centers.row(0)))
        .collect();
    while centers.len() < k.min(n) {
        let Some(&pick) = categorical(rng, &best, 1).first() else {
            break;
        };
        centers.push(points.row(pick));
        let newest = centers.len() - 1;
        for (b, p) in best.iter_mut().zip(points.rows()) {
            *b = b.min(squared_distance(p, centers.row(newest)));
        }
    }
    let k = centers.len();
    for _ in 0..iterations {
        let mut sums = vec![0.0f64; k * dim];
        let mut counts = vec![0usize; k];
        for p in points.rows() {
            let c = nearest(&centers, p);
            counts[c] += 1;
            for (s, &v) in sums[c * dim..(c + 1) * dim].iter_mut().zip(p) {
                *s += v as f64;
            }
        }
        let mut moved = false;
        for c in 0..k {
            if counts[c] == 0 {
                continue;
            }
            for j in 0..dim {
                let value = (sums[c * dim + j] / counts[c] as f64) as f32;
                let slot = &mut centers.row_mut(c)[j];
                moved |= *slot != value;
                *slot = value;
            }
        }
        if !moved {
            break;
        }
    }
    centers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::IsoGmm;
    use crate::math::rng::seeded;

    #[test]
    fn finds_well_separated_clusters() {
        let gmm = IsoGmm::equal_weights(vec![vec![-5.0, 0.0], vec![5.0, 0.0], vec![0.0, 6.0]], 0.2);
        let mut rng = seeded(0);
        let pts = gmm.sample(&mut rng, 3000);
        let centers = kmeans(&pts, 3, 50, &mut rng);
        for mean in gmm.means() {
            let x = [mean[0] as f32, mean[1] as f32];
            let c = centers.row(nearest(&centers, &x));
            assert!(squared_distance(c, &x) < 0.05, "{c:?} vs {mean:?}");
        }
    }
}
