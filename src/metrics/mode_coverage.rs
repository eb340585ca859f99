//! Mode coverage: each sample is assigned to a mode or to the **outside** bin (farther than
//! "3 standard deviations" from every mode, see [`mode_radius`]); a mode is *covered* when the
//! sampler puts at least 10 % of the reference's share on it, and only modes with at least
//! `min_share` of the reference's mass count. The total variation between the two histograms,
//! outside bin included, summarises how well the weights, not just the locations, are right:
//! mass between the modes, or a blurred sampler, shows in it instead of being credited to the
//! nearest mode. A non-finite sample lies at no mode and counts as outside.

use serde::{Deserialize, Serialize};

use crate::math::chi::mode_radius;
use crate::math::{IsoGmm, Points};

use super::kmeans::{nearest, squared_distance};

/// Where the modes are.
#[derive(Clone, Debug)]
pub enum Modes {
    /// Known mixture components (assignment by responsibility); a point is outside when it is
    /// farther than `mode_radius(d)`·σ from every mean.
    Components(IsoGmm),
    /// Cluster centres (assignment to the nearest), each with the radius of its cell beyond
    /// which a point is outside.
    Centers { centers: Points, radii: Vec<f64> },
}

/// The fraction of its reference share a mode must get to count as covered.
pub const COVERED_FRACTION: f64 = 0.1;

/// Per-mode shares of a set of points, and the share outside every mode.
#[derive(Clone, Debug, PartialEq)]
pub struct ModeShares {
    pub modes: Vec<f64>,
    pub outside: f64,
}

impl Modes {
    /// k-means cells from `reference` points: each cell's radius is `mode_radius(d)` times
    /// the per-coordinate RMS spread of the reference points assigned to it, so that a
    /// Gaussian cell keeps the same share of its mass inside as a known component does.
    pub fn from_centers(centers: Points, reference: &Points) -> Self {
        let dim = centers.dim().max(1);
        let mut sum_sq = vec![0.0; centers.len()];
        let mut count = vec![0usize; centers.len()];
        for row in reference.rows().filter(|r| r.iter().all(|v| v.is_finite())) {
            let c = nearest(&centers, row);
            sum_sq[c] += squared_distance(centers.row(c), row);
            count[c] += 1;
        }
        let scale = mode_radius(dim);
        let radii = sum_sq
            .iter()
            .zip(&count)
            .map(|(s, &n)| {
                if n == 0 {
                    0.0
                } else {
                    scale * (s / (n as f64 * dim as f64)).sqrt()
                }
            })
            .collect();
        Self::Centers { centers, radii }
    }

    pub fn len(&self) -> usize {
        match self {
            Self::Components(gmm) => gmm.len(),
            Self::Centers { centers, .. } => centers.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The mode `x` belongs to, or `None` when it is outside every mode (or not finite).
    pub fn assign(&self, x: &[f32]) -> Option<usize> {
        if !x.iter().all(|v| v.is_finite()) || self.is_empty() {
            return None;
        }
        match self {
            Self::Components(gmm) => {
                let radius = mode_radius(gmm.dim()) * gmm.var().sqrt();
                let within = gmm.means().iter().any(|m| {
                    m.iter()
                        .zip(x)
                        .map(|(a, &b)| (a - b as f64).powi(2))
                        .sum::<f64>()
                        <= radius * radius
                });
                within.then(|| gmm.assign(x))
            }
            Self::Centers { centers, radii } => {
                let within = centers
                    .rows()
                    .zip(radii)
                    .any(|(c, r)| squared_distance(c, x) <= r * r);
                within.then(|| nearest(centers, x))
            }
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
            Self::Centers { centers, .. } => centers.clone(),
        }
    }

    /// The share of `points` at each mode and outside all of them (the shares sum to 1).
    pub fn shares(&self, points: &Points) -> ModeShares {
        let mut counts = vec![0.0; self.len()];
        let mut outside = 0.0;
        for row in points.rows() {
            match self.assign(row) {
                Some(c) => counts[c] += 1.0,
                None => outside += 1.0,
            }
        }
        let total = points.len() as f64;
        if total > 0.0 {
            counts.iter_mut().for_each(|c| *c /= total);
            outside /= total;
        }
        ModeShares {
            modes: counts,
            outside,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ModeCoverage {
    pub sampler_share: Vec<f64>,
    pub reference_share: Vec<f64>,
    /// The sampler's share outside every mode.
    pub sampler_outside: f64,
    /// The reference's share outside every mode.
    pub reference_outside: f64,
    /// Modes with at least `min_share` of the reference mass.
    pub total: usize,
    pub covered: usize,
    /// Total variation between the two histograms, the outside bin included.
    pub tv: f64,
}

impl ModeCoverage {
    pub fn compute(modes: &Modes, sampler: &Points, reference: &Points, min_share: f64) -> Self {
        Self::from_shares(modes.shares(sampler), modes.shares(reference), min_share)
    }

    pub fn from_shares(sampler: ModeShares, reference: ModeShares, min_share: f64) -> Self {
        let mut total = 0;
        let mut covered = 0;
        for (s, r) in sampler.modes.iter().zip(&reference.modes) {
            if *r >= min_share {
                total += 1;
                if *s >= COVERED_FRACTION * r {
                    covered += 1;
                }
            }
        }
        let tv = 0.5
            * (sampler
                .modes
                .iter()
                .zip(&reference.modes)
                .map(|(s, r)| (s - r).abs())
                .sum::<f64>()
                + (sampler.outside - reference.outside).abs());
        Self {
            sampler_share: sampler.modes,
            reference_share: reference.modes,
            sampler_outside: sampler.outside,
            reference_outside: reference.outside,
            total,
            covered,
            tv,
        }
    }
}

/// How the mode weights of a set of samples fit the reference's: what resampled points
/// report as well as the sampler's own.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModeFit {
    pub modes_covered: Option<usize>,
    /// Total variation between the sampler's and the reference's mode-weight histograms, the
    /// bin "outside every mode" included.
    pub mode_tv: Option<f64>,
    /// The sampler's share of samples outside every mode (non-finite samples included).
    #[serde(default)]
    pub outside_share: Option<f64>,
}

/// Mode coverage of the sampler against the reference posterior, with both histograms.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModeMetrics {
    pub modes_total: Option<usize>,
    #[serde(flatten)]
    pub fit: ModeFit,
    /// The reference posterior's share outside every mode.
    #[serde(default)]
    pub outside_share_ref: Option<f64>,
    /// Per mode: the sampler's share of samples.
    pub mode_sampler_share: Vec<f64>,
    /// Per mode: the reference posterior's share.
    pub mode_reference_share: Vec<f64>,
}

impl From<&ModeCoverage> for ModeFit {
    fn from(c: &ModeCoverage) -> Self {
        Self {
            modes_covered: Some(c.covered),
            mode_tv: Some(c.tv),
            outside_share: Some(c.sampler_outside),
        }
    }
}

impl From<ModeCoverage> for ModeMetrics {
    fn from(c: ModeCoverage) -> Self {
        Self {
            modes_total: Some(c.total),
            fit: ModeFit::from(&c),
            outside_share_ref: Some(c.reference_outside),
            mode_sampler_share: c.sampler_share,
            mode_reference_share: c.reference_share,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mode_below_a_tenth_of_its_share_is_missed() {
        let shares = |modes: Vec<f64>| ModeShares {
            modes,
            outside: 0.0,
        };
        let c = ModeCoverage::from_shares(
            shares(vec![0.7, 0.29, 0.01, 0.0]),
            shares(vec![0.5, 0.3, 0.2, 0.0]),
            0.01,
        );
        assert_eq!(c.total, 3);
        assert_eq!(c.covered, 2);
        assert!((c.tv - 0.2).abs() < 1e-12);
    }

    #[test]
    fn mass_between_the_modes_counts_in_the_outside_bin() {
        // A sampler that puts 20 % of its mass midway between the modes of the 25-Gaussian
        // grid and the rest on the modes, against exact samples.
        use crate::math::rng::seeded;
        let gmm = IsoGmm::grid25();
        let modes = Modes::Components(gmm.clone());
        let reference = gmm.sample(&mut seeded(1), 20_000);
        let on_modes = gmm.sample(&mut seeded(2), 8_000);
        let mut sampler = on_modes.clone();
        let between = Points::from_rows(
            2,
            (0..2_000).map(|i| {
                let m = &gmm.means()[i % 20];
                [(m[0] + 2.5) as f32, (m[1] + 2.5) as f32]
            }),
        );
        sampler.extend(&between);
        let c = ModeCoverage::compute(&modes, &sampler, &reference, 0.01);
        // The on-mode 80 % leave their own 1.1 % outside 3σ, like the reference.
        assert!(
            (c.sampler_outside - 0.209).abs() < 0.01,
            "{}",
            c.sampler_outside
        );
        assert!(c.reference_outside < 0.02, "{}", c.reference_outside);
        // TV(0.8·ref + 0.2·δ_outside, ref) = 0.2·(1 − reference_outside) ≈ 0.198.
        let expected = 0.2 * (1.0 - c.reference_outside);
        assert!((c.tv - expected).abs() < 0.015, "TV {} vs {expected}", c.tv);
        assert!(c.tv >= 0.19, "TV {}", c.tv);
        assert_eq!(c.covered, 25);
        // Credited to the nearest mode instead, the same samples would look nearly right.
        let nearest: Vec<f64> = {
            let mut counts = vec![0.0; 25];
            for row in sampler.rows() {
                counts[gmm.assign(row)] += 1.0 / sampler.len() as f64;
            }
            counts
        };
        let naive = 0.5
            * nearest
                .iter()
                .zip(&c.reference_share)
                .map(|(s, r)| (s - r / (1.0 - c.reference_outside)).abs())
                .sum::<f64>();
        assert!(naive < c.tv, "naive {naive} vs {}", c.tv);
    }

    #[test]
    fn kmeans_cells_have_radii_from_their_reference_spread() {
        use crate::math::rng::seeded;
        let gmm = IsoGmm::grid25();
        let reference = gmm.sample(&mut seeded(3), 20_000);
        let modes = Modes::from_centers(Modes::Components(gmm).centers(), &reference);
        let shares = modes.shares(&reference);
        // Exact samples leave about 1.1 % of their mass outside 3σ in the plane.
        assert!((shares.outside - 0.011).abs() < 0.004, "{}", shares.outside);
        let far = Points::from_rows(2, [[30.0f32, 30.0], [f32::NAN, 0.0]]);
        assert_eq!(modes.shares(&far).outside, 1.0);
    }
}
