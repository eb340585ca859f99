//! The sampler's settings: its space, time steps, network and Langevin term.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::nn::DriftNetConfig;
use crate::prior::SamplerSpace;
use crate::validation::{finite_positive, positive};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SamplerConfig {
    /// For a generator prior: train the sampler in data space x or in noise space z.
    pub space: SamplerSpace,
    /// Number of Euler–Maruyama steps T.
    pub steps: usize,
    pub net: DriftNetConfig,
    /// Add the Langevin term NN₂(t)·clip(∇ log r(x)) to the learned drift.
    pub langevin: bool,
    /// Each coordinate of ∇ log r is clipped to ±this in the Langevin term.
    pub langevin_clip: f64,
}

impl Default for SamplerConfig {
    fn default() -> Self {
        Self {
            space: SamplerSpace::Data,
            steps: 100,
            net: DriftNetConfig::default(),
            langevin: false,
            langevin_clip: 100.0,
        }
    }
}

impl SamplerConfig {
    /// Checks the values serde cannot; field names are given with their `sampler.` path.
    pub fn validate(&self) -> Result<()> {
        positive("sampler.steps", self.steps)?;
        positive("sampler.net.hidden", self.net.hidden)?;
        finite_positive("sampler.langevin_clip", self.langevin_clip)
    }
}
