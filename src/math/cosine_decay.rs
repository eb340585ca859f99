//! The cosine decay of a learning rate over the progress of an optimisation, shared by prior
//! training (layer 3) and sampler training (`objective::schedules`, which also holds the
//! exploration and β schedules).

/// A cosine from 1 at progress 0 down to `final_fraction` at progress 1 (and after).
pub fn cosine_factor(final_fraction: f64, progress: f64) -> f64 {
    let progress = progress.clamp(0.0, 1.0);
    final_fraction + (1.0 - final_fraction) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
}
