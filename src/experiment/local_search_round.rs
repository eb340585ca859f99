//! A round of local search between training steps: MALA chains from buffer states and from
//! fresh reference draws, whose end states join the replay buffer.

use super::trainer::Trainer;
use crate::objective::local_search::Target;
use crate::sampler::trajectory::sample_reference;

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
        let from_reference = (config.chains as f64 * config.reference_starts).round() as usize;
        let (mut start, _) = buffer.sample(config.chains - from_reference, &mut self.rng);
        if from_reference > 0 {
            start.extend(&sample_reference(
                &self.reference,
                &self.grid,
                from_reference,
                &mut self.rng,
                &self.compute.device,
            ));
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
