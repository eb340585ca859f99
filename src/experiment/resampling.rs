//! Importance resampling of the sampler's own output: draw many weighted samples and keep a
//! few with probability ∝ w = r^β·p_ref(τ)/q(τ). The weights are exact path weights, so the kept
//! set tends to the posterior as the proposals grow, wherever the sampler puts some mass; a
//! region it never reaches stays missing, which the weights' ESS and the number of distinct
//! picks reveal. `sample --resample-from` writes such samples; `eval.resample_from` measures
//! them beside the sampler's own.

use std::collections::HashSet;

use super::sample_measures::SampleMeasures;
use super::trainer::Trainer;
use super::truth::Truth;
use crate::math::Points;
use crate::math::rng::Rng;
use crate::metrics::sir;
use crate::metrics::{ModeFit, ResampledMetrics};

/// Points resampled from the sampler's weighted samples, in the sampler's space.
#[derive(Clone, Debug)]
pub struct Resampled {
    pub samples: Points,
    pub proposals: usize,
    /// Effective sample size of the proposals' weights, as a fraction of their number.
    pub ess: f64,
    /// Distinct proposals among the kept points.
    pub distinct: usize,
}

impl Trainer {
    /// `n` points resampled from `proposals` of the sampler's samples by their importance
    /// weights; `None` when the samples carry no weights (MCMC chains, the SIR baseline) or
    /// none of the weights is finite.
    pub fn draw_resampled(&self, n: usize, proposals: usize, rng: &mut Rng) -> Option<Resampled> {
        let draw = self.draw(proposals, rng);
        if draw.sir.is_some() || draw.log_w.len() != draw.samples.len() {
            return None;
        }
        // A NaN or +∞ weight is a failed trajectory, not an infinitely good one.
        let log_w: Vec<f64> = draw
            .log_w
            .iter()
            .map(|&w| if w.is_finite() { w } else { f64::NEG_INFINITY })
            .collect();
        if !log_w.iter().any(|w| w.is_finite()) {
            return None;
        }
        let result = sir::resample(&draw.samples, &log_w, n, rng);
        let distinct = result.picks.iter().collect::<HashSet<_>>().len();
        Some(Resampled {
            samples: result.samples,
            proposals: draw.samples.len(),
            ess: result.ess,
            distinct,
        })
    }

    /// The sample metrics of `eval.samples` points resampled from `proposals` weighted ones.
    pub(super) fn resampled_metrics(
        &self,
        proposals: usize,
        truth: &Truth,
        rng: &mut Rng,
    ) -> Option<ResampledMetrics> {
        let resampled = self.draw_resampled(self.config.eval.samples, proposals, rng)?;
        let data = self.to_data_space(&resampled.samples);
        let SampleMeasures {
            target,
            coverage,
            distances,
            ..
        } = self.measure_samples(&data, truth, rng);
        Some(ResampledMetrics {
            proposals: resampled.proposals,
            ess: resampled.ess,
            distinct: resampled.distinct,
            target: target.fit,
            modes: coverage.as_ref().map(ModeFit::from).unwrap_or_default(),
            distances,
        })
    }
}
