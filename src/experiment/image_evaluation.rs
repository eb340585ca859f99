//! The image metrics of an evaluation: what the classifier sees in the samples against the
//! reference (class histogram, Fréchet distance and its floor, diversity), and for inpainting
//! how well the completions fit the observed pixels and how much they differ elsewhere.

use super::truth::Truth;
use crate::constraint::inpaint::Inpainting;
use crate::images::Classifier;
use crate::math::Points;
use crate::metrics::ImageMetrics;
use crate::metrics::image_metrics::{
    class_histogram, frechet_distance, histogram_tv, mean_pairwise_distance,
};

/// Pairs at most this many samples for diversity (quadratic in it).
const DIVERSITY_SAMPLES: usize = 500;

/// The classifier's view of image samples against the reference: class histograms, the
/// Fréchet distance with its floor from two independent reference halves, and diversity.
pub(super) fn image_metrics(
    metrics: &mut ImageMetrics,
    classifier: &Classifier,
    samples: &Points,
    truth: &Truth,
) {
    let classes = classifier.meta.classes.len();
    let reference = truth.data_space_samples();
    let shares = class_histogram(&classifier.predict(samples), classes);
    let shares_ref = class_histogram(&classifier.predict(reference), classes);
    metrics.class_tv = Some(histogram_tv(&shares, &shares_ref));
    metrics.class_shares = shares;
    metrics.class_shares_ref = shares_ref;
    let features = classifier.features(samples);
    metrics.diversity = Some(mean_pairwise_distance(&features, DIVERSITY_SAMPLES));
    metrics.diversity_ref = Some(mean_pairwise_distance(
        &classifier.features(&reference.head(DIVERSITY_SAMPLES)),
        DIVERSITY_SAMPLES,
    ));
    if let Some((first, second)) = &truth.halves {
        let n = features.len().min(first.len()).min(second.len());
        if n >= 2 {
            let first = classifier.features(&first.head(n));
            metrics.frechet = Some(frechet_distance(&features.head(n), &first));
            metrics.frechet_floor = Some(frechet_distance(
                &classifier.features(&second.head(n)),
                &first,
            ));
        }
    }
}

/// Inpainting: how well samples fit the observed pixels, and how much they differ where
/// nothing is observed.
pub(super) fn inpainting_metrics(
    metrics: &mut ImageMetrics,
    inpainting: &Inpainting,
    samples: &Points,
    reference: &Points,
) {
    let rmse = |points: &Points| {
        points
            .rows()
            .map(|row| inpainting.observed_rmse(row))
            .sum::<f64>()
            / points.len().max(1) as f64
    };
    let hidden: Vec<usize> = (0..inpainting.mask.len())
        .filter(|&i| !inpainting.mask[i])
        .collect();
    let unobserved = |points: &Points| {
        let head = points.head(DIVERSITY_SAMPLES);
        let rows: Vec<Vec<f32>> = head
            .rows()
            .map(|row| hidden.iter().map(|&i| row[i]).collect())
            .collect();
        mean_pairwise_distance(
            &Points::from_rows(hidden.len().max(1), rows.iter()),
            DIVERSITY_SAMPLES,
        )
    };
    metrics.observed_rmse = Some(rmse(samples));
    metrics.observed_rmse_ref = Some(rmse(reference));
    if !hidden.is_empty() {
        metrics.unobserved_diversity = Some(unobserved(samples));
        metrics.unobserved_diversity_ref = Some(unobserved(reference));
    }
}
