//! Settings the app starts a kind of experiment from. Each preset is also shipped as a config
//! that shows it working (`tests/configs.rs` checks that the two agree), so that what the app
//! recommends is what was measured.

use super::ExperimentConfig;
use crate::objective::settings::{
    BetaAnnealConfig, BufferConfig, ExplorationConfig, ObjectiveKind,
};

/// For a painted region (`examples/configs/sketch_region.toml`). Outside the region log r is
/// flat, so neither the gradient nor the Langevin term points to modes the sampler has not
/// found: it finds them by exploring (wider behaviour noise early on), keeps them by replaying
/// what it found, and starts from a small β so that early training keeps the prior's coverage.
pub fn apply_sketch_settings(config: &mut ExperimentConfig) {
    let train = &mut config.train;
    train.objective = ObjectiveKind::Rtb;
    train.exploration = ExplorationConfig {
        std: 0.5,
        decay_fraction: 0.5,
        floor: 0.0,
    };
    train.buffer = BufferConfig {
        enabled: true,
        capacity: 50_000,
        replay_every: 2,
        rank_weight: 0.01,
        ..BufferConfig::default()
    };
    train.beta_anneal = BetaAnnealConfig {
        enabled: true,
        start: 0.1,
        iterations: 2000,
    };
    config.sampler.langevin = true;
}
