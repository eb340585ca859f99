//! The reference posterior an experiment is measured against, for one β, with its modes.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::math::Points;
use crate::metrics::{Modes, ReferencePosterior};

/// The reference posterior for one β, with its modes.
#[derive(Clone, Debug)]
pub struct Truth {
    /// New for every computed truth: views keep what they derive from it until it changes.
    pub id: u64,
    pub beta: f64,
    /// In the sampler's space.
    pub posterior: ReferencePosterior,
    /// For a noise-space sampler: the reference samples mapped by f, exact samples of the
    /// data-space posterior (the push-forward of the noise-space one).
    pub data_samples: Option<Points>,
    /// In data space; none for an energy target without mixture components.
    pub modes: Option<Modes>,
    /// Mean log r over reference posterior samples.
    pub mean_log_r: f64,
    /// Images: two independent SIR references, each from its own half of the prior samples,
    /// in data space; the Fréchet distance between them is the metric's noise floor.
    pub halves: Option<(Points, Points)>,
}

impl Truth {
    /// A fresh id for a newly computed truth.
    pub fn next_id() -> u64 {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        NEXT.fetch_add(1, Ordering::Relaxed)
    }

    /// Reference posterior samples in data space.
    pub fn data_space_samples(&self) -> &Points {
        self.data_samples
            .as_ref()
            .unwrap_or(&self.posterior.samples)
    }
}
