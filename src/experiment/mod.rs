//! One experiment = config + seed + reference + constraint + sampler + history: building it,
//! training it one iteration at a time, evaluating it, saving and loading it.

pub mod annealing;
pub mod checkpoint;
pub mod composition;
pub mod config;
pub mod evaluation;
pub mod history;
mod image_evaluation;
mod local_search_round;
mod loss_round;
pub mod noise_view;
pub mod presets;
mod replay_round;
pub mod resampling;
mod sample_measures;
pub mod trainer;
pub mod truth;
mod truth_computation;
pub mod worker;

pub use config::ExperimentConfig;
pub use history::{History, StepRecord};
pub use trainer::Trainer;

#[cfg(test)]
mod consistency_tests;
