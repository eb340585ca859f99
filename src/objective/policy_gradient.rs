//! KL-regularised reward maximisation (DPOK-style): maximise E_q[β·log r(x_T)] − α·KL(q‖p_ref)
//! with a score-function gradient for the reward (batch-mean baseline) and the analytic
//! per-step KL of the Gaussian transitions as a regulariser at the visited states. Mode-seeking:
//! nothing pulls mass back into modes the policy has left.

use burn::tensor::{Tensor, TensorData};

/// −mean((R − b)·Δlog) + α·mean(KL) where R = β log r and b its batch mean. Δlog's gradient is
/// ∇ log q(τ) because the states are data.
pub fn policy_gradient_loss(
    delta_log: Tensor<1>,
    kl: Tensor<1>,
    beta_log_r: &[f64],
    kl_weight: f64,
) -> Tensor<1> {
    let n = beta_log_r.len().max(1) as f64;
    let baseline = beta_log_r.iter().sum::<f64>() / n;
    let advantage: Vec<f32> = beta_log_r.iter().map(|r| (r - baseline) as f32).collect();
    let device = delta_log.device();
    let advantage = Tensor::<1>::from_data(TensorData::new(advantage, [beta_log_r.len()]), &device);
    (delta_log * advantage).mean().neg() + kl.mean() * kl_weight
}
