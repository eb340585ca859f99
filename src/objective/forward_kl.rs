//! The forward direction KL(P*‖Q_θ) over trajectories, estimated with self-normalised
//! importance weights on an on-policy batch: log w_i = β·log r(x_T) − Δlog(τ_i), w̄ = w/Σw,
//! and the gradient −Σ_i (w̄_i − 1/B)·∇log q_θ(τ_i) (the 1/B is a baseline: E_q[∇log q] = 0).
//!
//! RTB and VarGrad descend the reverse KL, whose gradient weighs each trajectory by its log w:
//! a region where the sampler's spread is too narrow (the funnel's mouth, where x₁…x₉ scale with
//! e^{x₀/2}) gets few samples and little pull. The forward gradient weighs them by w itself,
//! which is largest exactly there. The weights are importance weights only for trajectories
//! drawn from q_θ itself, so the term is applied to on-policy batches without exploration.

use burn::tensor::Tensor;

use super::rtb::{constant, log_weights};
use super::settings::{ObjectiveKind, TrainConfig};

/// The per-trajectory coefficients w̄_i − 1/B of the forward gradient, from the log-weights
/// β·log r − Δlog. Empty or non-finite log-weights give no coefficients.
pub fn forward_coefficients(log_w: &[f64]) -> Option<Vec<f64>> {
    let max = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if log_w.is_empty() || !max.is_finite() || log_w.iter().any(|l| l.is_nan()) {
        return None;
    }
    let w: Vec<f64> = log_w.iter().map(|l| (l - max).exp()).collect();
    let total: f64 = w.iter().sum();
    let uniform = 1.0 / log_w.len() as f64;
    Some(w.iter().map(|w| w / total - uniform).collect())
}

/// −λ·Σ_i c_i·Δlog(τ_i) for coefficients c (constants) and Δlog tracked for gradients: its
/// gradient is λ times the forward KL's estimated gradient.
pub fn forward_kl_loss(delta_log: Tensor<1>, coefficients: &[f64], weight: f64) -> Tensor<1> {
    let c: Vec<f64> = coefficients.iter().map(|&c| -weight * c).collect();
    let c = constant(&c, &delta_log.device());
    (delta_log * c).sum()
}

/// `train.forward_weight` × the forward KL's surrogate, for RTB and VarGrad on an on-policy
/// batch (its log-weights β·log r − Δlog are importance weights only then); `None` otherwise,
/// or when the weights are not finite.
pub fn forward_term(
    train: &TrainConfig,
    on_policy: bool,
    delta_log_tracked: Tensor<1>,
    delta_log: &[f64],
    beta_log_r: &[f64],
) -> Option<Tensor<1>> {
    let weight = train.forward_weight;
    let objective = matches!(train.objective, ObjectiveKind::Rtb | ObjectiveKind::VarGrad);
    if weight == 0.0 || !on_policy || !objective {
        return None;
    }
    let log_w = log_weights(beta_log_r, delta_log);
    let coefficients = forward_coefficients(&log_w)?;
    Some(forward_kl_loss(delta_log_tracked, &coefficients, weight))
}

/// λ·mean(−Δlog(τ_i)) over backward trajectories from known states: with the reference fixed,
/// its gradient is −λ·mean ∇log q_θ(τ_i), the forward KL's when the states are target samples.
/// No log-weight enters, so states far outside the sampler's reach pull it there without
/// moving any other trajectory's residual.
pub fn known_likelihood_loss(delta_log: Tensor<1>, weight: f64) -> Tensor<1> {
    delta_log.mean() * (-weight as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    #[test]
    fn equal_weights_give_no_pull() {
        let c = forward_coefficients(&[1.5; 4]).unwrap();
        assert!(c.iter().all(|c| c.abs() < 1e-12), "{c:?}");
    }

    #[test]
    fn the_under_sampled_trajectory_is_pulled_up_the_others_down() {
        // One trajectory whose target density is e² times what the sampler gives it.
        let c = forward_coefficients(&[0.0, 0.0, 0.0, 2.0]).unwrap();
        assert!(c[3] > 0.4 && c[0] < 0.0, "{c:?}");
        assert!(
            c.iter().sum::<f64>().abs() < 1e-12,
            "the coefficients sum to zero"
        );
        let e2 = 2f64.exp();
        assert!((c[3] - (e2 / (3.0 + e2) - 0.25)).abs() < 1e-12);
        // A shift of every log-weight (log Z) changes nothing.
        let shifted = forward_coefficients(&[700.0, 700.0, 700.0, 702.0]).unwrap();
        assert!(c.iter().zip(&shifted).all(|(a, b)| (a - b).abs() < 1e-12));
    }

    #[test]
    fn non_finite_weights_give_none() {
        assert!(forward_coefficients(&[]).is_none());
        assert!(forward_coefficients(&[0.0, f64::NAN]).is_none());
        assert!(forward_coefficients(&[f64::NEG_INFINITY; 2]).is_none());
    }

    #[test]
    fn the_loss_gradient_is_minus_weight_times_coefficients() {
        let device = crate::backend::ComputeDevice::cpu().autodiff();
        let x = Tensor::<1>::from_data(TensorData::new(vec![0.3f32, -1.0, 2.0], [3]), &device)
            .require_grad();
        let loss = forward_kl_loss(x.clone(), &[0.5, -0.25, -0.25], 2.0);
        let grads = loss.backward();
        let g = x
            .grad(&grads)
            .unwrap()
            .into_data()
            .try_into_vec::<f32>()
            .unwrap();
        assert_eq!(g, vec![-1.0, 0.5, 0.5]);
    }

    #[test]
    fn the_likelihood_of_known_states_raises_each_log_density_equally() {
        let device = crate::backend::ComputeDevice::cpu().autodiff();
        let x = Tensor::<1>::from_data(TensorData::new(vec![-40.0f32, 2.0], [2]), &device)
            .require_grad();
        let loss = known_likelihood_loss(x.clone(), 3.0);
        let value = loss.clone().into_scalar::<f32>();
        assert!((value - 57.0).abs() < 1e-4, "{value}");
        let g = x.grad(&loss.backward()).unwrap().into_data();
        assert_eq!(g.try_into_vec::<f32>().unwrap(), vec![-1.5, -1.5]);
    }
}
