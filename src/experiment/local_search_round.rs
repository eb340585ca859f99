//! A round of local search between training steps: MALA chains from buffer states and from
//! fresh reference draws, whose end states join the replay buffer.

use super::trainer::Trainer;
use crate::math::Points;
use crate::math::rng::standard_normal;
use crate::objective::local_search::Target;

impl Trainer {
    /// Every `every` iterations: MALA from rank-prioritised buffer states (and from fresh
    /// reference draws, `reference_starts`); the end states join the buffer.
    pub(super) fn run_local_search(&mut self, beta: f64) {
        let config = self.config.train.local_search.clone();
        let (Some(search), Some(buffer)) = (self.local_search.as_mut(), self.buffer.as_mut())
        else {
            return;
        };
        if config.every == 0 || !self.iteration.is_multiple_of(config.every) || buffer.is_empty() {
            return;
        }
        let variance = self.reference.brownian_variance().unwrap_or(0.0);
        let from_reference = if variance > 0.0 {
            (config.chains as f64 * config.reference_starts).round() as usize
        } else {
            0
        };
        let (mut start, _) = buffer.sample(config.chains - from_reference, &mut self.rng);
        if from_reference > 0 {
            let sigma = variance.sqrt() as f32;
            let mut draws = standard_normal(&mut self.rng, from_reference * start.dim());
            draws.iter_mut().for_each(|v| *v *= sigma);
            let draws = Points::new(start.dim(), draws).expect("rows of the reference's dimension");
            start.extend(&draws);
        }
        let target = Target {
            reference: &self.reference,
            constraint: self.constraint.as_ref(),
            beta,
        };
        if let Some((end, log_r, log_pi)) = search.run(&start, &target, config.steps, &mut self.rng)
        {
            buffer.add(&end, &log_r, &log_pi);
        }
        log::debug!(
            "local search at {}: acceptance {:.3}, step size {:.4}",
            self.iteration,
            search.last_acceptance,
            search.step_size
        );
    }
}
