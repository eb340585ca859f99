//! The reference posterior, the ground truth a sampler is measured against: exact quadrature
//! on a grid where the reference is Brownian and d ≤ 2, importance resampling of many prior
//! samples (SIR) otherwise. Both also give the reference log Z.

use rand::Rng as _;

use crate::constraint::Constraint;
use crate::math::Points;
use crate::math::gaussian::{log_normal_centered, log_sum_exp};
use crate::math::rng::{Rng, categorical, normalised_weights};
use crate::objective::sir;

/// How a reference posterior was obtained.
#[derive(Clone, Debug, PartialEq)]
pub enum ReferenceMethod {
    /// Quadrature on `resolution`^d cells over ±`half_width`.
    Grid { resolution: usize, half_width: f64 },
    /// SIR from `proposals` prior samples whose weights had effective sample size `ess`.
    Sir { proposals: usize, ess: f64 },
}

impl ReferenceMethod {
    pub fn describe(&self) -> String {
        match self {
            Self::Grid { resolution, .. } => format!("exact grid ({resolution} cells per axis)"),
            Self::Sir { proposals, ess } => {
                format!("SIR over {proposals} prior samples (ESS {:.3})", ess)
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct ReferencePosterior {
    pub samples: Points,
    pub log_z: f64,
    pub method: ReferenceMethod,
}

/// The posterior N(0, σ²I)·r^β on a grid over ±`half_width` (d = 1 or 2): log Z by quadrature,
/// samples by drawing cells ∝ mass and a uniform point inside.
pub fn grid_posterior(
    variance: f64,
    constraint: &dyn Constraint,
    beta: f64,
    resolution: usize,
    half_width: f64,
    samples: usize,
    rng: &mut Rng,
) -> Option<ReferencePosterior> {
    let dim = constraint.dim();
    if !(1..=2).contains(&dim) || resolution < 2 {
        return None;
    }
    let cell = 2.0 * half_width / resolution as f64;
    let cells = resolution.pow(dim as u32);
    let centre = |index: usize, axis: usize| -> f64 {
        let i = if axis == 0 {
            index % resolution
        } else {
            index / resolution
        };
        -half_width + (i as f64 + 0.5) * cell
    };
    let mut x = vec![0.0f32; dim];
    let mut centres = Points::with_capacity(cells, dim);
    for index in 0..cells {
        for (axis, v) in x.iter_mut().enumerate() {
            *v = centre(index, axis) as f32;
        }
        centres.push(&x);
    }
    // One batch call: a constraint seen through a generator evaluates it on the device.
    let log_mass: Vec<f64> = constraint
        .log_r_batch(&centres)
        .into_iter()
        .zip(centres.rows())
        .map(|(log_r, x)| log_normal_centered(x, variance) + beta * log_r)
        .collect();
    let log_z = log_sum_exp(&log_mass) + dim as f64 * cell.ln();
    let weights = normalised_weights(&log_mass);
    let mut points = Points::with_capacity(samples, dim);
    for index in categorical(rng, &weights, samples) {
        for (axis, v) in x.iter_mut().enumerate() {
            *v = (centre(index, axis) + (rng.random::<f64>() - 0.5) * cell) as f32;
        }
        points.push(&x);
    }
    Some(ReferencePosterior {
        samples: points,
        log_z,
        method: ReferenceMethod::Grid {
            resolution,
            half_width,
        },
    })
}

/// SIR from prior samples: weights r(x)^β.
pub fn sir_posterior(
    prior_samples: &Points,
    constraint: &dyn Constraint,
    beta: f64,
    samples: usize,
    rng: &mut Rng,
) -> ReferencePosterior {
    let log_w: Vec<f64> = constraint
        .log_r_batch(prior_samples)
        .into_iter()
        .map(|l| beta * l)
        .collect();
    let result = sir::resample(prior_samples, &log_w, samples, rng);
    ReferencePosterior {
        samples: result.samples,
        log_z: result.log_z,
        method: ReferenceMethod::Sir {
            proposals: prior_samples.len(),
            ess: result.ess,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::{GaussianObservation, gaussian_obs::GaussianObsConfig};
    use crate::math::rng::seeded;
    use crate::metrics::exact_gaussian::gaussian_posterior;

    #[test]
    fn grid_matches_the_closed_form_in_2d() {
        let obs = GaussianObservation::new(&GaussianObsConfig {
            y: vec![1.0],
            a: Some(vec![vec![1.0, 0.5]]),
            noise_std: 0.5,
        })
        .unwrap();
        let exact = gaussian_posterior(1.0, &obs, 1.0).unwrap();
        let grid = grid_posterior(1.0, &obs, 1.0, 400, 7.0, 40_000, &mut seeded(0)).unwrap();
        assert!(
            (grid.log_z - exact.log_z).abs() < 1e-4,
            "{} vs {}",
            grid.log_z,
            exact.log_z
        );
        let mean = grid.samples.mean();
        assert!((mean[0] - exact.mean[0]).abs() < 0.02);
        assert!((mean[1] - exact.mean[1]).abs() < 0.02);
    }
}
