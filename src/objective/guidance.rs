//! Training-free baselines that add a guidance term to the reference drift. Both are biased:
//! the exact control is σ²∇log h_t with h_t(x) = E[r(x_T)^β | x_t = x], which they replace by
//! an approximation.
//!
//! * classifier guidance: σ²·s·β·∇log r(x_k), as if x_k were already the end point;
//! * DPS: σ²·s·β·∇_x log r(x̂_T(x_k)), with x̂_T = D(x_k, t_k) the prior's one-step estimate
//!   (x̂_T = x_k for a Brownian reference), differentiated through the denoiser.

use burn::tensor::{Device, Tensor};

use crate::constraint::Constraint;
use crate::nn::{points_to_tensor, tensor_to_points};
use crate::prior::ReferenceProcess;
use crate::sampler::trajectory::Guide;

/// Classifier guidance at the current state.
pub struct ClassifierGuidance<'a> {
    pub constraint: &'a dyn Constraint,
    pub beta: f64,
    pub scale: f64,
    pub sigma: f64,
    pub device: Device,
}

impl Guide for ClassifierGuidance<'_> {
    fn control(&self, x: &Tensor<2>, _k: usize, _t: f32) -> Tensor<2> {
        let grad = self
            .constraint
            .grad_log_r_batch(&tensor_to_points(x.clone()));
        let coef = (self.sigma * self.sigma * self.scale * self.beta) as f32;
        points_to_tensor(&grad, &self.device) * coef
    }
}

/// Diffusion posterior sampling: guidance through the one-step estimate of x_T.
pub struct PosteriorSamplingGuidance<'a> {
    pub reference: &'a ReferenceProcess,
    /// The reference's time embeddings on this grid (diffusion priors only).
    pub reference_time: Option<&'a Tensor<2>>,
    pub constraint: &'a dyn Constraint,
    pub beta: f64,
    pub scale: f64,
    pub device: Device,
}

impl Guide for PosteriorSamplingGuidance<'_> {
    fn control(&self, x: &Tensor<2>, k: usize, t: f32) -> Tensor<2> {
        let sigma = self.reference.sigma();
        let coef = (sigma * sigma * self.scale * self.beta) as f32;
        let (ReferenceProcess::Diffusion(prior), Some(time)) =
            (self.reference, self.reference_time)
        else {
            // Without a drift, E[x_T | x_t] = x_t: DPS is classifier guidance.
            let grad = self
                .constraint
                .grad_log_r_batch(&tensor_to_points(x.clone()));
            return points_to_tensor(&grad, &self.device) * coef;
        };
        // A vector-Jacobian product: ∇_x [x̂(x)·g] with g = ∇log r(x̂) held constant.
        let [_, width] = time.dims();
        let tracked = x.clone().autodiff().require_grad();
        let estimate = prior.denoise(
            tracked.clone(),
            time.clone().slice([k..k + 1, 0..width]),
            t as f64,
        );
        let at = tensor_to_points(estimate.clone().inner());
        let g = points_to_tensor(&self.constraint.grad_log_r_batch(&at), &self.device);
        let grads = (estimate * g).sum().backward();
        match tracked.grad(&grads) {
            Some(grad) => grad.inner() * coef,
            None => Tensor::zeros(x.dims(), &self.device),
        }
    }
}
