//! Constraints seen through a generator prior x = f(z).
//!
//! * [`ThroughGenerator`]: the noise-space reward log r(f(z)). Under the Brownian reference with
//!   σ = 1 (z_T ~ N(0, I)) the posterior of z is N(z)·r(f(z))^β, whose push-forward by f is the
//!   data-space posterior p(x)·r(x)^β.
//! * [`WithPriorDensity`]: the data-space target of a prior with a tractable density (a flow),
//!   for a sampler in x with a Brownian reference N(0, σ²I):
//!   log r̃(x) = (log p(x) − log N(x; 0, σ²I))/β + log r(x), so that β·log r̃ is the log ratio of
//!   p(x)·r(x)^β to the reference's terminal density, whatever β is.

use std::sync::Arc;

use super::Constraint;
use crate::math::Points;
use crate::math::gaussian::log_normal_centered;
use crate::prior::generator::Generator;

fn one_row(x: &[f32]) -> Points {
    Points::from_rows(x.len(), [x])
}

/// log r at one point through the batch path: the batch call is where the generator runs.
fn single_log_r(constraint: &dyn Constraint, x: &[f32]) -> f64 {
    constraint.log_r_batch(&one_row(x))[0]
}

fn single_grad_log_r(constraint: &dyn Constraint, x: &[f32], grad: &mut [f64]) {
    let g = constraint.grad_log_r_batch(&one_row(x));
    for (out, &v) in grad.iter_mut().zip(g.row(0)) {
        *out = v as f64;
    }
}

/// The methods every wrapper here shares: single points go through the batch path (where
/// the generator runs), and what the wrapped constraint holds (its classifier, its
/// observation, its files) is the wrapper's too.
macro_rules! wrapper_methods {
    () => {
        fn log_r(&self, x: &[f32]) -> f64 {
            single_log_r(self, x)
        }

        fn grad_log_r(&self, x: &[f32], grad: &mut [f64]) {
            single_grad_log_r(self, x, grad)
        }

        fn image_classifier(&self) -> Option<Arc<crate::images::Classifier>> {
            self.inner.image_classifier()
        }

        fn inpainting(&self) -> Option<&super::inpaint::Inpainting> {
            self.inner.inpainting()
        }

        fn save_assets(
            &self,
            dir: &std::path::Path,
            config: &mut super::ConstraintConfig,
        ) -> crate::error::Result<()> {
            self.inner.save_assets(dir, config)
        }
    };
}

pub struct ThroughGenerator {
    pub generator: Arc<dyn Generator>,
    pub inner: Arc<dyn Constraint>,
}

impl Constraint for ThroughGenerator {
    fn dim(&self) -> usize {
        self.generator.noise_dim()
    }

    wrapper_methods!();

    fn has_gradient(&self) -> bool {
        self.inner.has_gradient() && self.generator.differentiable()
    }

    fn describe(&self) -> String {
        format!(
            "{} through f = {}",
            self.inner.describe(),
            self.generator.describe()
        )
    }

    fn log_r_batch(&self, z: &Points) -> Vec<f64> {
        self.inner.log_r_batch(&self.generator.generate(z))
    }

    fn grad_log_r_batch(&self, z: &Points) -> Points {
        self.generator
            .pullback(z, &|x| self.inner.grad_log_r_batch(x))
            .unwrap_or_else(|| Points::zeros(z.len(), z.dim()))
    }
}

pub struct WithPriorDensity {
    pub prior: Arc<dyn Generator>,
    pub inner: Arc<dyn Constraint>,
    /// σ² of the Brownian reference's terminal N(0, σ²I).
    pub reference_variance: f64,
    pub beta: f64,
}

impl Constraint for WithPriorDensity {
    fn dim(&self) -> usize {
        self.prior.data_dim()
    }

    wrapper_methods!();

    fn has_gradient(&self) -> bool {
        self.inner.has_gradient() && self.prior.differentiable()
    }

    fn describe(&self) -> String {
        format!(
            "{} under the density of {}",
            self.inner.describe(),
            self.prior.describe()
        )
    }

    fn log_r_batch(&self, x: &Points) -> Vec<f64> {
        let inner = self.inner.log_r_batch(x);
        let Some(log_p) = self.prior.log_density(x) else {
            return vec![f64::NEG_INFINITY; x.len()];
        };
        x.rows()
            .zip(inner.iter().zip(&log_p))
            .map(|(row, (lr, lp))| {
                (lp - log_normal_centered(row, self.reference_variance)) / self.beta + lr
            })
            .collect()
    }

    fn grad_log_r_batch(&self, x: &Points) -> Points {
        let mut out = self.inner.grad_log_r_batch(x);
        let Some(grad_p) = self.prior.grad_log_density(x) else {
            return out;
        };
        let inv_var = 1.0 / self.reference_variance as f32;
        let inv_beta = 1.0 / self.beta as f32;
        for ((o, &gp), &xv) in out
            .as_mut_slice()
            .iter_mut()
            .zip(grad_p.as_slice())
            .zip(x.as_slice())
        {
            *o += (gp + xv * inv_var) * inv_beta;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::test_support::assert_gradient_matches;
    use crate::constraint::{GaussianObservation, gaussian_obs::GaussianObsConfig};
    use crate::prior::flow::random_flow;
    use crate::prior::generator::FlowGenerator;
    use burn::tensor::Device;

    fn parts() -> (Arc<dyn Generator>, Arc<dyn Constraint>) {
        let device = Device::flex();
        let generator = FlowGenerator {
            flow: random_flow(&device),
            device,
        };
        let inner = GaussianObservation::new(&GaussianObsConfig {
            y: vec![1.5],
            a: Some(vec![vec![1.0, 0.5]]),
            noise_std: 1.0,
        })
        .unwrap();
        (Arc::new(generator), Arc::new(inner))
    }

    #[test]
    fn noise_space_reward_is_the_reward_of_the_image() {
        let (generator, inner) = parts();
        let through = ThroughGenerator {
            generator: generator.clone(),
            inner: inner.clone(),
        };
        let z = [0.4f32, -0.2];
        let x = generator.generate(&Points::from_rows(2, [z]));
        assert_eq!(through.log_r(&z), inner.log_r(x.row(0)));
        assert_gradient_matches(&through, &z);
    }

    #[test]
    fn data_space_target_adds_the_prior_density_for_any_beta() {
        let (generator, inner) = parts();
        let beta = 2.5;
        let target = WithPriorDensity {
            prior: generator.clone(),
            inner: inner.clone(),
            reference_variance: 4.0,
            beta,
        };
        let x = [1.0f32, -2.5];
        let log_p = generator.log_density(&Points::from_rows(2, [x])).unwrap()[0];
        let expected = log_p - log_normal_centered(&x, 4.0) + beta * inner.log_r(&x);
        assert!((beta * target.log_r(&x) - expected).abs() < 1e-9);
        assert_gradient_matches(&target, &x);
    }
}
