//! Turning a config into the objects an experiment runs on: the reference process (loading or
//! training a prior), the constraint, and the known modes used by mode coverage.

use std::path::Path;
use std::sync::Arc;

use super::config::ExperimentConfig;
use crate::backend::ComputeDevice;
use crate::constraint::pushforward::{ThroughGenerator, WithPriorDensity};
use crate::constraint::targets::{EnergyTarget, TargetShape, build_target};
use crate::constraint::{BuildContext, Constraint, ConstraintKind};
use crate::error::Result;
use crate::files::resolve_path;
use crate::math::IsoGmm;
use crate::objective::ReplayBuffer;
use crate::objective::replay_buffer::KnownStates;
use crate::prior::csv_data::read_points;
use crate::prior::factory;
use crate::prior::training::PriorProgress;
use crate::prior::{BuiltinDataset, Reference, SamplerSpace};

/// Builds the reference process of `config` (see [`factory::build_reference`]), warning when
/// a diffusion prior was trained for another number of steps than the sampler takes.
pub fn build_reference(
    config: &ExperimentConfig,
    base_dir: Option<&Path>,
    compute: &ComputeDevice,
    on_progress: &mut dyn FnMut(&PriorProgress) -> bool,
) -> Result<Reference> {
    let reference = factory::build_reference(
        &config.prior,
        config.sampler.space,
        config.seed,
        base_dir,
        compute,
        on_progress,
    )?;
    if let Reference::Diffusion(prior) = &reference
        && prior.meta.grid() != config.sampler.time_grid()
    {
        log::warn!(
            "the prior was trained for T = {} steps with grid_power {}, the sampler uses T = {} \
             with grid_power {}: its steps are not the prior's",
            prior.meta.steps,
            prior.meta.grid_power,
            config.sampler.steps,
            config.sampler.grid_power
        );
    }
    Ok(reference)
}

/// Builds the constraint against the reference's space.
pub fn build_constraint(
    config: &ExperimentConfig,
    reference: &Reference,
    base_dir: Option<&Path>,
) -> Result<Arc<dyn Constraint>> {
    let Reference::Generated(prior) = reference else {
        let context = BuildContext {
            dim: reference.dim(),
            reference_variance: reference.brownian_variance(),
            base_dir: base_dir.map(Path::to_path_buf),
        };
        return Ok(Arc::from(config.constraint.build(&context)?));
    };
    // The constraint acts on x = f(z); the prior's own reference variance is not the
    // constraint's business (an `energy` target has no prior to combine with).
    let context = BuildContext {
        dim: prior.generator.data_dim(),
        reference_variance: None,
        base_dir: base_dir.map(Path::to_path_buf),
    };
    let inner: Arc<dyn Constraint> = Arc::from(config.constraint.build(&context)?);
    Ok(match prior.space {
        SamplerSpace::Noise => Arc::new(ThroughGenerator {
            generator: prior.generator.clone(),
            inner,
        }),
        SamplerSpace::Data => Arc::new(WithPriorDensity {
            prior: prior.generator.clone(),
            inner,
            reference_variance: prior.sigma * prior.sigma,
            beta: config.constraint.beta,
        }),
    })
}

/// The energy target of `config`, when the constraint is one (built again from the same
/// settings as the constraint, so it is the same density).
pub fn energy_target(config: &ExperimentConfig) -> Option<Arc<dyn EnergyTarget>> {
    (config.constraint.kind == ConstraintKind::Energy)
        .then(|| build_target(&config.constraint.energy).ok())
        .flatten()
}

/// Known mixture components whose modes mode coverage should count: a mixture target's, or
/// those of the data a diffusion prior was trained on.
pub fn known_modes(
    target: Option<&Arc<dyn EnergyTarget>>,
    reference: &Reference,
) -> Option<IsoGmm> {
    if let Some(target) = target {
        return match target.shape() {
            TargetShape::Mixture(gmm) => Some(gmm),
            _ => None,
        };
    }
    reference
        .dataset()
        .and_then(BuiltinDataset::from_name)
        .and_then(BuiltinDataset::components)
}

/// A fresh replay buffer, if the config asks for one.
pub fn replay_buffer(config: &ExperimentConfig, dim: usize) -> Option<ReplayBuffer> {
    let buffer = &config.train.buffer;
    buffer
        .enabled
        .then(|| ReplayBuffer::new(dim, buffer.capacity, buffer.rank_weight))
}

/// The known states of `train.buffer.known_states`, read from their CSV. The path is stored
/// back resolved, so that a checkpoint saved elsewhere still finds the file.
pub fn known_states(
    config: &mut ExperimentConfig,
    dim: usize,
    base_dir: Option<&Path>,
) -> Result<Option<KnownStates>> {
    let buffer = &mut config.train.buffer;
    let Some(spec) = buffer.known_states.as_deref() else {
        return Ok(None);
    };
    let path = resolve_path(spec, base_dir);
    let path = std::fs::canonicalize(&path).unwrap_or(path);
    let states = read_points(&path)?;
    // The file holds target samples in data space; a warped target's sampler lives in u.
    let states = match energy_target(config).and_then(|t| t.warp()) {
        Some(warp) => warp.to_process(&states),
        None => states,
    };
    let buffer = &mut config.train.buffer;
    let known = KnownStates::new(states, dim, &path.display().to_string())?;
    buffer.known_states = Some(path.display().to_string());
    Ok(Some(known))
}
