//! The adjustments the composer makes, each with its reason. A rule changes the config so that
//! the config that runs says what runs; it never changes a setting the user could mean.

use super::Adjustment;
use crate::constraint::ConstraintKind;
use crate::constraint::targets::build_target;
use crate::error::Result;
use crate::experiment::config::{ExperimentConfig, PriorKind};
use crate::prior::factory::reference_sigma;
use crate::prior::{GeneratedPrior, ReferenceProcess};

fn adjust<T: PartialEq + std::fmt::Debug>(
    adjustments: &mut Vec<Adjustment>,
    field: &'static str,
    value: &mut T,
    to: T,
    why: &'static str,
) {
    if *value != to {
        adjustments.push(Adjustment {
            field,
            from: format!("{value:?}"),
            to: format!("{to:?}"),
            why,
        });
        *value = to;
    }
}

/// An energy target R is sampled against Brownian motion of its own dimension: its log r is
/// log R − log N(x; 0, σ²I), which needs the reference's terminal density, and no prior.
pub fn energy_on_brownian(
    config: &mut ExperimentConfig,
    adjustments: &mut Vec<Adjustment>,
) -> Result<()> {
    if config.constraint.kind != ConstraintKind::Energy {
        return Ok(());
    }
    let dim = build_target(&config.constraint.energy)?.dim();
    let why = "an energy target is sampled against Brownian motion of its own dimension";
    let prior = &mut config.prior;
    adjust(
        adjustments,
        "prior.kind",
        &mut prior.kind,
        PriorKind::Brownian,
        why,
    );
    adjust(adjustments, "prior.path", &mut prior.path, None, why);
    adjust(adjustments, "prior.dim", &mut prior.dim, dim, why);
    Ok(())
}

/// A diffusion prior's drift is known at the times it was trained on: the sampler takes the
/// prior's grid, so that each of its steps is one of the prior's.
pub fn sampler_on_prior_grid(
    config: &mut ExperimentConfig,
    reference: &ReferenceProcess,
    adjustments: &mut Vec<Adjustment>,
) {
    let ReferenceProcess::Diffusion(prior) = reference else {
        return;
    };
    let why = "the sampler runs on the diffusion prior's own time grid";
    let sampler = &mut config.sampler;
    adjust(
        adjustments,
        "sampler.steps",
        &mut sampler.steps,
        prior.meta.steps,
        why,
    );
    adjust(
        adjustments,
        "sampler.grid_power",
        &mut sampler.grid_power,
        prior.meta.grid_power,
        why,
    );
}

/// The data a loaded diffusion prior was trained on names its modes (mode coverage) and its
/// data view.
pub fn dataset_of_the_prior(
    config: &mut ExperimentConfig,
    reference: &ReferenceProcess,
    adjustments: &mut Vec<Adjustment>,
) {
    if let ReferenceProcess::Diffusion(prior) = reference {
        adjust(
            adjustments,
            "prior.dataset",
            &mut config.prior.dataset,
            prior.meta.dataset.clone(),
            "the data the loaded diffusion prior was trained on",
        );
    }
}

/// A generator prior's reference lives in the sampler's space: in noise space it is Brownian
/// motion with σ = 1, so that z_T ~ N(0, I) is the prior exactly; in data space it has the
/// prior section's σ.
pub fn reference_in_sampler_space(
    reference: ReferenceProcess,
    config: &ExperimentConfig,
) -> ReferenceProcess {
    match reference {
        ReferenceProcess::Generated(prior) => ReferenceProcess::Generated(GeneratedPrior {
            generator: prior.generator,
            space: config.sampler.space,
            sigma: reference_sigma(&config.prior, config.sampler.space),
        }),
        other => other,
    }
}
