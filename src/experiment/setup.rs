//! Turning a config into the objects an experiment runs on: the reference process (loading or
//! training a prior), the constraint, and the known modes used by mode coverage.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::config::{ExperimentConfig, PriorConfig, PriorKind};
use crate::backend::ComputeDevice;
use crate::constraint::pushforward::{ThroughGenerator, WithPriorDensity};
use crate::constraint::{BuildContext, Constraint, ConstraintKind, mixture_ratio::named_mixture};
use crate::error::{Error, Result};
use crate::math::IsoGmm;
use crate::prior::gan::train_gan_prior;
use crate::prior::generator::{BlackBox, FlowGenerator};
use crate::prior::network_generator::{GAN_GENERATOR, NetworkGenerator, VAE_GENERATOR};
use crate::prior::ode_generator::OdeGenerator;
use crate::prior::training::{PriorProgress, train_diffusion_prior, train_flow_prior};
use crate::prior::vae::train_vae_prior;
use crate::prior::{
    BuiltinDataset, DataSource, DiffusionPrior, FlowPrior, GeneratedPrior, Generator, Reference,
    SamplerSpace,
};

/// Resolves a path from a config: as given when it exists or is absolute, else relative to the
/// config file's folder.
pub fn resolve_path(path: &str, base_dir: Option<&Path>) -> PathBuf {
    let p = PathBuf::from(path);
    if p.is_absolute() || p.exists() {
        return p;
    }
    match base_dir {
        Some(base) => base.join(p),
        None => p,
    }
}

/// Builds the reference process. A diffusion prior without a `path` is trained here, with
/// `on_progress` told how far it got.
pub fn build_reference(
    config: &ExperimentConfig,
    base_dir: Option<&Path>,
    compute: &ComputeDevice,
    on_progress: &mut dyn FnMut(&PriorProgress) -> bool,
) -> Result<Reference> {
    match config.prior.kind {
        PriorKind::Brownian => Ok(Reference::Brownian {
            dim: config.prior.dim,
            sigma: config.prior.sigma,
        }),
        PriorKind::Diffusion => {
            let prior = match &config.prior.path {
                Some(path) => DiffusionPrior::load(&resolve_path(path, base_dir), &compute.device)?,
                None => {
                    let data = resolve_data(config, base_dir)?;
                    train_diffusion_prior(&config.prior, &data, compute, config.seed, on_progress)?
                }
            };
            if prior.meta.steps != config.sampler.steps {
                log::warn!(
                    "the prior was trained for T = {} steps, the sampler uses T = {}",
                    prior.meta.steps,
                    config.sampler.steps
                );
            }
            Ok(Reference::Diffusion(prior))
        }
        PriorKind::Flow | PriorKind::Vae | PriorKind::Gan | PriorKind::Ode => {
            let generator = match &config.prior.path {
                Some(path) => {
                    load_generator(&config.prior, &resolve_path(path, base_dir), compute)?
                }
                None => {
                    let data = resolve_data(config, base_dir)?;
                    train_generator(&config.prior, &data, compute, config.seed, on_progress)?
                        .generator
                }
            };
            let generator: Arc<dyn Generator> = if config.prior.black_box {
                Arc::new(BlackBox(generator))
            } else {
                generator
            };
            Ok(Reference::Generated(GeneratedPrior {
                generator,
                space: config.sampler.space,
                sigma: match config.sampler.space {
                    SamplerSpace::Noise => 1.0,
                    SamplerSpace::Data => config.prior.sigma,
                },
            }))
        }
    }
}

/// The generator kind a saved prior folder declares (`generator = "flow"` etc. in its
/// prior.toml), or `None` for a diffusion prior or an unreadable folder.
pub fn saved_generator_kind(dir: &Path) -> Option<PriorKind> {
    let text = std::fs::read_to_string(dir.join("prior.toml")).ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    match table.get("generator")?.as_str()? {
        "flow" => Some(PriorKind::Flow),
        "vae" => Some(PriorKind::Vae),
        "gan" => Some(PriorKind::Gan),
        _ => None,
    }
}

/// A generator prior of `config.kind` saved in `dir`.
pub fn load_generator(
    config: &PriorConfig,
    dir: &Path,
    compute: &ComputeDevice,
) -> Result<Arc<dyn Generator>> {
    let device = &compute.device;
    let kind = config.kind;
    Ok(match kind {
        PriorKind::Flow => Arc::new(FlowGenerator {
            flow: FlowPrior::load(dir, device)?,
            device: device.clone(),
        }),
        PriorKind::Vae => Arc::new(NetworkGenerator::load(dir, VAE_GENERATOR, device)?),
        PriorKind::Gan => Arc::new(NetworkGenerator::load(dir, GAN_GENERATOR, device)?),
        PriorKind::Ode => Arc::new(OdeGenerator {
            prior: DiffusionPrior::load(dir, device)?,
            config: config.ode.clone(),
            device: device.clone(),
        }),
        PriorKind::Brownian | PriorKind::Diffusion => {
            return Err(Error::config(
                "prior.kind",
                format!("`{}` is not a generator prior", kind.name()),
            ));
        }
    })
}

/// A freshly trained generator prior and the loss it ended at.
pub struct TrainedGenerator {
    pub generator: Arc<dyn Generator>,
    /// What the loss measures, for messages.
    pub loss_name: &'static str,
    pub final_loss: f64,
}

/// Trains the generator prior of `config.kind` on `data`.
pub fn train_generator(
    config: &PriorConfig,
    data: &DataSource,
    compute: &ComputeDevice,
    seed: u64,
    on_progress: &mut dyn FnMut(&PriorProgress) -> bool,
) -> Result<TrainedGenerator> {
    Ok(match config.kind {
        PriorKind::Flow => {
            let flow = train_flow_prior(config, data, compute, seed, on_progress)?;
            TrainedGenerator {
                loss_name: "negative log-likelihood (nats)",
                final_loss: flow.meta.final_loss,
                generator: Arc::new(FlowGenerator {
                    flow,
                    device: compute.device.clone(),
                }),
            }
        }
        PriorKind::Vae => {
            let vae = train_vae_prior(config, data, compute, seed, on_progress)?;
            TrainedGenerator {
                loss_name: "negative ELBO (nats)",
                final_loss: vae.meta.final_loss,
                generator: Arc::new(vae),
            }
        }
        PriorKind::Gan => {
            let gan = train_gan_prior(config, data, compute, seed, on_progress)?;
            TrainedGenerator {
                loss_name: "discriminator loss (log 4 = 1.386 at chance)",
                final_loss: gan.meta.final_loss,
                generator: Arc::new(gan),
            }
        }
        PriorKind::Ode => {
            let prior = train_diffusion_prior(config, data, compute, seed, on_progress)?;
            TrainedGenerator {
                loss_name: "diffusion loss",
                final_loss: prior.meta.final_loss,
                generator: Arc::new(OdeGenerator {
                    prior,
                    config: config.ode.clone(),
                    device: compute.device.clone(),
                }),
            }
        }
        PriorKind::Brownian | PriorKind::Diffusion => {
            return Err(Error::config(
                "prior.kind",
                format!("`{}` is not a generator prior", config.kind.name()),
            ));
        }
    })
}

/// The training data named by `prior.dataset`: a built-in name or a CSV file.
fn resolve_data(config: &ExperimentConfig, base_dir: Option<&Path>) -> Result<DataSource> {
    DataSource::resolve(&resolve_path(&config.prior.dataset, base_dir).to_string_lossy())
        .or_else(|_| DataSource::resolve(&config.prior.dataset))
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

/// Known mixture components whose modes mode coverage should count: an energy target's, or
/// those of the data a diffusion prior was trained on.
pub fn known_modes(config: &ExperimentConfig, reference: &Reference) -> Option<IsoGmm> {
    if config.constraint.kind == ConstraintKind::Energy {
        return named_mixture("constraint.energy.target", &config.constraint.energy.target).ok();
    }
    reference
        .dataset()
        .and_then(BuiltinDataset::from_name)
        .and_then(BuiltinDataset::components)
}
