//! The loss of one iteration: Δlog(τ) tracked for gradients (over all steps or a random
//! subset), the objective's loss on it, and the terms added beside it.

use burn::module::Module;
use burn::tensor::Tensor;

use super::config::ObjectiveKind;
use super::trainer::Trainer;
use crate::error::{Error, Result};
use crate::math::gaussian::log_mean_exp;
use crate::nn::tensor_to_vec;
use crate::objective::forward_kl::{forward_term, known_likelihood_loss};
use crate::objective::log_ratio;
use crate::objective::policy_gradient::policy_gradient_loss;
use crate::objective::rtb::{log_weights, rtb_loss, rtb_value_and_log_z_grad, var_grad_loss};
use crate::sampler::trajectory::Trajectories;

impl Trainer {
    /// Time steps to differentiate this iteration: all (`None`), or `gradient_steps` of them
    /// drawn without replacement.
    fn gradient_step_subset(&mut self) -> Option<Vec<usize>> {
        let total = self.config.sampler.steps;
        let k = self.config.train.gradient_steps;
        if k == 0 || k >= total {
            return None;
        }
        let mut steps = rand::seq::index::sample(&mut self.rng, total, k).into_vec();
        steps.sort_unstable();
        Some(steps)
    }

    /// Δlog(τ) tracked for gradients, with its exact values. Over a subset of steps, the
    /// tracked value is exact + (T/K)·(partial − stop_gradient(partial)): the right value with
    /// the subset's unbiased gradient.
    fn tracked_log_ratio(
        &mut self,
        trajectories: &Trajectories,
        exact: Option<Vec<f64>>,
        sigma: f64,
    ) -> (Tensor<1>, Tensor<1>, Vec<f64>) {
        let Some(steps) = self.gradient_step_subset() else {
            let time = self.sampler.time(self.features_tracked.clone());
            let ratio = log_ratio(&self.sampler, &time, trajectories, &self.grid, sigma, None);
            let values = tensor_to_vec(ratio.delta_log.clone().detach().inner());
            return (ratio.delta_log, ratio.kl, values);
        };
        let exact = exact.unwrap_or_else(|| {
            let net = self.sampler.valid();
            let time = net.time(self.features.clone());
            tensor_to_vec(log_ratio(&net, &time, trajectories, &self.grid, sigma, None).delta_log)
        });
        let device = self.features_tracked.device();
        let indices: Vec<i32> = steps.iter().map(|&k| k as i32).collect();
        let indices = Tensor::<1, burn::tensor::Int>::from_data(
            burn::tensor::TensorData::new(indices, [steps.len()]),
            &device,
        );
        let features = self.features_tracked.clone().select(0, indices);
        let time = self.sampler.time_of_steps(features, Some(&steps));
        let partial = log_ratio(
            &self.sampler,
            &time,
            trajectories,
            &self.grid,
            sigma,
            Some(&steps),
        );
        let scale = self.config.sampler.steps as f32 / steps.len() as f32;
        let exact_tensor = Tensor::<1>::from_data(
            burn::tensor::TensorData::new(
                exact.iter().map(|&v| v as f32).collect::<Vec<_>>(),
                [exact.len()],
            ),
            &device,
        );
        let fluctuation = (partial.delta_log.clone() - partial.delta_log.detach()) * scale;
        (exact_tensor + fluctuation, partial.kl * scale, exact)
    }

    /// The loss (tracked), its value, and the gradient for the learned log Z. The last
    /// `likelihood_rows` trajectories (from known states) are fitted by likelihood
    /// (`train.buffer.known_likelihood`) and left out of the objective.
    pub(super) fn loss(
        &mut self,
        trajectories: &Trajectories,
        exact: Option<Vec<f64>>,
        target: &[f64],
        sigma: f64,
        on_policy: bool,
        likelihood_rows: usize,
    ) -> Result<(Tensor<1>, f64, Option<f64>)> {
        let (delta_log_tracked, kl, delta_log) = self.tracked_log_ratio(trajectories, exact, sigma);
        let rows = delta_log.len();
        // Known states are rows of this batch, never more than it.
        debug_assert!(likelihood_rows <= rows, "{likelihood_rows} > {rows}");
        let likelihood_rows = likelihood_rows.min(rows);
        if likelihood_rows == 0 {
            return self.objective_loss(delta_log_tracked, kl, &delta_log, target, on_policy);
        }
        let kept = rows - likelihood_rows;
        let weight = self.config.train.buffer.known_likelihood;
        let term = known_likelihood_loss(delta_log_tracked.clone().slice(kept..rows), weight);
        let term_value = -weight * delta_log[kept..].iter().sum::<f64>() / likelihood_rows as f64;
        if kept == 0 {
            return Ok((term, term_value, None));
        }
        let (loss, value, log_z_grad) = self.objective_loss(
            delta_log_tracked.slice(0..kept),
            kl.slice(0..kept),
            &delta_log[..kept],
            &target[..kept],
            on_policy,
        )?;
        Ok((loss + term, value + term_value, log_z_grad))
    }

    /// The objective's loss on a batch of trajectories, with the forward KL beside it.
    fn objective_loss(
        &mut self,
        delta_log_tracked: Tensor<1>,
        kl: Tensor<1>,
        delta_log: &[f64],
        target: &[f64],
        on_policy: bool,
    ) -> Result<(Tensor<1>, f64, Option<f64>)> {
        let forward = forward_term(
            &self.config.train,
            on_policy,
            delta_log_tracked.clone(),
            delta_log,
            target,
        );
        let (loss, value, log_z_grad) = match self.config.train.objective {
            ObjectiveKind::Rtb => {
                if self.config.train.log_z_warm_start && self.iteration == 0 {
                    let estimate = log_mean_exp(&log_weights(target, delta_log));
                    if estimate.is_finite() {
                        self.log_z.value = estimate;
                    }
                }
                let (value, grad) = rtb_value_and_log_z_grad(delta_log, self.log_z.value, target);
                (
                    rtb_loss(delta_log_tracked, self.log_z.value, target),
                    value,
                    Some(grad),
                )
            }
            ObjectiveKind::VarGrad => {
                let (loss, log_z_hat) = var_grad_loss(delta_log_tracked, delta_log, target);
                self.log_z_estimate = Some(log_z_hat);
                let (value, _) = rtb_value_and_log_z_grad(delta_log, log_z_hat, target);
                (loss, value, None)
            }
            ObjectiveKind::KlPolicyGradient => {
                let loss = policy_gradient_loss(
                    delta_log_tracked,
                    kl,
                    target,
                    self.config.train.kl_weight,
                );
                let value = loss.clone().detach().inner().into_scalar::<f32>() as f64;
                (loss, value, None)
            }
            other => {
                return Err(Error::Unsupported(format!(
                    "`{}` has no training loss",
                    other.name()
                )));
            }
        };
        let loss = match forward {
            Some(forward) => loss + forward,
            None => loss,
        };
        Ok((loss, value, log_z_grad))
    }
}
