//! The prior's settings: which reference process, and how a prior is trained or loaded.

use serde::{Deserialize, Serialize};

use super::diffusion::PriorWeighting;
use super::flow::FlowConfig;
use super::network_generator::GeneratorNetConfig;
use super::ode_generator::OdeConfig;
use crate::error::{Error, Result};
use crate::nn::{Activation, DriftNetConfig};
use crate::validation::{finite_positive, positive};

/// Which reference process the sampler is measured against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorKind {
    /// Brownian motion from 0 (drift 0): x_T ~ N(0, σ²I). With an `energy` constraint this is
    /// the plain energy-target benchmark.
    Brownian,
    /// A diffusion prior: drift u_φ(x, t) trained on data.
    Diffusion,
    /// An affine-coupling flow x = f(z) trained on data: a generator prior with an exact
    /// density. `sampler.space` says whether the sampler lives in x or in z.
    Flow,
    /// A VAE x = f(z) (its decoder mean) trained on data: a generator prior without a
    /// density, so its sampler lives in noise space.
    Vae,
    /// A GAN generator x = f(z) trained on data; like the VAE, noise space only.
    Gan,
    /// The probability-flow ODE of a diffusion prior (`prior.path` names a diffusion prior
    /// folder) as x = f(z); noise space only.
    Ode,
}

impl PriorKind {
    /// Whether the prior is a map of Gaussian noise (and so has a noise space).
    pub fn is_generator(self) -> bool {
        matches!(self, Self::Flow | Self::Vae | Self::Gan | Self::Ode)
    }

    /// Whether the prior has a tractable density p(x) (needed by a data-space sampler).
    /// Whether a prior of this kind is a trained network (a folder, or data to train it on).
    pub fn is_trained(self) -> bool {
        self != Self::Brownian
    }

    pub fn has_density(self) -> bool {
        matches!(self, Self::Brownian | Self::Diffusion | Self::Flow)
    }

    /// The kinds a prior can be trained as on data, for choosers.
    pub const TRAINABLE: [PriorKind; 4] = [Self::Diffusion, Self::Flow, Self::Vae, Self::Gan];

    /// This kind if it is trained on data, else a diffusion prior.
    pub fn trainable(self) -> Self {
        if Self::TRAINABLE.contains(&self) {
            self
        } else {
            Self::Diffusion
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Brownian => "brownian",
            Self::Diffusion => "diffusion",
            Self::Flow => "flow",
            Self::Vae => "vae",
            Self::Gan => "gan",
            Self::Ode => "ode",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PriorConfig {
    pub kind: PriorKind,
    /// Dimension of the Brownian reference (a diffusion prior has its own).
    pub dim: usize,
    /// A saved diffusion prior (a folder written by `pretrain`). Relative paths are resolved
    /// against the config file's folder, then the working directory.
    pub path: Option<String>,
    /// Training data of a diffusion prior: a built-in dataset name or a CSV file.
    pub dataset: String,
    /// Images of an MNIST-format dataset are averaged over k×k blocks (2: 28×28 → 14×14).
    pub image_downsample: usize,
    /// Noise scale σ of the reference process: of Brownian motion, of a diffusion prior
    /// being trained (a saved prior keeps its own), or of the Brownian reference of a data-space
    /// sampler on a flow prior (noise-space samplers always use σ = 1).
    pub sigma: f64,
    /// Time steps T of the prior process.
    pub steps: usize,
    /// Power p of the diffusion prior's time grid t_k = 1 − (1 − k/T)^p: 2 makes the last
    /// step 1/T², so that the last step's noise σ/T is below the data's detail.
    pub grid_power: f64,
    pub net: DriftNetConfig,
    /// Architecture of a flow prior being trained (a saved flow keeps its own).
    pub flow: FlowConfig,
    /// Architecture of the map f of a VAE or GAN prior being trained.
    pub generator: GeneratorNetConfig,
    /// VAE training settings.
    pub vae: VaeConfig,
    /// GAN training settings.
    pub gan: GanConfig,
    /// The probability-flow ODE's solver settings (`prior.kind = "ode"`).
    pub ode: OdeConfig,
    /// Treat the generator as a black box: no gradients of f are used (RTB still trains; the
    /// Langevin term, guidance, DPS and MALA are refused).
    pub black_box: bool,
    /// How prior training weights the loss at each time.
    pub weighting: PriorWeighting,
    pub iterations: usize,
    pub batch: usize,
    pub lr: f64,
}

impl Default for PriorConfig {
    fn default() -> Self {
        Self {
            kind: PriorKind::Brownian,
            dim: 2,
            path: None,
            dataset: "gmm25".into(),
            image_downsample: 1,
            sigma: 5.0,
            steps: 100,
            grid_power: 2.0,
            net: DriftNetConfig {
                dim: 2,
                hidden: 128,
                depth: 3,
                time_frequencies: 16,
                activation: Activation::Relu,
                input_scale: 1.0,
                state_gain: 0.0,
            },
            flow: FlowConfig::default(),
            generator: GeneratorNetConfig::default(),
            vae: VaeConfig::default(),
            gan: GanConfig::default(),
            ode: OdeConfig::default(),
            black_box: false,
            weighting: PriorWeighting::Uniform,
            iterations: 40_000,
            batch: 1024,
            lr: 2e-3,
        }
    }
}

impl PriorConfig {
    /// Checks the values serde cannot; field names are given with their `prior.` path.
    pub fn validate(&self) -> Result<()> {
        positive("prior.dim", self.dim)?;
        positive("prior.steps", self.steps)?;
        finite_positive("prior.sigma", self.sigma)?;
        crate::validation::grid_power("prior.grid_power", self.grid_power)?;
        if self.black_box && !self.kind.is_generator() {
            return Err(Error::config(
                "prior.black_box",
                "only a generator prior (prior.kind = \"flow\", \"vae\", \"gan\" or \"ode\") can \
                 be a black box",
            ));
        }
        Ok(())
    }
}

/// Settings of GAN training (the generator's architecture is `prior.generator`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GanConfig {
    pub discriminator_hidden: usize,
    /// Hidden-to-hidden layers of the discriminator.
    pub discriminator_depth: usize,
    /// Samples the discriminator judges together (1: a plain GAN).
    pub pack: usize,
    /// Learning rate of the discriminator (the generator uses prior.lr).
    pub discriminator_lr: f64,
    /// Discriminator updates per generator update.
    pub discriminator_steps: usize,
    /// The discriminator's nonlinearity (leaky ReLU keeps its units alive).
    pub discriminator_activation: Activation,
}

impl Default for GanConfig {
    fn default() -> Self {
        Self {
            discriminator_hidden: 128,
            discriminator_depth: 2,
            pack: 1,
            discriminator_lr: 1e-3,
            discriminator_steps: 2,
            discriminator_activation: Activation::LeakyRelu,
        }
    }
}

/// Settings of VAE training.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VaeConfig {
    /// Weight of the KL term (1: the ELBO).
    pub kl_weight: f64,
    /// Fraction of the iterations over which the KL weight rises linearly from 0, so that the
    /// decoder learns to use the latent before the KL term pulls the codes together.
    pub kl_warmup: f64,
    /// Observation noise of the Gaussian likelihood, in standardised units: fixed, or the
    /// starting value when it is learned. A small fixed value makes the decoder carry the
    /// spread within each mode through z (a learned one tends to grow and blur the modes).
    pub observation_std: f64,
    pub learn_observation_std: bool,
    /// Floor of the learned observation noise, in standardised units.
    pub min_observation_std: f64,
}

impl Default for VaeConfig {
    fn default() -> Self {
        Self {
            kl_weight: 1.0,
            kl_warmup: 0.3,
            observation_std: 0.1,
            learn_observation_std: false,
            min_observation_std: 0.01,
        }
    }
}
