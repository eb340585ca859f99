//! Training a GAN prior: a generator g(z) and a discriminator, by the non-saturating loss on
//! standardised data. The discriminator may judge packs of several samples at once (PacGAN,
//! `pack`), a known guard against mode collapse; on the 25GMM grid, measured, packs of 4 left
//! the discriminator at chance, so the default judges single samples, with two discriminator
//! steps per generator step and leaky ReLUs so that its units stay alive.

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::softplus;
use burn::tensor::{Tensor, TensorData};

use super::datasets::DataSource;
use super::network_generator::{
    GAN_GENERATOR, GeneratorNets, Mlp, NetworkGenerator, NetworkGeneratorMeta,
};
use super::settings::PriorConfig;
use super::training::{
    PriorProgress, cosine_lr, run_training_loop, standardisation, standardised_batch,
};
use crate::backend::ComputeDevice;
use crate::error::{Error, Result};
use crate::math::rng::{seeded, standard_normal};

/// Trains a GAN on `data`; its generator is f.
pub fn train_gan_prior(
    config: &PriorConfig,
    data: &DataSource,
    compute: &ComputeDevice,
    seed: u64,
    on_progress: &mut dyn FnMut(&PriorProgress) -> bool,
) -> Result<NetworkGenerator> {
    let gan = &config.gan;
    let net = &config.generator;
    if net.latent_dim == 0 || net.hidden == 0 || gan.discriminator_hidden == 0 {
        return Err(Error::config(
            "prior.generator",
            "latent_dim and the hidden widths must be at least 1",
        ));
    }
    if gan.pack == 0 || config.batch < gan.pack {
        return Err(Error::config(
            "prior.gan.pack",
            format!(
                "must be between 1 and prior.batch ({}), got {}",
                config.batch, gan.pack
            ),
        ));
    }
    if gan.discriminator_steps == 0 {
        return Err(Error::config(
            "prior.gan.discriminator_steps",
            "must be at least 1",
        ));
    }
    crate::validation::finite_positive("prior.gan.discriminator_lr", gan.discriminator_lr)?;
    let dim = data.dim();
    let latent = net.latent_dim;
    let pack = gan.pack;
    let batch = config.batch - config.batch % pack;
    let mut rng = seeded(seed);
    let (shift, scale) = standardisation(data, &mut rng);
    let device = compute.autodiff();
    let mut generator = GeneratorNets::new(net, dim, false, &mut rng, &device).decoder;
    let mut discriminator = Mlp::new(
        pack * dim,
        1,
        gan.discriminator_hidden,
        gan.discriminator_depth,
        gan.discriminator_activation,
        &mut rng,
        &device,
    );
    // β₁ = 0.5, as is usual for GANs: momentum chases a moving opponent badly.
    let mut generator_optimizer = AdamConfig::new().with_beta_1(0.5).init();
    let mut discriminator_optimizer = AdamConfig::new().with_beta_1(0.5).init();
    let packs = batch / pack;
    let noise = |rng: &mut _| {
        Tensor::<2>::from_data(
            TensorData::new(standard_normal(rng, batch * latent), [batch, latent]),
            &device,
        )
    };
    let final_loss = run_training_loop(config, on_progress, |progress| {
        let mut discriminator_loss = None;
        for _ in 0..gan.discriminator_steps {
            let real = standardised_batch(data, &mut rng, batch, (&shift, &scale), &device)
                .reshape([packs, pack * dim]);
            // The generator runs untracked here: tracked nodes that no backward pass consumes
            // would pile up in the autodiff graph and slow every later step.
            let fake = generator
                .valid()
                .forward(noise(&mut rng).inner())
                .autodiff()
                .reshape([packs, pack * dim]);
            let loss = softplus(discriminator.forward(real).neg(), 1.0).mean()
                + softplus(discriminator.forward(fake), 1.0).mean();
            let grads = GradientsParams::from_grads(loss.clone().backward(), &discriminator);
            discriminator_loss = Some(loss.detach());
            discriminator = discriminator_optimizer.step(
                cosine_lr(gan.discriminator_lr, progress),
                discriminator.clone(),
                grads,
            );
        }

        let fake = generator
            .forward(noise(&mut rng))
            .reshape([packs, pack * dim]);
        let generator_loss = softplus(discriminator.forward(fake).neg(), 1.0).mean();
        let grads = GradientsParams::from_grads(generator_loss.backward(), &generator);
        generator =
            generator_optimizer.step(cosine_lr(config.lr, progress), generator.clone(), grads);
        discriminator_loss.expect("at least one discriminator step")
    })?;
    Ok(NetworkGenerator {
        meta: NetworkGeneratorMeta {
            format_version: 1,
            generator: GAN_GENERATOR.into(),
            dataset: data.name().to_string(),
            dim,
            net: net.clone(),
            shift,
            scale,
            iterations: config.iterations,
            seed,
            final_loss,
            observation_std: None,
        },
        nets: GeneratorNets {
            decoder: generator.valid(),
            encoder: None,
        },
        device: compute.device.clone(),
    })
}
