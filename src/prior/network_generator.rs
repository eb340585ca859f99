//! Generator priors that are plain networks of the noise: a VAE's decoder or a GAN's generator,
//! x = shift + scale·g(z), z ~ N(0, I). Unlike a flow they have no density p(x), so their
//! sampler lives in noise space; the VAE keeps its encoder (z ≈ e(x)) for the views.
//!
//! Saved as a folder like the other priors: `prior.toml` (with `generator = "vae"` or `"gan"`)
//! and `weights.bpk` (decoder and, for a VAE, encoder).

use std::path::Path;

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::generator::{Generator, chunked, tensor_map_methods};
use crate::error::{Error, Result};
use crate::files;
use crate::math::Points;
use crate::math::rng::{Rng, seeded};
use crate::nn::{Activation, dense_layers};
use crate::nn::{points_to_tensor, tensor_to_points};
use crate::records;

pub const VAE_GENERATOR: &str = "vae";
pub const GAN_GENERATOR: &str = "gan";

/// Architecture of the map g: z ↦ y (the VAE decoder or the GAN generator).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GeneratorNetConfig {
    /// Dimension of the noise z. With 2 the exact noise-space posterior is a grid quadrature.
    pub latent_dim: usize,
    pub hidden: usize,
    /// Hidden-to-hidden layers.
    pub depth: usize,
    pub activation: Activation,
}

impl Default for GeneratorNetConfig {
    fn default() -> Self {
        Self {
            latent_dim: 2,
            hidden: 128,
            depth: 2,
            activation: Activation::Relu,
        }
    }
}

/// A multilayer perceptron: linear layers with the activation between them.
#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
    #[module(skip)]
    activation: Activation,
}

impl Mlp {
    pub fn new(
        input: usize,
        output: usize,
        hidden: usize,
        depth: usize,
        activation: Activation,
        rng: &mut Rng,
        device: &Device,
    ) -> Self {
        let mut shapes = vec![(input, hidden, false)];
        shapes.extend((0..depth).map(|_| (hidden, hidden, false)));
        shapes.push((hidden, output, false));
        Self {
            layers: dense_layers(rng, &shapes, device),
            activation,
        }
    }

    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        let mut h = x;
        for layer in &self.layers[..last] {
            h = self.activation.apply(layer.forward(h));
        }
        self.layers[last].forward(h)
    }
}

/// The saved networks: the map g and, for a VAE, the encoder (outputs mean and log-variance).
#[derive(Module, Debug)]
pub struct GeneratorNets {
    pub decoder: Mlp,
    pub encoder: Option<Mlp>,
}

impl GeneratorNets {
    /// Untrained networks of the declared architecture (loading fills them).
    pub fn new(
        net: &GeneratorNetConfig,
        dim: usize,
        with_encoder: bool,
        rng: &mut Rng,
        device: &Device,
    ) -> Self {
        let decoder = Mlp::new(
            net.latent_dim,
            dim,
            net.hidden,
            net.depth,
            net.activation,
            rng,
            device,
        );
        let encoder = with_encoder.then(|| {
            Mlp::new(
                dim,
                2 * net.latent_dim,
                net.hidden,
                net.depth,
                net.activation,
                rng,
                device,
            )
        });
        Self { decoder, encoder }
    }
}

/// Architecture and provenance of a saved VAE or GAN.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkGeneratorMeta {
    pub format_version: u32,
    /// `vae` or `gan`.
    pub generator: String,
    pub dataset: String,
    pub dim: usize,
    pub net: GeneratorNetConfig,
    /// Standardisation: x = shift + scale·y.
    pub shift: Vec<f64>,
    pub scale: Vec<f64>,
    pub iterations: usize,
    pub seed: u64,
    /// The training loss over the last iterations: the negative ELBO (nats per point) of a
    /// VAE, the discriminator's loss of a GAN (log 4 ≈ 1.386 when it cannot tell).
    pub final_loss: f64,
    /// The VAE's learned observation noise (standardised units), for the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observation_std: Option<Vec<f64>>,
}

/// A trained VAE decoder or GAN generator, evaluated with burn on one device.
#[derive(Clone, Debug)]
pub struct NetworkGenerator {
    pub meta: NetworkGeneratorMeta,
    pub nets: GeneratorNets,
    pub device: Device,
}

fn row_constant(values: &[f64], device: &Device) -> Tensor<2> {
    let data: Vec<f32> = values.iter().map(|&v| v as f32).collect();
    Tensor::from_data(TensorData::new(data, [1, values.len()]), device)
}

impl NetworkGenerator {
    /// x = shift + scale·g(z) for a batch.
    pub fn map(&self, z: Tensor<2>) -> Tensor<2> {
        let device = z.device();
        self.nets.decoder.forward(z) * row_constant(&self.meta.scale, &device)
            + row_constant(&self.meta.shift, &device)
    }

    /// Writes `prior.toml` and `weights.bpk` into `dir`, each atomically.
    pub fn save_folder(&self, dir: &Path) -> Result<()> {
        records::save_module(
            &self.nets,
            &dir.join(super::diffusion::WEIGHTS_FILE),
            "generator weights",
        )?;
        let meta = toml::to_string_pretty(&self.meta)
            .map_err(|e| Error::Unsupported(format!("cannot serialise generator metadata: {e}")))?;
        files::write_atomic(&dir.join(super::diffusion::META_FILE), meta.as_bytes())
    }

    /// Reads a VAE or GAN saved by [`save_folder`](Self::save_folder); `expected` names the
    /// kind the config asked for.
    pub fn load(dir: &Path, expected: &str, device: &Device) -> Result<Self> {
        let meta_path = dir.join(super::diffusion::META_FILE);
        if !meta_path.is_file() {
            return Err(Error::bad_file(
                dir,
                format!(
                    "not a prior folder (expected prior.toml and weights.bpk; make one with \
                     `posterior-studio pretrain --set prior.kind=\"{expected}\"`)"
                ),
            ));
        }
        let text = files::read_to_string(&meta_path)?;
        let meta: NetworkGeneratorMeta = toml::from_str(&text).map_err(|e| {
            Error::bad_file(
                &meta_path,
                format!("{e} (is this a {expected} prior folder?)"),
            )
        })?;
        if meta.format_version != 1 || meta.generator != expected {
            return Err(Error::bad_file(
                &meta_path,
                format!(
                    "holds generator `{}` format {}; prior.kind asks for `{expected}` format 1",
                    meta.generator, meta.format_version
                ),
            ));
        }
        if meta.dim == 0
            || meta.net.latent_dim == 0
            || meta.net.hidden == 0
            || meta.shift.len() != meta.dim
            || meta.scale.len() != meta.dim
        {
            return Err(Error::bad_file(
                &meta_path,
                "dim, latent_dim, hidden, shift and scale do not agree",
            ));
        }
        if meta.scale.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(Error::bad_file(&meta_path, "scale must be positive"));
        }
        let fresh = GeneratorNets::new(
            &meta.net,
            meta.dim,
            meta.generator == VAE_GENERATOR,
            &mut seeded(0),
            device,
        );
        let nets = records::load_module(fresh, &dir.join(super::diffusion::WEIGHTS_FILE))?;
        Ok(Self {
            meta,
            nets,
            device: device.clone(),
        })
    }
}

impl Generator for NetworkGenerator {
    fn noise_dim(&self) -> usize {
        self.meta.net.latent_dim
    }

    fn data_dim(&self) -> usize {
        self.meta.dim
    }

    tensor_map_methods!();

    fn encode(&self, x: &Points) -> Option<Points> {
        let encoder = self.nets.encoder.as_ref()?;
        let latent = self.meta.net.latent_dim;
        Some(chunked(x, |x| {
            let device = &self.device;
            let y = (points_to_tensor(x, device) - row_constant(&self.meta.shift, device))
                / row_constant(&self.meta.scale, device);
            let out = encoder.forward(y);
            let [n, _] = out.dims();
            tensor_to_points(out.slice([0..n, 0..latent]))
        }))
    }

    fn log_density(&self, _x: &Points) -> Option<Vec<f64>> {
        None
    }

    fn grad_log_density(&self, _x: &Points) -> Option<Points> {
        None
    }

    fn dataset(&self) -> &str {
        &self.meta.dataset
    }

    fn describe(&self) -> String {
        let n = &self.meta.net;
        let what = match self.meta.generator.as_str() {
            VAE_GENERATOR => "VAE decoder",
            _ => "GAN generator",
        };
        format!(
            "{what} on {} (latent {}, hidden {}×{})",
            self.meta.dataset,
            n.latent_dim,
            n.hidden,
            n.depth + 1
        )
    }

    fn save(&self, dir: &Path) -> Result<()> {
        self.save_folder(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random_generator(kind: &str) -> NetworkGenerator {
        let device = Device::flex();
        let net = GeneratorNetConfig {
            hidden: 16,
            depth: 1,
            ..Default::default()
        };
        NetworkGenerator {
            nets: GeneratorNets::new(&net, 2, kind == VAE_GENERATOR, &mut seeded(5), &device),
            meta: NetworkGeneratorMeta {
                format_version: 1,
                generator: kind.into(),
                dataset: "test".into(),
                dim: 2,
                net,
                shift: vec![1.0, -2.0],
                scale: vec![3.0, 0.5],
                iterations: 0,
                seed: 0,
                final_loss: 0.0,
                observation_std: None,
            },
            device,
        }
    }

    #[test]
    fn saved_generators_load_identically_and_keep_their_kind() {
        let z = Points::from_rows(2, [[0.3f32, -1.2], [2.0, 0.5]]);
        for kind in [VAE_GENERATOR, GAN_GENERATOR] {
            let g = random_generator(kind);
            let dir = tempfile::tempdir().unwrap();
            g.save(dir.path()).unwrap();
            let loaded = NetworkGenerator::load(dir.path(), kind, &g.device).unwrap();
            assert_eq!(loaded.generate(&z).as_slice(), g.generate(&z).as_slice());
            assert_eq!(loaded.encode(&z).is_some(), kind == VAE_GENERATOR);
            let other = if kind == VAE_GENERATOR {
                GAN_GENERATOR
            } else {
                VAE_GENERATOR
            };
            let message = NetworkGenerator::load(dir.path(), other, &g.device)
                .unwrap_err()
                .to_string();
            assert!(
                message.contains(&format!("holds generator `{kind}`")),
                "{message}"
            );
        }
    }

    #[test]
    fn pullback_is_the_transposed_jacobian() {
        let g = random_generator(GAN_GENERATOR);
        crate::prior::generator::assert_pullback_matches_differences(
            &g,
            [0.4, -0.9],
            [1.1, -0.6],
            1e-3,
        );
    }
}
