//! The reference posterior, the ground truth a sampler is measured against: exact quadrature
//! on a grid where the reference is Brownian and d ≤ 2, importance resampling of many prior
//! samples (SIR) otherwise. Both also give the reference log Z.

use rand::Rng as _;

use super::sir;
use crate::constraint::Constraint;
use crate::math::Points;
use crate::math::gaussian::{log_normal_centered, log_sum_exp};
use crate::math::rng::{Rng, categorical, normalised_weights};

/// How a reference posterior was obtained.
#[derive(Clone, Debug, PartialEq)]
pub enum ReferenceMethod {
    /// Quadrature on `resolution`^d cells over ±`half_width`, with the posterior mass that
    /// fell in the outermost ring of cells (a truncated posterior has much of it).
    Grid {
        resolution: usize,
        half_width: f64,
        boundary_mass: f64,
    },
    /// SIR from `proposals` prior samples whose weights had effective sample size `ess`.
    Sir { proposals: usize, ess: f64 },
    /// Exact samples of an energy target, with its exact log Z.
    Exact { target: String },
    /// Annealed importance sampling: `particles` over `temperatures` tempered targets,
    /// resampled by their final weights (effective sample size `ess`).
    Ais {
        particles: usize,
        temperatures: usize,
        ess: f64,
    },
}

impl ReferenceMethod {
    /// Boundary mass above which a grid posterior counts as truncated.
    pub const TRUNCATED: f64 = 1e-3;

    /// Why this reference may be wrong, if it may.
    pub fn warning(&self) -> Option<String> {
        match self {
            Self::Grid {
                half_width,
                boundary_mass,
                ..
            } if *boundary_mass > Self::TRUNCATED => Some(format!(
                "the reference grid over ±{half_width:.3} truncates the posterior: its boundary \
                 cells hold {:.2}% of the mass",
                100.0 * boundary_mass
            )),
            Self::Sir { proposals, ess } if ess * (*proposals as f64) < Self::FEW_EFFECTIVE => {
                Some(format!(
                    "the SIR reference has only {:.0} effective samples of {proposals}: its \
                     log Z and samples are unreliable (eval.reference = \"ais\" anneals instead)",
                    ess * *proposals as f64
                ))
            }
            Self::Ais { particles, ess, .. } if ess * (*particles as f64) < Self::FEW_EFFECTIVE => {
                Some(format!(
                    "the AIS reference has only {:.0} effective samples of {particles}: raise \
                 eval.ais_temperatures",
                    ess * *particles as f64
                ))
            }
            _ => None,
        }
    }

    /// Fewer effective samples than this make a Monte Carlo reference unreliable.
    pub const FEW_EFFECTIVE: f64 = 500.0;

    pub fn describe(&self) -> String {
        match self {
            Self::Grid {
                resolution,
                half_width,
                ..
            } => format!("exact grid ({resolution} cells per axis over ±{half_width:.3})"),
            Self::Exact { target } => format!("exact samples of the target {target}"),
            Self::Sir { proposals, ess } => {
                format!("SIR over {proposals} prior samples (ESS {:.3})", ess)
            }
            Self::Ais {
                particles,
                temperatures,
                ess,
            } => format!(
                "AIS of {particles} particles over {temperatures} temperatures (ESS {ess:.3})"
            ),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ReferencePosterior {
    pub samples: Points,
    pub log_z: f64,
    pub method: ReferenceMethod,
}

/// How many times the grid may double its half-width to hold the whole posterior.
const MAX_WIDENINGS: usize = 3;

/// The posterior N(0, σ²I)·r^β on a grid over ±`half_width` (d = 1 or 2): log Z by quadrature,
/// samples by drawing cells ∝ mass and a uniform point inside. When more than a millionth of
/// the mass lies in the outermost ring of cells the grid doubles its half-width (at most
/// three times); what is left there is reported as `boundary_mass`.
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
    let mut half_width = half_width;
    let mut widenings = 0;
    loop {
        let grid = CellGrid {
            dim,
            resolution,
            half_width,
        };
        let centres = grid.centres();
        // One batch call: a constraint seen through a generator evaluates it on the device.
        let log_mass: Vec<f64> = constraint
            .log_r_batch(&centres)
            .into_iter()
            .zip(centres.rows())
            .map(|(log_r, x)| log_normal_centered(x, variance) + beta * log_r)
            .collect();
        let weights = normalised_weights(&log_mass);
        let boundary_mass: f64 = (0..weights.len())
            .filter(|&index| grid.on_boundary(index))
            .map(|index| weights[index])
            .sum();
        if boundary_mass > 1e-6 && widenings < MAX_WIDENINGS {
            half_width *= 2.0;
            widenings += 1;
            continue;
        }
        let log_z = log_sum_exp(&log_mass) + dim as f64 * grid.cell().ln();
        let mut points = Points::with_capacity(samples, dim);
        let mut x = vec![0.0f32; dim];
        for index in categorical(rng, &weights, samples) {
            for (axis, v) in x.iter_mut().enumerate() {
                *v = (grid.centre(index, axis) + (rng.random::<f64>() - 0.5) * grid.cell()) as f32;
            }
            points.push(&x);
        }
        return Some(ReferencePosterior {
            samples: points,
            log_z,
            method: ReferenceMethod::Grid {
                resolution,
                half_width,
                boundary_mass,
            },
        });
    }
}

/// `resolution`^d equal cells over [−half_width, half_width]^d (d = 1 or 2), indexed with the
/// first axis fastest.
#[derive(Clone, Copy, Debug)]
pub struct CellGrid {
    pub dim: usize,
    pub resolution: usize,
    pub half_width: f64,
}

impl CellGrid {
    pub fn cell(&self) -> f64 {
        2.0 * self.half_width / self.resolution as f64
    }

    pub fn len(&self) -> usize {
        self.resolution.pow(self.dim as u32)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn axis_index(&self, index: usize, axis: usize) -> usize {
        if axis == 0 {
            index % self.resolution
        } else {
            index / self.resolution
        }
    }

    /// Coordinate `axis` of the centre of cell `index`.
    pub fn centre(&self, index: usize, axis: usize) -> f64 {
        -self.half_width + (self.axis_index(index, axis) as f64 + 0.5) * self.cell()
    }

    pub fn on_boundary(&self, index: usize) -> bool {
        (0..self.dim).any(|axis| {
            let i = self.axis_index(index, axis);
            i == 0 || i + 1 == self.resolution
        })
    }

    /// Every cell's centre, in index order.
    pub fn centres(&self) -> Points {
        let mut x = vec![0.0f32; self.dim];
        let mut centres = Points::with_capacity(self.len(), self.dim);
        for index in 0..self.len() {
            for (axis, v) in x.iter_mut().enumerate() {
                *v = self.centre(index, axis) as f32;
            }
            centres.push(&x);
        }
        centres
    }
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

    #[test]
    fn a_grid_too_narrow_for_the_posterior_widens_until_it_holds_it() {
        // Observing x₀ = 20 with noise 0.5 under N(0, I): the posterior sits at x₀ = 16, far
        // outside the first grid's ±7.
        let obs = GaussianObservation::new(&GaussianObsConfig {
            y: vec![20.0],
            a: Some(vec![vec![1.0, 0.0]]),
            noise_std: 0.5,
        })
        .unwrap();
        let exact = gaussian_posterior(1.0, &obs, 1.0).unwrap();
        let grid = grid_posterior(1.0, &obs, 1.0, 600, 7.0, 20_000, &mut seeded(1)).unwrap();
        let ReferenceMethod::Grid {
            half_width,
            boundary_mass,
            ..
        } = grid.method
        else {
            panic!("not a grid");
        };
        assert_eq!(half_width, 28.0);
        assert!(boundary_mass < 1e-6, "{boundary_mass}");
        assert!(grid.method.warning().is_none());
        assert!(
            (grid.log_z - exact.log_z).abs() < 1e-3,
            "{} vs {}",
            grid.log_z,
            exact.log_z
        );
        assert!((grid.samples.mean()[0] - 16.0).abs() < 0.02);
    }

    #[test]
    fn a_truncated_grid_says_so() {
        let method = ReferenceMethod::Grid {
            resolution: 10,
            half_width: 1.0,
            boundary_mass: 0.2,
        };
        assert!(method.warning().unwrap().contains("truncates"));
    }
}
