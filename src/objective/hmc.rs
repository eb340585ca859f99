//! Hamiltonian Monte Carlo chains, all advanced at once: a fresh Gaussian momentum, `leapfrog`
//! steps of the Hamiltonian −log π(x) + ½|p|², then a Metropolis test per chain. The step
//! size adapts between transitions towards a target acceptance rate, as local search's MALA
//! does; the target is the same [`Target`] (log p_ref + β·log r with its gradient).

use super::local_search::{Target, adapt_step_size, metropolis, take_row};
use crate::math::Points;
use crate::math::rng::{Rng, standard_normal};

#[derive(Clone, Debug)]
pub struct Hmc {
    pub step_size: f64,
    pub leapfrog: usize,
    pub target_acceptance: f64,
    pub last_acceptance: f64,
    /// The step size adapts during the first this many transitions and is frozen after, so
    /// that the chain is an exact HMC sampler from then on.
    pub adapt_steps: usize,
}

fn kinetic(p: &[f32]) -> f64 {
    0.5 * p.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>()
}

/// v ← v + scale·g, elementwise.
fn axpy(v: &mut Points, scale: f64, g: &Points) {
    for (a, &b) in v.as_mut_slice().iter_mut().zip(g.as_slice()) {
        *a = (*a as f64 + scale * b as f64) as f32;
    }
}

impl Hmc {
    /// Chains whose step size adapts during the first `burn_in` transitions, then is frozen.
    pub fn new(step_size: f64, leapfrog: usize, target_acceptance: f64, burn_in: usize) -> Self {
        Self {
            step_size,
            leapfrog: leapfrog.max(1),
            target_acceptance,
            last_acceptance: f64::NAN,
            adapt_steps: burn_in,
        }
    }

    /// Runs `transitions` HMC transitions from each row of `start`; returns the end states
    /// with their log r, or `None` when the target has no tractable density.
    pub fn run(
        &mut self,
        start: &Points,
        target: &Target<'_>,
        transitions: usize,
        rng: &mut Rng,
    ) -> Option<(Points, Vec<f64>)> {
        let (n, dim) = (start.len(), start.dim());
        let mut x = start.clone();
        let mut current = target.evaluate(&x)?;
        let (mut accepted, mut proposed) = (0usize, 0usize);
        for transition in 0..transitions {
            let eps = self.step_size;
            let mut p = Points::new(dim, standard_normal(rng, n * dim)).ok()?;
            let start_energy: Vec<f64> = (0..n)
                .map(|c| -current.log_pi[c] + kinetic(p.row(c)))
                .collect();
            let mut y = x.clone();
            axpy(&mut p, 0.5 * eps, &current.grad);
            let mut at_y = None;
            for step in 0..self.leapfrog {
                axpy(&mut y, eps, &p);
                let evaluated = target.evaluate(&y)?;
                let last = step + 1 == self.leapfrog;
                axpy(&mut p, if last { 0.5 * eps } else { eps }, &evaluated.grad);
                at_y = Some(evaluated);
            }
            let proposal = at_y?;
            let mut step_accepted = 0usize;
            for (c, start) in start_energy.iter().enumerate() {
                let energy = -proposal.log_pi[c] + kinetic(p.row(c));
                let log_alpha = start - energy;
                proposed += 1;
                if metropolis(log_alpha, rng) {
                    take_row(c, &mut x, &mut current, &y, &proposal);
                    accepted += 1;
                    step_accepted += 1;
                }
            }
            if transition < self.adapt_steps {
                self.step_size = adapt_step_size(
                    self.step_size,
                    step_accepted as f64 / n.max(1) as f64,
                    self.target_acceptance,
                );
            }
        }
        self.last_acceptance = accepted as f64 / proposed.max(1) as f64;
        Some((x, current.log_r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::{GaussianObservation, gaussian_obs::GaussianObsConfig};
    use crate::math::rng::seeded;
    use crate::prior::ReferenceProcess;

    #[test]
    fn hmc_chains_reach_the_gaussian_posterior() {
        // Reference N(0, 1) in 2-D, observation y = (2, −1) of both coordinates with noise 1:
        // posterior N((1, −0.5), I/2).
        let reference = ReferenceProcess::Brownian { dim: 2, sigma: 1.0 };
        let constraint = GaussianObservation::new(&GaussianObsConfig {
            y: vec![2.0, -1.0],
            a: None,
            noise_std: 1.0,
        })
        .unwrap();
        let target = Target {
            reference: &reference,
            constraint: &constraint,
            beta: 1.0,
        };
        let start = Points::new(2, vec![-3.0; 4000]).unwrap();
        let mut hmc = Hmc::new(0.1, 10, 0.65, 50);
        let (end, _) = hmc.run(&start, &target, 100, &mut seeded(5)).unwrap();
        // The same chains stopped at the end of the burn-in have the same step size: it did
        // not move during the last 50 transitions.
        let mut burn_in_only = Hmc::new(0.1, 10, 0.65, 50);
        burn_in_only
            .run(&start, &target, 50, &mut seeded(5))
            .unwrap();
        assert_eq!(hmc.step_size, burn_in_only.step_size);
        assert_ne!(
            hmc.step_size, 0.1,
            "the step size adapted during the burn-in"
        );
        let mean = end.mean();
        let cov = end.covariance();
        assert!((mean[0] - 1.0).abs() < 0.06, "mean {mean:?}");
        assert!((mean[1] + 0.5).abs() < 0.06, "mean {mean:?}");
        assert!(
            (cov[0] - 0.5).abs() < 0.07 && (cov[3] - 0.5).abs() < 0.07,
            "{cov:?}"
        );
        assert!(
            hmc.last_acceptance > 0.3,
            "acceptance {}",
            hmc.last_acceptance
        );
    }
}
