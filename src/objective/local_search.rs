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

/// log π, log r and ∇ log π of a batch of points.
pub struct Evaluated {
    pub log_pi: Vec<f64>,
    pub log_r: Vec<f64>,
    pub grad: Points,
}

impl Target<'_> {
    /// log π(x) = log p_ref(x) + β·log r(x) with its gradient, for every row at once (a
    /// constraint seen through a generator evaluates it in one batch); `None` when the
    /// reference density is not tractable.
    pub fn evaluate(&self, x: &Points) -> Option<Evaluated> {
        let dim = x.dim();
        let log_r = self.constraint.log_r_batch(x);
        let mut grad = self.constraint.grad_log_r_batch(x);
        let mut log_pi = Vec::with_capacity(x.len());
        let mut ref_grad = vec![0.0; dim];
        for (i, row) in x.rows().enumerate() {
            let log_ref = self.reference.terminal_log_density(row)?;
            self.reference.terminal_grad_log_density(row, &mut ref_grad);
            for (g, r) in grad.row_mut(i).iter_mut().zip(&ref_grad) {
                *g = (self.beta * *g as f64 + r) as f32;
            }
            log_pi.push(log_ref + self.beta * log_r[i]);
        }
        Some(Evaluated {
            log_pi,
            log_r,
            grad,
        })
    }
}

/// The Metropolis test: accept with probability min(1, e^{log α}).
pub(crate) fn metropolis(log_alpha: f64, rng: &mut Rng) -> bool {
    log_alpha.is_finite() && rng.random::<f64>().ln() < log_alpha
}

/// Moves chain `c` to its proposal: state, gradient, log π and log r.
pub(crate) fn take_row(
    c: usize,
    x: &mut Points,
    current: &mut Evaluated,
    y: &Points,
    proposal: &Evaluated,
) {
    x.row_mut(c).copy_from_slice(y.row(c));
    current
        .grad
        .row_mut(c)
        .copy_from_slice(proposal.grad.row(c));
    current.log_pi[c] = proposal.log_pi[c];
    current.log_r[c] = proposal.log_r[c];
}

/// Multiplicative adaptation of a step size towards the target acceptance rate.
pub(crate) fn adapt_step_size(step: f64, rate: f64, target: f64) -> f64 {
    (step * if rate > target { 1.1 } else { 0.9 }).clamp(1e-6, 10.0)
}

/// Adaptive MALA state kept between runs.
#[derive(Clone, Debug)]
pub struct LocalSearch {
    pub step_size: f64,
    pub target_acceptance: f64,
    pub last_acceptance: f64,
    /// The step size adapts during the first this many steps of a run and is frozen after,
    /// so that the chain is an exact MALA sampler from then on (adaptation that never stops
    /// breaks detailed balance).
    pub adapt_steps: usize,
}

impl LocalSearch {
    /// A local search whose step size adapts throughout (it only finds states for the replay
    /// buffer, it need not be exact).
    pub fn new(step_size: f64, target_acceptance: f64) -> Self {
        Self {
            step_size,
            target_acceptance,
            last_acceptance: f64::NAN,
            adapt_steps: usize::MAX,
        }
    }

    /// A MALA sampler that adapts its step size during `burn_in` steps, then freezes it.
    pub fn with_burn_in(mut self, burn_in: usize) -> Self {
        self.adapt_steps = burn_in;
        self
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
        let n = start.len();
        let mut x = start.clone();
        let mut current = target.evaluate(&x)?;
        let mut accepted = 0usize;
        let mut proposed = 0usize;
        for step in 0..steps {
            let h = self.step_size;
            let noise = standard_normal(rng, n * dim);
            // y = x + h∇log π(x) + √(2h)·ξ, all chains at once.
            let mut y = x.clone();
            for ((v, g), e) in y
                .as_mut_slice()
                .iter_mut()
                .zip(current.grad.as_slice())
                .zip(&noise)
            {
                *v = (*v as f64 + h * *g as f64 + (2.0 * h).sqrt() * *e as f64) as f32;
            }
            let proposal = target.evaluate(&y)?;
            // log q(to | from) of the Langevin proposal, up to a constant.
            let log_q = |from: &[f32], from_grad: &[f32], to: &[f32]| -> f64 {
                -(0..dim)
                    .map(|j| {
                        let d = to[j] as f64 - from[j] as f64 - h * from_grad[j] as f64;
                        d * d
                    })
                    .sum::<f64>()
                    / (4.0 * h)
            };
            let mut step_accepted = 0usize;
            for c in 0..n {
                let log_alpha = proposal.log_pi[c] - current.log_pi[c]
                    + log_q(y.row(c), proposal.grad.row(c), x.row(c))
                    - log_q(x.row(c), current.grad.row(c), y.row(c));
                proposed += 1;
                if metropolis(log_alpha, rng) {
                    take_row(c, &mut x, &mut current, &y, &proposal);
                    accepted += 1;
                    step_accepted += 1;
                }
            }
            if step < self.adapt_steps {
                self.step_size = adapt_step_size(
                    self.step_size,
                    step_accepted as f64 / n.max(1) as f64,
                    self.target_acceptance,
                );
            }
        }
        self.last_acceptance = accepted as f64 / proposed.max(1) as f64;
        Some((x, current.log_r, current.log_pi))
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
        let mut search = LocalSearch::new(0.1, 0.574).with_burn_in(150);
        let (end, _, _) = search.run(&start, &target, 300, &mut seeded(2)).unwrap();
        // Stopped at the end of the burn-in, the same chains have the same step size.
        let mut burn_in_only = LocalSearch::new(0.1, 0.574).with_burn_in(150);
        burn_in_only
            .run(&start, &target, 150, &mut seeded(2))
            .unwrap();
        assert_eq!(search.step_size, burn_in_only.step_size);
        assert_ne!(
            search.step_size, 0.1,
            "the step size adapted during the burn-in"
        );
        let mean = end.mean()[0];
        let var = end.covariance()[0];
        assert!((mean - 1.0).abs() < 0.06, "mean {mean}");
        assert!((var - 0.5).abs() < 0.06, "variance {var}");
    }
}
