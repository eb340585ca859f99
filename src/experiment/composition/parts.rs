//! The objects an experiment is made of, built from a composed config: the constraint seen
//! from the reference process's space, the energy target, the known modes that mode coverage
//! counts, the replay buffer and its known states.

use std::path::Path;
use std::sync::Arc;

use crate::constraint::field::log_r_slice;
use crate::constraint::pushforward::{ThroughGenerator, WithPriorDensity};
use crate::constraint::targets::{EnergyTarget, TargetShape, build_target};
use crate::constraint::{BuildContext, Constraint, ConstraintConfig, ConstraintKind};
use crate::error::Result;
use crate::experiment::config::ExperimentConfig;
use crate::files::resolve_path;
use crate::math::IsoGmm;
use crate::math::field::{Area, Field};
use crate::objective::ReplayBuffer;
use crate::objective::replay_buffer::KnownStates;
use crate::prior::csv_data::read_points;
use crate::prior::{BuiltinDataset, ReferenceProcess, SamplerSpace};

/// What building a constraint of data space needs to know of the reference: the data's
/// dimension, and the terminal variance of a Brownian reference there (an energy target
/// divides by it; a generator prior's own reference is not the constraint's business).
pub fn data_space_context(reference: &ReferenceProcess, base_dir: Option<&Path>) -> BuildContext {
    let (dim, reference_variance) = match reference {
        ReferenceProcess::Generated(prior) => (prior.generator.data_dim(), None),
        other => (other.dim(), other.brownian_variance()),
    };
    BuildContext {
        dim,
        reference_variance,
        base_dir: base_dir.map(Path::to_path_buf),
    }
}

/// The constraint in data space, as `constraint` configures it, before it is seen through a
/// generator prior.
pub fn build_data_constraint(
    constraint: &ConstraintConfig,
    reference: &ReferenceProcess,
    base_dir: Option<&Path>,
) -> Result<Arc<dyn Constraint>> {
    Ok(Arc::from(
        constraint.build(&data_space_context(reference, base_dir))?,
    ))
}

/// Builds the constraint against the reference's space.
pub fn build_constraint(
    config: &ExperimentConfig,
    reference: &ReferenceProcess,
    base_dir: Option<&Path>,
) -> Result<Arc<dyn Constraint>> {
    let inner = build_data_constraint(&config.constraint, reference, base_dir)?;
    let ReferenceProcess::Generated(prior) = reference else {
        return Ok(inner);
    };
    // The constraint acts on x = f(z).
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

/// log r·β of `constraint` on a plane of the data space (the view's heatmap): coordinates
/// `axes` vary over `area` on an n×n grid, the others are those of `through`.
pub fn log_r_plane(
    constraint: &ConstraintConfig,
    reference: &ReferenceProcess,
    base_dir: Option<&Path>,
    plane: (Area, usize, [usize; 2], &[f32]),
) -> Result<Field> {
    let (area, n, axes, through) = plane;
    log_r_slice(
        constraint,
        &data_space_context(reference, base_dir),
        area,
        n,
        axes,
        through,
    )
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
    reference: &ReferenceProcess,
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
