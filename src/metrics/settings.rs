//! How a sampler is measured: sample counts, the mode threshold and the quadrature grid.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::validation::positive;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvalConfig {
    /// On-policy trajectories for ELBO, IW log Z, ESS and sampler samples.
    pub samples: usize,
    /// Prior samples behind the Monte Carlo reference log Z and the SIR reference posterior.
    pub reference_samples: usize,
    /// Samples of each side compared by the energy distance.
    pub distance_samples: usize,
    /// A mode counts towards `modes_total` when its reference share is at least this.
    pub mode_min_share: f64,
    /// Number of k-means modes when no known components exist.
    pub kmeans_modes: usize,
    /// Cells per side of the quadrature grid (Brownian reference, d ≤ 2).
    pub grid_resolution: usize,
    /// How the reference posterior is found where no grid or exact sampler exists.
    pub reference: ReferenceChoice,
    /// Particles of annealed importance sampling.
    pub ais_particles: usize,
    /// Tempered targets between the prior and the posterior.
    pub ais_temperatures: usize,
    /// When > 0, the evaluation also resamples `samples` points from this many of the
    /// sampler's weighted samples and reports their metrics as `resampled`; 0 is off.
    pub resample_from: usize,
}

/// SIR over prior samples, annealed importance sampling, or SIR unless it has too few
/// effective samples (then AIS, where the reference has a density and r a gradient).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceChoice {
    #[default]
    Auto,
    Sir,
    Ais,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            samples: 2000,
            reference_samples: 100_000,
            distance_samples: 2000,
            mode_min_share: 0.01,
            kmeans_modes: 8,
            grid_resolution: 600,
            reference: ReferenceChoice::Auto,
            ais_particles: 4000,
            ais_temperatures: 200,
            resample_from: 0,
        }
    }
}

impl EvalConfig {
    /// Checks the values serde cannot; field names are given with their `eval.` path.
    pub fn validate(&self) -> Result<()> {
        positive("eval.samples", self.samples)?;
        positive("eval.grid_resolution", self.grid_resolution)?;
        if self.resample_from > 0 && self.resample_from < self.samples {
            return Err(Error::config(
                "eval.resample_from",
                format!(
                    "{} proposals cannot give eval.samples = {} resampled points: use at \
                     least as many, or 0 for off",
                    self.resample_from, self.samples
                ),
            ));
        }
        Ok(())
    }
}
