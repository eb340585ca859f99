//! Training a VAE prior: an encoder q(z|y) = N(μ(y), diag e^{ℓ(y)}), a decoder mean g(z) and a
//! learned per-coordinate observation noise, fitted by the ELBO on standardised data. The prior
//! used downstream is the push-forward of N(0, I) through the decoder mean, x = f(z), without
//! observation noise, so its noise-space posterior N(z)·r(f(z)) is exact on a grid.

use std::f64::consts::PI;

use burn::module::{Module, Param};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Tensor, TensorData};

use super::datasets::DataSource;
use super::network_generator::{
    GeneratorNets, Mlp, NetworkGenerator, NetworkGeneratorMeta, VAE_GENERATOR,
};
use super::settings::PriorConfig;
use super::training::{
    PriorProgress, cosine_lr, run_training_loop, standardisation, standardised_batch,
};
use crate::backend::ComputeDevice;
use crate::error::{Error, Result};
use crate::math::rng::{seeded, standard_normal};
use crate::validation::finite_positive;

#[derive(Module, Debug)]
struct Vae {
    encoder: Mlp,
    decoder: Mlp,
    /// log σ of the Gaussian likelihood, per standardised coordinate.
    log_observation_std: Param<Tensor<1>>,
}

/// Trains a VAE on `data`; its decoder mean is the generator f.
pub fn train_vae_prior(
    config: &PriorConfig,
    data: &DataSource,
    compute: &ComputeDevice,
    seed: u64,
    on_progress: &mut dyn FnMut(&PriorProgress) -> bool,
) -> Result<NetworkGenerator> {
    let vae_config = &config.vae;
    let net = &config.generator;
    if config.batch == 0 {
        return Err(Error::config("prior.batch", "must be at least 1"));
    }
    if net.latent_dim == 0 || net.hidden == 0 {
        return Err(Error::config(
            "prior.generator",
            "latent_dim and hidden must be at least 1",
        ));
    }
    finite_positive("prior.vae.kl_weight", vae_config.kl_weight)?;
    if !(0.0..1.0).contains(&vae_config.kl_warmup) {
        return Err(Error::config("prior.vae.kl_warmup", "must be in [0, 1)"));
    }
    for (field, value) in [
        ("prior.vae.observation_std", vae_config.observation_std),
        (
            "prior.vae.min_observation_std",
            vae_config.min_observation_std,
        ),
    ] {
        finite_positive(field, value)?;
    }
    let dim = data.dim();
    let latent = net.latent_dim;
    let mut rng = seeded(seed);
    let (shift, scale) = standardisation(data, &mut rng);
    let device = compute.autodiff();
    let nets = GeneratorNets::new(net, dim, true, &mut rng, &device);
    let mut vae = Vae {
        encoder: nets.encoder.expect("built with an encoder"),
        decoder: nets.decoder,
        log_observation_std: Param::from_tensor(
            Tensor::zeros([dim], &device).add_scalar(vae_config.observation_std.ln() as f32),
        ),
    };
    let floor = vae_config.min_observation_std.ln() as f32;
    // The ELBO of standardised data, moved to nats per point of the data itself.
    let to_data_nats =
        0.5 * dim as f64 * (2.0 * PI).ln() + scale.iter().map(|s| s.ln()).sum::<f64>();
    let mut optimizer = AdamConfig::new().init();
    let batch = config.batch;
    let final_loss = run_training_loop(config, on_progress, |progress| {
        let y = standardised_batch(data, &mut rng, batch, (&shift, &scale), &device);
        let eps = Tensor::<2>::from_data(
            TensorData::new(standard_normal(&mut rng, batch * latent), [batch, latent]),
            &device,
        );
        let out = vae.encoder.forward(y.clone());
        let mu = out.clone().slice([0..batch, 0..latent]);
        let log_var = out.slice([0..batch, latent..2 * latent]).clamp(-12.0, 6.0);
        let z = mu.clone() + log_var.clone().mul_scalar(0.5).exp() * eps;
        let y_hat = vae.decoder.forward(z);
        // Detached before any op when fixed, so that no orphaned autodiff nodes pile up.
        let log_std = vae.log_observation_std.val();
        let log_std = if vae_config.learn_observation_std {
            log_std
        } else {
            log_std.detach()
        }
        .clamp_min(floor)
        .reshape([1, dim]);
        let nll = ((y - y_hat).powi_scalar(2) * log_std.clone().mul_scalar(-2.0).exp())
            .mul_scalar(0.5)
            .sum_dim(1)
            + log_std.sum_dim(1);
        let kl = (mu.powi_scalar(2) + log_var.clone().exp() - log_var)
            .sub_scalar(1.0)
            .mul_scalar(0.5)
            .sum_dim(1);
        let warm = if vae_config.kl_warmup > 0.0 {
            (progress / vae_config.kl_warmup).min(1.0)
        } else {
            1.0
        };
        // The true negative ELBO in data nats, whatever the KL weight, for the report. Taken
        // from detached values: autodiff nodes that no backward pass consumes pile up in the
        // graph and slow every later step.
        let elbo = (nll.clone().detach() + kl.clone().detach())
            .mean()
            .add_scalar(to_data_nats as f32);
        let loss = (nll + kl.mul_scalar(vae_config.kl_weight * warm)).mean();
        let grads = GradientsParams::from_grads(loss.backward(), &vae);
        vae = optimizer.step(cosine_lr(config.lr, progress), vae.clone(), grads);
        elbo
    })?;
    let vae = vae.valid();
    let observation_std = crate::nn::tensor_to_vec(
        vae.log_observation_std
            .val()
            .clamp_min(floor)
            .exp()
            .reshape([1, dim])
            .flatten(0, 1),
    );
    Ok(NetworkGenerator {
        meta: NetworkGeneratorMeta {
            format_version: 1,
            generator: VAE_GENERATOR.into(),
            dataset: data.name().to_string(),
            dim,
            net: net.clone(),
            shift,
            scale,
            iterations: config.iterations,
            seed,
            final_loss,
            observation_std: Some(observation_std),
        },
        nets: GeneratorNets {
            decoder: vae.decoder,
            encoder: Some(vae.encoder),
        },
        device: compute.device.clone(),
    })
}
