//! What data-space samples show against the truth, whoever drew them (the sampler, or points
//! resampled from its output): the target's own metrics, mode coverage, and the distances to
//! reference samples over the finite rows.

use super::trainer::Trainer;
use super::truth::Truth;
use crate::math::Points;
use crate::math::rng::Rng;
use crate::metrics::target_metrics::{TargetMetrics, target_metrics};
use crate::metrics::{Distances, ModeCoverage, energy_distance, sliced_wasserstein};

pub(super) struct SampleMeasures {
    /// The rows with every coordinate finite; the others count outside every mode and are
    /// left out of the distances, never silently removed.
    pub finite: Vec<usize>,
    pub target: TargetMetrics,
    pub coverage: Option<ModeCoverage>,
    pub distances: Distances,
}

/// The indices of the rows whose coordinates are all finite.
pub(super) fn finite_rows(points: &Points) -> Vec<usize> {
    (0..points.len())
        .filter(|&i| points.row(i).iter().all(|v| v.is_finite()))
        .collect()
}

impl Trainer {
    /// Measures `data` (in data space) against the truth's data-space samples.
    pub(super) fn measure_samples(
        &self,
        data: &Points,
        truth: &Truth,
        rng: &mut Rng,
    ) -> SampleMeasures {
        let eval = &self.config.eval;
        let finite = finite_rows(data);
        let target = self
            .target
            .as_ref()
            .map(|t| target_metrics(&t.shape(), data))
            .unwrap_or_default();
        let coverage = truth.modes.as_ref().map(|modes| {
            ModeCoverage::compute(modes, data, truth.data_space_samples(), eval.mode_min_share)
        });
        let m = eval.distance_samples;
        let head = data.select(&finite).head(m);
        let reference = truth.data_space_samples().head(m);
        SampleMeasures {
            finite,
            target,
            coverage,
            distances: Distances {
                energy_distance: Some(energy_distance(&head, &reference)),
                sliced_w2: Some(sliced_wasserstein(&head, &reference, 64, rng)),
            },
        }
    }
}
