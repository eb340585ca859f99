//! Is a prior as sharp as its data? Mode shares and distances can look right for a prior that
//! blurs every mode; these two checks cannot:
//! * the per-axis variance of samples around their nearest mode, against the data's (for a
//!   mixture prior, the components' own variance);
//! * the mean nearest-neighbour distance from prior samples to data, against the same distance
//!   between two independent halves of the data (the energy distance hardly sees a blur: the
//!   shipped 25GMM prior scored 0.0029 with it).

use crate::math::{IsoGmm, Points};

/// Per-axis variance of `points` around the mean of their nearest component, over the points
/// that are finite: for exact samples of an isotropic mixture this is its variance (when the
/// modes are well apart).
pub fn variance_around_modes(points: &Points, modes: &IsoGmm) -> f64 {
    let mut sum = 0.0;
    let mut count = 0usize;
    for row in points.rows().filter(|r| r.iter().all(|v| v.is_finite())) {
        let mode = &modes.means()[modes.assign(row)];
        sum += row
            .iter()
            .zip(mode)
            .map(|(&x, m)| (x as f64 - m).powi(2))
            .sum::<f64>();
        count += row.len();
    }
    sum / count.max(1) as f64
}

/// Mean distance from each of `points` to its nearest neighbour among `data`.
pub fn nearest_neighbour_distance(points: &Points, data: &Points) -> f64 {
    let mut total = 0.0;
    let mut count = 0usize;
    for p in points.rows().filter(|r| r.iter().all(|v| v.is_finite())) {
        let nearest = data
            .rows()
            .map(|q| {
                p.iter()
                    .zip(q)
                    .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
                    .sum::<f64>()
            })
            .fold(f64::INFINITY, f64::min);
        total += nearest.sqrt();
        count += 1;
    }
    total / count.max(1) as f64
}

/// How far samples sit from the data, against how far the data sits from itself.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AgainstFloor {
    /// Mean nearest-neighbour distance from the samples to `data_a`.
    pub distance: f64,
    /// The same from an independent draw of the data (`data_b`, as many points as the
    /// samples) to `data_a`: what exact samples would give.
    pub floor: f64,
}

impl AgainstFloor {
    /// distance / floor: about 1 for samples as sharp as the data, above for a blurred prior.
    pub fn ratio(&self) -> f64 {
        self.distance / self.floor
    }
}

/// The nearest-neighbour distance of `samples` to `data_a` with its split-half floor.
pub fn distance_against_floor(samples: &Points, data_a: &Points, data_b: &Points) -> AgainstFloor {
    AgainstFloor {
        distance: nearest_neighbour_distance(samples, data_a),
        floor: nearest_neighbour_distance(data_b, data_a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::rng::{seeded, standard_normal};

    /// Exact mixture samples with extra Gaussian noise of variance `extra` on every axis.
    fn blurred(gmm: &IsoGmm, n: usize, extra: f64, seed: u64) -> Points {
        let mut points = gmm.sample(&mut seeded(seed), n);
        let noise = standard_normal(&mut seeded(seed + 100), n * gmm.dim());
        for (v, e) in points.as_mut_slice().iter_mut().zip(noise) {
            *v += (extra.sqrt() * e as f64) as f32;
        }
        points
    }

    #[test]
    fn a_blurred_mixture_shows_its_extra_variance_and_leaves_the_noise_floor() {
        let gmm = IsoGmm::grid25();
        let exact = gmm.sample(&mut seeded(1), 20_000);
        let var = variance_around_modes(&exact, &gmm);
        assert!((var - gmm.var()).abs() < 0.02, "{var} vs {}", gmm.var());
        // The shipped diffusion prior's last step adds about 0.25 per axis (σ²/T = 25/100).
        let blur = blurred(&gmm, 20_000, 0.25, 2);
        let var_blur = variance_around_modes(&blur, &gmm);
        assert!((var_blur - (gmm.var() + 0.25)).abs() < 0.04, "{var_blur}");

        let (a, b) = (
            gmm.sample(&mut seeded(3), 2000),
            gmm.sample(&mut seeded(4), 2000),
        );
        let same = distance_against_floor(&gmm.sample(&mut seeded(5), 2000), &a, &b);
        let off = distance_against_floor(&blurred(&gmm, 2000, 0.25, 6), &a, &b);
        eprintln!("exact {same:?}, blurred {off:?}");
        assert!((same.ratio() - 1.0).abs() < 0.05, "{same:?}");
        assert!(off.ratio() > 1.15, "{off:?}");
    }
}
