//! The trajectory log-ratio of sampler to reference, with gradients for θ.
//!
//! Both transitions are Gaussians with the same σ, so with e = x_{k+1} − x_k − u·Δ (the
//! increment the reference does not explain) each step contributes
//! log q − log p_ref = (e·v − ½Δ‖v‖²)/σ²: the normalising constants cancel and no large
//! terms are subtracted, which keeps float32 accurate.
//!
//! States are data here (no gradient flows through them), so the same function serves
//! on-policy trajectories and backward-process trajectories from a replay buffer.

use burn::tensor::Tensor;

use crate::sampler::trajectory::Trajectories;
use crate::sampler::{SamplerNet, SamplerTime};

/// Per-trajectory sums (B each), tracked for gradients.
pub struct LogRatio {
    /// Δlog(τ).
    pub delta_log: Tensor<1>,
    /// Σ_k KL(q(·|x_k) ‖ p_ref(·|x_k)) = Σ_k ½Δ‖v_k‖²/σ², DPOK's regulariser.
    pub kl: Tensor<1>,
}

/// Δlog(τ) and the per-step KL sum for kept trajectories. Panics if the trajectories were
/// simulated without keeping states, which is a programming error.
pub fn log_ratio(
    net: &SamplerNet,
    time: &SamplerTime,
    trajectories: &Trajectories,
    sigma: f64,
) -> LogRatio {
    let states = trajectories
        .states
        .clone()
        .expect("training needs trajectories with their states");
    let (steps, batch) = (trajectories.steps, trajectories.batch);
    let [_, dim] = states.dims();
    let dt = 1.0 / steps as f32;
    let rows = steps * batch;
    let x = states.clone().slice([0..rows, 0..dim]);
    let next = states.slice([batch..rows + batch, 0..dim]);
    let mut increment = next - x.clone();
    if let Some(u) = &trajectories.reference_drift {
        increment = increment - u.clone() * dt;
    }
    let v = net.control_grid(x, time, trajectories.langevin_grad.clone());
    let inv_var = 1.0 / (sigma * sigma) as f32;
    let squared = v.clone().powi_scalar(2).sum_dim(1);
    let per_step = ((increment * v).sum_dim(1) - squared.clone() * (0.5 * dt)) * inv_var;
    let per_trajectory = |t: Tensor<2>| t.reshape([steps, batch]).sum_dim(0).reshape([batch]);
    LogRatio {
        delta_log: per_trajectory(per_step),
        kl: per_trajectory(squared * (0.5 * dt * inv_var)),
    }
}
