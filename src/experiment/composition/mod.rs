//! The one place that decides what an experiment is. [`compose`] takes a config (and the
//! prior, when one is already in memory) and returns the reconciled experiment: the config
//! that will run, its reference process, its constraint seen from the sampler's space, and
//! every adjustment made on the way, named by field. The CLI, [`Trainer::new`], the app's
//! worker and its previews all go through it, so one config gives one experiment everywhere.
//!
//! The rules it applies (in [`rules`]): an energy target runs against Brownian motion of its
//! own dimension; a sampler under a diffusion prior takes the prior's time grid; a generator
//! prior's sampler in noise space runs against σ = 1. What cannot work is refused by field
//! name ([`checks`]). Training a prior is never a side effect: [`prepare_prior`] trains one
//! when the config names none, as an explicit step before composing.
//!
//! [`Trainer::new`]: super::Trainer::new

pub mod checks;
pub mod parts;
mod rules;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use super::config::ExperimentConfig;
use crate::backend::ComputeDevice;
use crate::constraint::Constraint;
use crate::error::{Error, Result};
use crate::prior::training::PriorProgress;
use crate::prior::{ReferenceProcess, factory};

/// A setting the composer changed, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Adjustment {
    /// The config field, as `--set` names it.
    pub field: &'static str,
    /// The value it had in the config as given.
    pub from: String,
    /// The value that runs.
    pub to: String,
    pub why: &'static str,
}

impl fmt::Display for Adjustment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} = {} (was {}): {}",
            self.field, self.to, self.from, self.why
        )
    }
}

/// Where the reference process comes from.
// Made once per composition and moved straight in: boxing the prior would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum PriorSource {
    /// Built from the config: Brownian motion, or a prior folder it names.
    Config,
    /// Already in memory: trained just now, or kept from the running experiment. A Brownian
    /// reference is always built from the config (it costs nothing and follows the rules).
    Given(ReferenceProcess),
}

/// An experiment as it will run.
pub struct Composition {
    pub config: ExperimentConfig,
    pub reference: ReferenceProcess,
    pub constraint: Arc<dyn Constraint>,
    pub adjustments: Vec<Adjustment>,
}

/// Reconciles `config` with its prior and builds what it runs on; relative paths resolve
/// against `base_dir`. Fails, naming the field, on a setting that cannot work.
pub fn compose(
    config: ExperimentConfig,
    prior: PriorSource,
    base_dir: Option<&Path>,
    compute: &ComputeDevice,
) -> Result<Composition> {
    let mut config = config;
    let mut adjustments = Vec::new();
    rules::energy_on_brownian(&mut config, &mut adjustments)?;
    config.validate()?;
    let reference = match prior {
        PriorSource::Given(reference) if !reference.is_brownian() => reference,
        _ => load_reference(&config, base_dir, compute)?,
    };
    let reference = rules::reference_in_sampler_space(reference, &config);
    rules::sampler_on_prior_grid(&mut config, &reference, &mut adjustments);
    rules::dataset_of_the_prior(&mut config, &reference, &mut adjustments);
    let constraint = parts::build_constraint(&config, &reference, base_dir)?;
    checks::check_objective(&config, &reference)?;
    checks::check_gradients(&config, constraint.as_ref())?;
    Ok(Composition {
        config,
        reference,
        constraint,
        adjustments,
    })
}

/// Whether the config describes a prior to train rather than naming a saved one.
pub fn needs_training(config: &ExperimentConfig) -> bool {
    config.prior.kind.is_trained() && config.prior.path.is_none()
}

/// The prior of a config that names none, trained on `prior.dataset` with `on_progress` told
/// how far it got (returning false stops it); the config's own source otherwise.
pub fn prepare_prior(
    config: &ExperimentConfig,
    base_dir: Option<&Path>,
    compute: &ComputeDevice,
    on_progress: &mut dyn FnMut(&PriorProgress) -> bool,
) -> Result<PriorSource> {
    if !needs_training(config) {
        return Ok(PriorSource::Config);
    }
    let reference = factory::build_reference(
        &config.prior,
        config.sampler.space,
        config.seed,
        base_dir,
        compute,
        on_progress,
    )?;
    Ok(PriorSource::Given(reference))
}

/// The reference the config names: Brownian motion or a saved prior (never trained here).
fn load_reference(
    config: &ExperimentConfig,
    base_dir: Option<&Path>,
    compute: &ComputeDevice,
) -> Result<ReferenceProcess> {
    if needs_training(config) {
        return Err(Error::config(
            "prior.path",
            format!(
                "names no saved `{}` prior: train one first (`posterior-studio pretrain`, or \
                 the app's prior panel) and name its folder",
                config.prior.kind.name()
            ),
        ));
    }
    factory::build_reference(
        &config.prior,
        config.sampler.space,
        config.seed,
        base_dir,
        compute,
        &mut |_| true,
    )
}
