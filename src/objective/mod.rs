//! Objectives (DESIGN §3). All trained objectives share the trajectory log-ratio
//! Δlog(τ) = Σ_k log q_θ(x_{k+1}|x_k) − log p_ref(x_{k+1}|x_k); the training-free baselines
//! (guidance, DPS) and the off-policy machinery (exploration, replay, local search) live
//! beside them.

pub mod forward_kl;
pub mod gradient_clipping;
pub mod guidance;
pub mod hmc;
pub mod local_search;
pub mod log_ratio;
pub mod policy_gradient;
pub mod replay_buffer;
pub mod rtb;
pub mod schedules;
pub mod settings;

pub use log_ratio::{LogRatio, log_ratio};
pub use replay_buffer::ReplayBuffer;
pub use rtb::LearnedLogZ;
