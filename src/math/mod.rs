//! Small numerical building blocks shared by priors, constraints, samplers and metrics.

pub mod chi;
pub mod cosine_decay;
pub mod field;
pub mod gaussian;
pub mod gmm;
pub mod pca;
pub mod points;
pub mod rng;
pub mod shared_points;
pub mod sigmoid;
pub mod symmetric_eigen;
pub mod time_embedding;
pub mod time_grid;

pub use gaussian::{log_mean_exp, log_normal_iso, log_sum_exp};
pub use gmm::IsoGmm;
pub use points::Points;
