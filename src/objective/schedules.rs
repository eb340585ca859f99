//! Schedules over the course of training: off-policy exploration noise, β annealing and the
//! learning-rate decay.

use super::settings::{BetaAnnealConfig, ExplorationConfig};
use crate::math::cosine_decay::cosine_factor;

/// ε at `iteration`: linear decay from `std` to `floor` over the first `decay_fraction` of
/// training.
pub fn exploration_std(config: &ExplorationConfig, iteration: usize, iterations: usize) -> f64 {
    if config.std <= 0.0 {
        return 0.0;
    }
    let horizon = config.decay_fraction * iterations as f64;
    if horizon <= 0.0 {
        return config.std;
    }
    let progress = (iteration as f64 / horizon).min(1.0);
    config.std + (config.floor - config.std) * progress
}

/// The factor on the learning rates at `iteration`: a cosine from 1 down to `final_fraction`
/// over `iterations`, then `final_fraction`.
pub fn lr_factor(final_fraction: f64, iteration: usize, iterations: usize) -> f64 {
    if final_fraction >= 1.0 || iterations == 0 {
        return 1.0;
    }
    cosine_factor(final_fraction, iteration as f64 / iterations as f64)
}

/// β at `iteration`: linear from `start` to `beta` over the first `iterations`, then `beta`.
pub fn annealed_beta(config: &BetaAnnealConfig, beta: f64, iteration: usize) -> f64 {
    if !config.enabled || config.iterations == 0 {
        return beta;
    }
    let progress = (iteration as f64 / config.iterations as f64).min(1.0);
    config.start + (beta - config.start) * progress
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exploration_decays_to_its_floor() {
        let mut config = ExplorationConfig {
            std: 2.0,
            decay_fraction: 0.5,
            floor: 0.0,
        };
        assert_eq!(exploration_std(&config, 0, 100), 2.0);
        assert_eq!(exploration_std(&config, 25, 100), 1.0);
        assert_eq!(exploration_std(&config, 80, 100), 0.0);
        config.floor = 0.5;
        assert_eq!(exploration_std(&config, 25, 100), 1.25);
        assert_eq!(exploration_std(&config, 50, 100), 0.5);
        assert_eq!(exploration_std(&config, 80, 100), 0.5);
    }

    #[test]
    fn learning_rate_falls_to_its_final_fraction() {
        assert_eq!(lr_factor(0.1, 0, 100), 1.0);
        assert!((lr_factor(0.1, 50, 100) - 0.55).abs() < 1e-12);
        assert!((lr_factor(0.1, 100, 100) - 0.1).abs() < 1e-12);
        assert!((lr_factor(0.1, 500, 100) - 0.1).abs() < 1e-12);
        assert_eq!(lr_factor(1.0, 50, 100), 1.0);
    }

    #[test]
    fn beta_rises_to_its_target() {
        let config = BetaAnnealConfig {
            enabled: true,
            start: 0.0,
            iterations: 10,
        };
        assert_eq!(annealed_beta(&config, 2.0, 5), 1.0);
        assert_eq!(annealed_beta(&config, 2.0, 50), 2.0);
    }
}
