//! A two-component principal-component projection, for showing a latent of more than two
//! coordinates in a plane.

use super::Points;
use super::symmetric_eigen::symmetric_eigen;

/// The mean and the two leading principal axes (unit vectors) of a point set.
#[derive(Clone, Debug, PartialEq)]
pub struct Pca2 {
    pub mean: Vec<f64>,
    pub axes: [Vec<f64>; 2],
    /// The variances along the axes.
    pub variances: [f64; 2],
}

impl Pca2 {
    /// The leading axes of `points`; none for fewer than two points or coordinates.
    pub fn fit(points: &Points) -> Option<Self> {
        let d = points.dim();
        if points.len() < 2 || d < 2 {
            return None;
        }
        let (values, vectors) = symmetric_eigen(&points.covariance(), d);
        let mut order: Vec<usize> = (0..d).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
        let axis = |k: usize| -> Vec<f64> { (0..d).map(|i| vectors[i * d + order[k]]).collect() };
        Some(Self {
            mean: points.mean(),
            axes: [axis(0), axis(1)],
            variances: [values[order[0]], values[order[1]]],
        })
    }

    /// Flips axes to point the way `previous`'s do, so that a refit does not mirror the view.
    pub fn align_with(&mut self, previous: &Pca2) {
        for (axis, old) in self.axes.iter_mut().zip(&previous.axes) {
            let dot: f64 = axis.iter().zip(old).map(|(a, b)| a * b).sum();
            if dot < 0.0 {
                axis.iter_mut().for_each(|v| *v = -*v);
            }
        }
    }

    /// The coordinates of `points` along the two axes, as a two-column point set.
    pub fn project(&self, points: &Points) -> Points {
        Points::from_rows(
            2,
            points.rows().map(|row| {
                self.axes.clone().map(|axis| {
                    row.iter()
                        .zip(&self.mean)
                        .zip(&axis)
                        .map(|((&x, m), a)| (x as f64 - m) * a)
                        .sum::<f64>() as f32
                })
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::rng::seeded;
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn the_axes_follow_the_largest_variances() {
        // Standard deviations 3, 0.2, 1, 0.5 along the coordinates, shifted by 5.
        let mut rng = seeded(3);
        let scales = [3.0f32, 0.2, 1.0, 0.5];
        let points = Points::from_rows(
            4,
            (0..4000).map(|_| {
                scales.map(|s| {
                    let z: f32 = StandardNormal.sample(&mut rng);
                    5.0 + s * z
                })
            }),
        );
        let pca = Pca2::fit(&points).unwrap();
        assert!(pca.axes[0][0].abs() > 0.99, "{:?}", pca.axes);
        assert!(pca.axes[1][2].abs() > 0.99, "{:?}", pca.axes);
        assert!((pca.variances[0] - 9.0).abs() < 0.6, "{:?}", pca.variances);
        assert!((pca.variances[1] - 1.0).abs() < 0.1, "{:?}", pca.variances);
        let projected = pca.project(&points);
        assert_eq!((projected.len(), projected.dim()), (4000, 2));
        assert!(projected.mean().iter().all(|m| m.abs() < 1e-3));
        let mut flipped = pca.clone();
        flipped.axes[0].iter_mut().for_each(|v| *v = -*v);
        flipped.align_with(&pca);
        assert_eq!(flipped.axes, pca.axes);
        assert!(Pca2::fit(&Points::from_rows(4, [[0.0f32; 4]])).is_none());
    }
}
