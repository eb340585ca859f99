//! Local search: MALA chains started at replay-buffer states, targeting the posterior density
//! log π(x) = log p_ref(x_T) + β·log r(x) (tractable for a Brownian reference). The step size
//! adapts towards a target acceptance rate; the end states join the buffer.

use rand::Rng as _;

use crate::constraint::Constraint;
use crate::math::Points;
use crate::math::rng::{Rng, standard_normal};
use crate::prior::Reference;

/// The target log density and its gradient at a point.
pub struct Target<'a> {
    pub reference: &'a Reference,
    pub constraint: &'a dyn Constraint,
    pub beta: f64,
}

impl Target<'_> {
    /// (log π(x), log r(x)), with ∇ log π written into `grad`; `None` when the reference
    /// density is not tractable.
    pub fn evaluate(&self, x: &[f32], grad: &mut [f64]) -> Option<(f64, f64)> {
        let log_ref = self.reference.terminal_log_density(x)?;
        let mut ref_grad = vec![0.0; grad.len()];
        self.reference.terminal_grad_log_density(x, &mut ref_grad);
        self.constraint.grad_log_r(x, grad);
        for (g, r) in grad.iter_mut().zip(&ref_grad) {
            *g = self.beta * *g + r;
        }
        let log_r = self.constraint.log_r(x);
        Some((log_ref + self.beta * log_r, log_r))
    }
}

/// Adaptive MALA state kept between runs.
#[derive(Clone, Debug)]
pub struct LocalSearch {
    pub step_size: f64,
    pub target_acceptance: f64,
    pub last_acceptance: f64,
}

impl LocalSearch {
    pub fn new(step_size: f64, target_acceptance: f64) -> Self {
        Self {
            step_size,
            target_acceptance,
            last_acceptance: f64::NAN,
        }
    }

    /// Runs `steps` MALA steps from each of `start`; returns the end states with their
    /// log r and log π. The step size adapts between steps.
    pub fn run(
        &mut self,
        start: &Points,
        target: &Target<'_>,
        steps: usize,
        rng: &mut Rng,
    ) -> Option<(Points, Vec<f64>, Vec<f64>)> {
        let dim = start.dim();
        let mut x: Vec<Vec<f32>> = start.rows().map(<[f32]>::to_vec).collect();
        let mut grad = vec![vec![0.0; dim]; x.len()];
        let mut current: Vec<(f64, f64)> = Vec::with_capacity(x.len());
        for (xi, gi) in x.iter().zip(grad.iter_mut()) {
            current.push(target.evaluate(xi, gi)?);
        }
        let mut accepted = 0usize;
        let mut proposed = 0usize;
        let mut proposal_grad = vec![0.0; dim];
        for _ in 0..steps {
            let h = self.step_size;
            let mut step_accepted = 0usize;
            for c in 0..x.len() {
                let noise = standard_normal(rng, dim);
                // y = x + h∇log π(x) + √(2h)·ξ
                let y: Vec<f32> = (0..dim)
                    .map(|j| {
                        (x[c][j] as f64 + h * grad[c][j] + (2.0 * h).sqrt() * noise[j] as f64)
                            as f32
                    })
                    .collect();
                let Some((log_pi_y, log_r_y)) = target.evaluate(&y, &mut proposal_grad) else {
                    continue;
                };
                // log q(x|y) − log q(y|x) for the Langevin proposals.
                let log_q = |from: &[f32], from_grad: &[f64], to: &[f32]| -> f64 {
                    -(0..dim)
                        .map(|j| {
                            let d = to[j] as f64 - from[j] as f64 - h * from_grad[j];
                            d * d
                        })
                        .sum::<f64>()
                        / (4.0 * h)
                };
                let log_alpha = log_pi_y - current[c].0 + log_q(&y, &proposal_grad, &x[c])
                    - log_q(&x[c], &grad[c], &y);
                proposed += 1;
                if log_alpha.is_finite() && rng.random::<f64>().ln() < log_alpha {
                    x[c] = y;
                    grad[c].copy_from_slice(&proposal_grad);
                    current[c] = (log_pi_y, log_r_y);
                    accepted += 1;
                    step_accepted += 1;
                }
            }
            let rate = step_accepted as f64 / x.len().max(1) as f64;
            // Multiplicative adaptation towards the target acceptance rate.
            self.step_size *= if rate > self.target_acceptance {
                1.1
            } else {
                0.9
            };
            self.step_size = self.step_size.clamp(1e-6, 10.0);
        }
        self.last_acceptance = accepted as f64 / proposed.max(1) as f64;
        let end = Points::from_rows(dim, x.iter());
        let log_r = current.iter().map(|c| c.1).collect();
        let log_pi = current.iter().map(|c| c.0).collect();
        Some((end, log_r, log_pi))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::{GaussianObservation, gaussian_obs::GaussianObsConfig};
    use crate::math::rng::seeded;

    #[test]
    fn mala_chains_reach_the_gaussian_posterior() {
        // Reference N(0, 1), observation y = 2 with noise 1: posterior N(1, 1/2).
        let reference = Reference::Brownian { dim: 1, sigma: 1.0 };
        let constraint = GaussianObservation::new(&GaussianObsConfig {
            y: vec![2.0],
            a: None,
            noise_std: 1.0,
        })
        .unwrap();
        let target = Target {
            reference: &reference,
            constraint: &constraint,
            beta: 1.0,
        };
        let start = Points::new(1, vec![-3.0; 2000]).unwrap();
        let mut search = LocalSearch::new(0.1, 0.574);
        let (end, _, _) = search.run(&start, &target, 300, &mut seeded(2)).unwrap();
        let mean = end.mean()[0];
        let var = end.covariance()[0];
        assert!((mean - 1.0).abs() < 0.06, "mean {mean}");
        assert!((var - 0.5).abs() < 0.06, "variance {var}");
    }
}
