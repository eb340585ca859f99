//! The trajectory log-ratio of sampler to reference, with gradients for θ.
//!
//! Both transitions are Gaussians with the same σ, so with e = x_{k+1} − x_k − u·Δ_k (the
//! increment the reference does not explain) each step contributes
//! δ_k = log q − log p_ref = (e·v − ½Δ_k‖v‖²)/σ²: the normalising constants cancel and no large
//! terms are subtracted, which keeps float32 accurate.
//!
//! States are data here (no gradient flows through them), so the same function serves
//! on-policy trajectories and backward-process trajectories from a replay buffer.
//!
//! With `steps`, only those time steps are differentiated: Δlog's value stays exact (it is
//! passed in), and its gradient is the unbiased estimate (T/K)·Σ_{k∈S} ∇δ_k, which costs K/T
//! of the full backward pass.

use burn::tensor::{Int, Tensor, TensorData};

use crate::math::time_grid::TimeGrid;
use crate::sampler::trajectory::Trajectories;
use crate::sampler::{SamplerNet, SamplerTime};

/// Per-trajectory sums (B each), tracked for gradients.
pub struct LogRatio {
    /// Δlog(τ).
    pub delta_log: Tensor<1>,
    /// Σ_k KL(q(·|x_k) ‖ p_ref(·|x_k)) = Σ_k ½Δ‖v_k‖²/σ², DPOK's regulariser (with equal
    /// variances; the policy gradient refuses a learned variance).
    pub kl: Tensor<1>,
}

/// Rows k·B … (k+1)·B − 1 of a time-major tensor for each k in `steps`, as (K·B) × d.
fn select_steps(
    tensor: Tensor<2>,
    steps: &Tensor<1, Int>,
    total: usize,
    batch: usize,
) -> Tensor<2> {
    let [rows, dim] = tensor.dims();
    debug_assert_eq!(rows, total * batch);
    let [count] = steps.dims();
    tensor
        .reshape([total, batch, dim])
        .select(0, steps.clone())
        .reshape([count * batch, dim])
}

/// δ summed per trajectory over all steps, or over `steps` only (see the module notes).
/// `time` must be the sampler's time embeddings of the same steps. Panics if the
/// trajectories were simulated without keeping states, which is a programming error.
pub fn log_ratio(
    net: &SamplerNet,
    time: &SamplerTime,
    trajectories: &Trajectories,
    grid: &TimeGrid,
    sigma: f64,
    steps: Option<&[usize]>,
) -> LogRatio {
    let states = trajectories
        .states
        .clone()
        .expect("training needs trajectories with their states");
    let (total, batch) = (trajectories.steps, trajectories.batch);
    let [_, dim] = states.dims();
    let rows = total * batch;
    let mut x = states.clone().slice([0..rows, 0..dim]);
    let mut next = states.slice([batch..rows + batch, 0..dim]);
    let mut reference_drift = trajectories.reference_drift.clone();
    let mut langevin_grad = trajectories.langevin_grad.clone();
    let mut count = total;
    let all: Vec<usize> = (0..total).collect();
    let chosen = steps.unwrap_or(&all);
    if let Some(steps) = steps {
        let indices: Vec<i32> = steps.iter().map(|&k| k as i32).collect();
        let indices =
            Tensor::<1, Int>::from_data(TensorData::new(indices, [steps.len()]), &x.device());
        let pick = |t: Tensor<2>| select_steps(t, &indices, total, batch);
        x = pick(x);
        next = pick(next);
        reference_drift = reference_drift.map(pick);
        langevin_grad = langevin_grad.map(pick);
        count = steps.len();
    }
    // Multiplies the B rows of each chosen step k by f(Δ_k).
    let device = x.device();
    let scale_rows = |t: Tensor<2>, f: &dyn Fn(f64) -> f64| -> Tensor<2> {
        let [_, width] = t.dims();
        let factors: Vec<f32> = chosen.iter().map(|&k| f(grid.dt(k)) as f32).collect();
        let factors = Tensor::<3>::from_data(TensorData::new(factors, [count, 1, 1]), &device);
        (t.reshape([count, batch, width]) * factors).reshape([count * batch, width])
    };
    let per_row = |t: Tensor<2>| scale_rows(t, &|dt| dt);
    let mut increment = next - x.clone();
    if let Some(u) = reference_drift {
        increment = increment - per_row(u);
    }
    let log_variance = net.log_variance_grid(x.clone(), time);
    let v = net.control_grid(x, time, langevin_grad);
    let inv_var = 1.0 / (sigma * sigma) as f32;
    let half_dt_squared = per_row(v.clone().powi_scalar(2).sum_dim(1)) * 0.5;
    let per_step = match log_variance {
        None => ((increment * v).sum_dim(1) - half_dt_squared.clone()) * inv_var,
        // With s² = σ²e^h: −½[Σ (e − vΔ)²e^{−h}/(σ²Δ) − Σ e²/(σ²Δ) + Σ h].
        Some(h) => {
            let unexplained = increment.clone() - per_row(v);
            let q = (unexplained.powi_scalar(2) * h.clone().neg().exp()).sum_dim(1);
            let p = increment.powi_scalar(2).sum_dim(1);
            (scale_rows(q - p, &|dt| 1.0 / dt) * inv_var + h.sum_dim(1)) * (-0.5)
        }
    };
    let per_trajectory = |t: Tensor<2>| t.reshape([count, batch]).sum_dim(0).reshape([batch]);
    LogRatio {
        delta_log: per_trajectory(per_step),
        kl: per_trajectory(half_dt_squared * inv_var),
    }
}
