//! The one place where a prior comes from: loaded from a folder, trained on data, or the plain
//! Brownian reference. The CLI, the worker and the trainer all build priors here.

use std::path::Path;
use std::sync::Arc;

use super::gan::train_gan_prior;
use super::generator::{BlackBox, FlowGenerator};
use super::network_generator::{GAN_GENERATOR, NetworkGenerator, VAE_GENERATOR};
use super::ode_generator::OdeGenerator;
use super::settings::{PriorConfig, PriorKind};
use super::training::{PriorProgress, train_diffusion_prior, train_flow_prior};
use super::vae::train_vae_prior;
use super::{
    DataSource, DiffusionPrior, FlowPrior, GeneratedPrior, Generator, ReferenceProcess,
    SamplerSpace,
};
use crate::backend::ComputeDevice;
use crate::error::{Error, Result};
use crate::files::resolve_path;

/// The reference process of `config`: Brownian motion, or a prior loaded from `config.path`
/// (relative to `base_dir`), or trained here on `config.dataset` with `on_progress` told how
/// far it got. A generator prior's sampler lives in `space`: noise space gets σ = 1 (so that
/// z_T ~ N(0, I) exactly), data space gets the prior's σ.
pub fn build_reference(
    config: &PriorConfig,
    space: SamplerSpace,
    seed: u64,
    base_dir: Option<&Path>,
    compute: &ComputeDevice,
    on_progress: &mut dyn FnMut(&PriorProgress) -> bool,
) -> Result<ReferenceProcess> {
    match config.kind {
        PriorKind::Brownian => Ok(ReferenceProcess::Brownian {
            dim: config.dim,
            sigma: config.sigma,
        }),
        PriorKind::Diffusion => Ok(ReferenceProcess::Diffusion(match &config.path {
            Some(path) => DiffusionPrior::load(&resolve_path(path, base_dir), &compute.device)?,
            None => {
                let data = resolve_data(config, base_dir)?;
                train_diffusion_prior(config, &data, compute, seed, on_progress)?
            }
        })),
        PriorKind::Flow | PriorKind::Vae | PriorKind::Gan | PriorKind::Ode => {
            let generator = match &config.path {
                Some(path) => load_generator(config, &resolve_path(path, base_dir), compute)?,
                None => {
                    let data = resolve_data(config, base_dir)?;
                    train_generator(config, &data, compute, seed, on_progress)?.generator
                }
            };
            Ok(ReferenceProcess::Generated(generated(
                config, generator, space,
            )))
        }
    }
}

/// A generator prior as the reference of a sampler in `space` (black-boxed if asked).
pub fn generated(
    config: &PriorConfig,
    generator: Arc<dyn Generator>,
    space: SamplerSpace,
) -> GeneratedPrior {
    let generator: Arc<dyn Generator> = if config.black_box {
        Arc::new(BlackBox(generator))
    } else {
        generator
    };
    GeneratedPrior {
        generator,
        space,
        sigma: reference_sigma(config, space),
    }
}

/// σ of the Brownian reference of a sampler in `space` under a generator prior.
pub fn reference_sigma(config: &PriorConfig, space: SamplerSpace) -> f64 {
    match space {
        SamplerSpace::Noise => 1.0,
        SamplerSpace::Data => config.sigma,
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

/// The training data named by `prior.dataset`: a built-in name or a CSV file (relative to
/// `base_dir`, then to the working directory).
pub fn resolve_data(config: &PriorConfig, base_dir: Option<&Path>) -> Result<DataSource> {
    let k = config.image_downsample;
    DataSource::resolve_with(
        &resolve_path(&config.dataset, base_dir).to_string_lossy(),
        k,
    )
    .or_else(|_| DataSource::resolve_with(&config.dataset, k))
}
