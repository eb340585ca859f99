//! Posterior Studio's engine: amortized diffusion samplers of posteriors
//! p_post(x) ∝ p(x)·r(x)^β under generative priors, trained by relative trajectory balance
//! and measured against ground truth.
//!
//! The library never depends on the GUI; the `app` module (feature `gui`) is a thin layer that
//! talks to a running experiment through messages.

#[cfg(feature = "gui")]
pub mod app;
pub mod backend;
pub mod cli;
pub mod constraint;
pub mod error;
pub mod experiment;
pub mod export;
pub mod files;
pub mod images;
pub mod math;
pub mod metrics;
pub mod nn;
pub mod objective;
pub mod prior;
pub mod records;
pub mod sampler;
pub mod validation;

pub use error::{Error, Result};
pub use experiment::{ExperimentConfig, Trainer};
