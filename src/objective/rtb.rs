//! Relative trajectory balance: L = mean_τ (log Z + Δlog(τ) − β·log r(x_T))², with log Z a
//! learned scalar on its own (larger) learning rate; and its log-Z-free variant VarGrad, which
//! puts the batch mean of β·log r − Δlog in place of log Z.

use burn::tensor::{Device, Tensor, TensorData};

/// The learned log Z: one number with its own Adam state, kept on the host because its
/// gradient 2·mean(residual) is known in closed form.
#[derive(Clone, Debug, PartialEq)]
pub struct LearnedLogZ {
    pub value: f64,
    lr: f64,
    m: f64,
    v: f64,
    t: i32,
}

impl LearnedLogZ {
    pub fn new(value: f64, lr: f64) -> Self {
        Self {
            value,
            lr,
            m: 0.0,
            v: 0.0,
            t: 0,
        }
    }

    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// One Adam step (β₁ = 0.9, β₂ = 0.999) with gradient `grad`.
    pub fn step(&mut self, grad: f64) {
        self.t += 1;
        self.m = 0.9 * self.m + 0.1 * grad;
        self.v = 0.999 * self.v + 0.001 * grad * grad;
        let m_hat = self.m / (1.0 - 0.9f64.powi(self.t));
        let v_hat = self.v / (1.0 - 0.999f64.powi(self.t));
        self.value -= self.lr * m_hat / (v_hat.sqrt() + 1e-8);
    }
}

/// A constant (untracked) tensor of `values`, as f32.
pub(super) fn constant(values: &[f64], device: &Device) -> Tensor<1> {
    let data: Vec<f32> = values.iter().map(|&v| v as f32).collect();
    Tensor::from_data(TensorData::new(data, [values.len()]), device)
}

/// The RTB loss for Δlog (tracked) and targets β·log r (constants).
pub fn rtb_loss(delta_log: Tensor<1>, log_z: f64, beta_log_r: &[f64]) -> Tensor<1> {
    let offset: Vec<f64> = beta_log_r.iter().map(|t| log_z - t).collect();
    let device = delta_log.device();
    (delta_log + constant(&offset, &device))
        .powi_scalar(2)
        .mean()
}

/// The log importance weights β·log r(x_T) − Δlog(τ) of trajectories against the target;
/// their mean is VarGrad's estimate of log Z, their log-mean-exp the importance-weighted one.
pub fn log_weights(beta_log_r: &[f64], delta_log: &[f64]) -> Vec<f64> {
    beta_log_r
        .iter()
        .zip(delta_log)
        .map(|(t, d)| t - d)
        .collect()
}

/// The VarGrad loss: the variance of β·log r − Δlog over the batch, with the mean estimated
/// from `delta_log_values` (the same Δlog, read back).
pub fn var_grad_loss(
    delta_log: Tensor<1>,
    delta_log_values: &[f64],
    beta_log_r: &[f64],
) -> (Tensor<1>, f64) {
    let n = beta_log_r.len().max(1) as f64;
    let log_z_hat = log_weights(beta_log_r, delta_log_values)
        .iter()
        .sum::<f64>()
        / n;
    (rtb_loss(delta_log, log_z_hat, beta_log_r), log_z_hat)
}

/// The RTB loss value and its gradient with respect to log Z, from read-back values.
pub fn rtb_value_and_log_z_grad(delta_log: &[f64], log_z: f64, beta_log_r: &[f64]) -> (f64, f64) {
    let n = beta_log_r.len().max(1) as f64;
    let residuals = delta_log.iter().zip(beta_log_r).map(|(d, t)| log_z + d - t);
    let (sum_sq, sum) = residuals.fold((0.0, 0.0), |(sq, s), r| (sq + r * r, s + r));
    (sum_sq / n, 2.0 * sum / n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_z_converges_to_the_mean_residual() {
        // With Δlog = 0 the loss is minimised at log Z = mean(β log r).
        let targets = [1.0, 2.0, 4.5];
        let mut log_z = LearnedLogZ::new(0.0, 0.05);
        for _ in 0..2000 {
            let (_, grad) = rtb_value_and_log_z_grad(&[0.0; 3], log_z.value, &targets);
            log_z.step(grad);
        }
        assert!((log_z.value - 2.5).abs() < 1e-3, "{}", log_z.value);
    }
}
