//! One experiment = config + seed + reference + constraint + sampler + history: building it,
//! training it one iteration at a time, evaluating it, saving and loading it.

pub mod checkpoint;
pub mod config;
pub mod evaluation;
pub mod history;
pub mod noise_view;
pub mod setup;
pub mod trainer;
pub mod worker;

pub use config::ExperimentConfig;
pub use history::{History, StepRecord};
pub use trainer::Trainer;
