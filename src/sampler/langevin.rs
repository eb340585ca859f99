//! The Langevin term's time-dependent scale NN₂(t), which multiplies clip(∇ log r(x)).
//! Its last layer starts at zero, so adding the term leaves an untrained sampler unchanged.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};

use crate::math::rng::Rng;
use crate::math::time_embedding;
use crate::nn::DriftNetConfig;

#[derive(Module, Debug)]
pub struct LangevinScale {
    time_in: Linear,
    hidden: Linear,
    head: Linear,
    #[module(skip)]
    activation: crate::nn::Activation,
}

impl LangevinScale {
    pub fn new(config: &DriftNetConfig, rng: &mut Rng, device: &Device) -> Self {
        let width = time_embedding::width(config.time_frequencies);
        let h = config.hidden;
        let mut layers = crate::nn::dense_layers(
            rng,
            &[(width, h, false), (h, h, false), (h, config.dim, true)],
            device,
        );
        let head = layers.pop().expect("three layers");
        let hidden = layers.pop().expect("three layers");
        let time_in = layers.pop().expect("three layers");
        Self {
            time_in,
            hidden,
            head,
            activation: config.activation,
        }
    }

    /// NN₂(t) for rows of time features (rows × d).
    pub fn forward(&self, features: Tensor<2>) -> Tensor<2> {
        let h = self.activation.apply(self.time_in.forward(features));
        let h = self.activation.apply(self.hidden.forward(h));
        self.head.forward(h)
    }
}
