//! Mode coverage: each sample is assigned to a mode; a mode is *covered* when the sampler puts
//! at least 10 % of the reference's share on it, and only modes with at least `min_share` of
//! the reference's mass count. The total variation between the two histograms summarises how
//! well the weights, not just the locations, are right.

use crate::math::{IsoGmm, Points};

use super::kmeans::nearest;

/// Where the modes are.
#[derive(Clone, Debug)]
pub enum Modes {
    /// Known mixture components (assignment by responsibility).
    Components(IsoGmm),
    /// Cluster centres (assignment to the nearest).
    Centers(Points),
}

/// The fraction of its reference share a mode must get to count as covered.
pub const COVERED_FRACTION: f64 = 0.1;

impl Modes {
    pub fn len(&self) -> usize {
        match self {
            Self::Components(gmm) => gmm.len(),
            Self::Centers(c) => c.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn assign(&self, x: &[f32]) -> usize {
        match self {
            Self::Components(gmm) => gmm.assign(x),
            Self::Centers(c) => nearest(c, x),
        }
    }

    /// Mode centres as points (for drawing).
    pub fn centers(&self) -> Points {
        match self {
            Self::Components(gmm) => Points::from_rows(
                gmm.dim(),
                gmm.means()
                    .iter()
                    .map(|m| m.iter().map(|&v| v as f32).collect::<Vec<_>>()),
            ),
            Self::Centers(c) => c.clone(),
        }
    }

    /// The share of `points` assigned to each mode.
    pub fn shares(&self, points: &Points) -> Vec<f64> {
        let mut counts = vec![0.0; self.len()];
        for row in points.rows() {
            if row.iter().all(|v| v.is_finite()) {
                counts[self.assign(row)] += 1.0;
            }
        }
        let total: f64 = counts.iter().sum();
        if total > 0.0 {
            counts.iter_mut().for_each(|c| *c /= total);
        }
        counts
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ModeCoverage {
    pub sampler_share: Vec<f64>,
    pub reference_share: Vec<f64>,
    /// Modes with at least `min_share` of the reference mass.
    pub total: usize,
    pub covered: usize,
    pub tv: f64,
}

impl ModeCoverage {
    pub fn compute(modes: &Modes, sampler: &Points, reference: &Points, min_share: f64) -> Self {
        Self::from_shares(modes.shares(sampler), modes.shares(reference), min_share)
    }

    pub fn from_shares(sampler_share: Vec<f64>, reference_share: Vec<f64>, min_share: f64) -> Self {
        let mut total = 0;
        let mut covered = 0;
        for (s, r) in sampler_share.iter().zip(&reference_share) {
            if *r >= min_share {
                total += 1;
                if *s >= COVERED_FRACTION * r {
                    covered += 1;
                }
            }
        }
        let tv = 0.5
            * sampler_share
                .iter()
                .zip(&reference_share)
                .map(|(s, r)| (s - r).abs())
                .sum::<f64>();
        Self {
            sampler_share,
            reference_share,
            total,
            covered,
            tv,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mode_below_a_tenth_of_its_share_is_missed() {
        let c =
            ModeCoverage::from_shares(vec![0.7, 0.29, 0.01, 0.0], vec![0.5, 0.3, 0.2, 0.0], 0.01);
        assert_eq!(c.total, 3);
        assert_eq!(c.covered, 2);
        assert!((c.tv - 0.2).abs() < 1e-12);
    }
}
