//! Combinations of settings, prior and constraint that cannot work, refused by field name
//! before a trainer is built (after the composer's adjustments, which never make one of them).

use crate::constraint::Constraint;
use crate::error::{Error, Result};
use crate::experiment::config::{ExperimentConfig, ObjectiveKind, PriorKind};
use crate::prior::ReferenceProcess;
use crate::sampler::settings::{LangevinGain, StepVariance};

/// Methods that need ∇ log r refuse a constraint seen through a black-box generator.
pub fn check_gradients(config: &ExperimentConfig, constraint: &dyn Constraint) -> Result<()> {
    if constraint.has_gradient() {
        return Ok(());
    }
    let why = "needs gradients of log r(f(z)), but the generator is a black box \
               (prior.black_box = true); RTB without the Langevin term needs none";
    if config.sampler.langevin {
        return Err(Error::config("sampler.langevin", why));
    }
    if matches!(
        config.train.objective,
        ObjectiveKind::Guidance | ObjectiveKind::Dps
    ) {
        return Err(Error::config("train.objective", why));
    }
    if config.train.local_search.enabled {
        return Err(Error::config("train.local_search.enabled", why));
    }
    if matches!(
        config.train.objective,
        ObjectiveKind::Mala | ObjectiveKind::Hmc
    ) {
        return Err(Error::config("train.objective", why));
    }
    Ok(())
}

/// Combinations of objective and settings that cannot work, named by field.
pub fn check_objective(config: &ExperimentConfig, reference: &ReferenceProcess) -> Result<()> {
    let train = &config.train;
    if train.objective == ObjectiveKind::KlPolicyGradient {
        if train.buffer.enabled {
            return Err(Error::config(
                "train.buffer.enabled",
                "the policy gradient is on-policy: replayed states would bias it",
            ));
        }
        if config.sampler.learned_variance {
            return Err(Error::config(
                "sampler.learned_variance",
                "the policy gradient's KL term assumes the reference's variance; use RTB or \
                 VarGrad with a learned variance",
            ));
        }
        if config.sampler.step_variance != StepVariance::Reference {
            return Err(Error::config(
                "sampler.step_variance",
                "the policy gradient's KL term assumes the reference's variance; use RTB or \
                 VarGrad with the Gaussian step variance",
            ));
        }
        if train.exploration.std > 0.0 {
            return Err(Error::config(
                "train.exploration.std",
                "the policy gradient is on-policy: exploration noise would bias it",
            ));
        }
    }
    if config.sampler.langevin_gain == LangevinGain::Reference && reference.has_drift() {
        return Err(Error::config(
            "sampler.langevin_gain",
            "\"reference\" is the gain of the exact control from a Brownian reference; a \
             diffusion prior's drift is not one: use \"learned\"",
        ));
    }
    let no_density = reference
        .terminal_log_density(&vec![0.0; reference.dim()])
        .is_none();
    if matches!(train.objective, ObjectiveKind::Mala | ObjectiveKind::Hmc) && no_density {
        return Err(Error::config(
            "train.objective",
            "`mala` and `hmc` need the posterior density up to a constant, which a diffusion prior does \
             not give; use it with a Brownian reference or a generator prior",
        ));
    }
    if train.local_search.enabled
        && reference
            .terminal_log_density(&vec![0.0; reference.dim()])
            .is_none()
    {
        return Err(Error::config(
            "train.local_search.enabled",
            "local search needs the reference's density, which this prior does not give",
        ));
    }
    if config.prior.kind == PriorKind::Brownian && config.prior.dim != reference.dim() {
        return Err(Error::config("prior.dim", "does not match the reference"));
    }
    Ok(())
}
