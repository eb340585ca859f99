//! The drift network shared by diffusion priors (u_φ) and samplers (v_θ): an MLP of the state
//! plus a learned embedding of Fourier time features, added before the first activation.
//!
//! The time embedding is computed once per time value, not once per state, because every
//! state of a batch at step k shares t_k; this halves the work of a step at width 64.

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::activation::{leaky_relu, relu, silu};
use burn::tensor::{Device, Tensor, TensorData};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::math::rng::Rng;
use crate::math::time_embedding;
use crate::math::time_grid::TimeGrid;

/// The nonlinearity between layers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// max(0, x). The default: on the CPU backend it is about 50× cheaper than SiLU, whose
    /// exponential is evaluated one element at a time.
    #[default]
    Relu,
    /// x·σ(x), smooth.
    Silu,
    /// max(0.2·x, x): no unit goes dead, which GAN discriminators need.
    LeakyRelu,
}

impl Activation {
    pub fn apply<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Self::Relu => relu(x),
            Self::Silu => silu(x),
            Self::LeakyRelu => leaky_relu(x, 0.2),
        }
    }
}

/// Architecture of a drift network; saved beside its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DriftNetConfig {
    /// Dimension of the state x.
    pub dim: usize,
    /// Width of every hidden layer.
    pub hidden: usize,
    /// Number of hidden-to-hidden layers after the input layer.
    pub depth: usize,
    /// Number of Fourier harmonics of t.
    pub time_frequencies: usize,
    pub activation: Activation,
    /// States are multiplied by this before the first layer. A ReLU network starts out smooth
    /// on the scale of its inputs; a target with structure much finer than the states' range
    /// (the mode cells of a noise space, ~0.5 wide in N(0, I)) needs its inputs spread out.
    pub input_scale: f64,
    /// With a bound b > 0, a second head gives a gain per coordinate that multiplies the
    /// state itself: the drift is u(x, t) + s(x, t) ⊙ x with s = b·tanh(NN(x, t)). A target
    /// whose conditional spread scales with other coordinates (the funnel: x_i | x₀ has
    /// standard deviation e^{x₀/2}) needs a drift proportional to x_i with a factor set by
    /// x₀, a product a plain MLP only approximates where it has seen states. The bound keeps
    /// the Euler steps stable: an unbounded gain grew trajectories past f32 within 800
    /// iterations on the funnel. The head starts at zero, so the drift starts unchanged. 0: off.
    pub state_gain: f64,
}

impl Default for DriftNetConfig {
    fn default() -> Self {
        Self {
            dim: 2,
            hidden: 64,
            depth: 2,
            time_frequencies: 16,
            activation: Activation::Relu,
            input_scale: 1.0,
            state_gain: 0.0,
        }
    }
}

#[derive(Module, Debug)]
pub struct DriftNet {
    state_in: Linear,
    time_in: Linear,
    hidden: Vec<Linear>,
    head: Linear,
    gain: Option<Linear>,
    #[module(skip)]
    gain_bound: f32,
    #[module(skip)]
    activation: Activation,
    #[module(skip)]
    input_scale: f32,
}

/// A linear layer initialised on the host from `rng` (torch's default: U(±1/√fan_in)), so that
/// one seed gives one network on every backend. `zero` makes it output zero.
fn dense(rng: &mut Rng, fan_in: usize, fan_out: usize, zero: bool, device: &Device) -> Linear {
    let bound = 1.0 / (fan_in as f32).sqrt();
    let mut draw = |n: usize| -> Vec<f32> {
        (0..n)
            .map(|_| {
                if zero {
                    0.0
                } else {
                    rng.random_range(-bound..bound)
                }
            })
            .collect()
    };
    let weight = TensorData::new(draw(fan_in * fan_out), [fan_in, fan_out]);
    let bias = TensorData::new(draw(fan_out), [fan_out]);
    Linear {
        weight: Param::from_tensor(Tensor::from_data(weight, device)),
        bias: Some(Param::from_tensor(Tensor::from_data(bias, device))),
    }
}

/// Several host-initialised layers, each given as (fan_in, fan_out, zero).
pub fn dense_layers(
    rng: &mut Rng,
    shapes: &[(usize, usize, bool)],
    device: &Device,
) -> Vec<Linear> {
    shapes
        .iter()
        .map(|&(fan_in, fan_out, zero)| dense(rng, fan_in, fan_out, zero, device))
        .collect()
}

impl DriftNet {
    /// A new network. With `zero_head` its output is exactly zero until trained, which makes an
    /// untrained sampler equal to its reference process.
    pub fn new(config: &DriftNetConfig, zero_head: bool, rng: &mut Rng, device: &Device) -> Self {
        let h = config.hidden;
        let time_width = time_embedding::width(config.time_frequencies);
        Self {
            state_in: dense(rng, config.dim, h, false, device),
            time_in: dense(rng, time_width, h, false, device),
            hidden: (0..config.depth)
                .map(|_| dense(rng, h, h, false, device))
                .collect(),
            head: dense(rng, h, config.dim, zero_head, device),
            // Drawn last and zero, so that it takes no numbers from `rng`: a seed gives the
            // same network with the gain as without it.
            gain: (config.state_gain > 0.0).then(|| dense(rng, h, config.dim, true, device)),
            gain_bound: config.state_gain as f32,
            activation: config.activation,
            input_scale: config.input_scale as f32,
        }
    }

    /// Embeds Fourier time features (rows × 2K) into the hidden width (rows × H).
    pub fn embed_time(&self, time_features: Tensor<2>) -> Tensor<2> {
        self.time_in.forward(time_features)
    }

    /// The drift at states `x` (N × d) given their time embedding (N × H, or 1 × H shared by
    /// all rows).
    pub fn forward(&self, x: Tensor<2>, time_embedding: Tensor<2>) -> Tensor<2> {
        let h = self.activation.apply(
            self.state_in
                .forward(x.clone().mul_scalar(self.input_scale))
                + time_embedding,
        );
        self.forward_hidden(h, x)
    }

    /// The drift at a time-major grid of states: `x` is (T·B) × d with row k·B + b at time t_k,
    /// and `time_embedding` is T × H.
    pub fn forward_grid(&self, x: Tensor<2>, time_embedding: Tensor<2>) -> Tensor<2> {
        let [rows, _] = x.dims();
        let [steps, width] = time_embedding.dims();
        let batch = rows / steps;
        let state = self
            .state_in
            .forward(x.clone().mul_scalar(self.input_scale))
            .reshape([steps, batch, width]);
        let h = self
            .activation
            .apply(state + time_embedding.unsqueeze_dim::<3>(1))
            .reshape([rows, width]);
        self.forward_hidden(h, x)
    }

    fn forward_hidden(&self, mut h: Tensor<2>, x: Tensor<2>) -> Tensor<2> {
        for layer in &self.hidden {
            h = self.activation.apply(layer.forward(h));
        }
        match &self.gain {
            Some(gain) => {
                let s = gain.forward(h.clone()).tanh().mul_scalar(self.gain_bound);
                self.head.forward(h) + s * x
            }
            None => self.head.forward(h),
        }
    }
}

/// Fourier features of the step start times t_0 … t_{T−1} of a grid, as a tensor (T × 2K).
pub fn time_grid_features(grid: &TimeGrid, frequencies: usize, device: &Device) -> Tensor<2> {
    let times: Vec<f32> = grid.step_starts().iter().map(|&t| t as f32).collect();
    time_features(&times, frequencies, device)
}

/// Fourier features of arbitrary time inputs, as a tensor (len × 2K).
pub fn time_features(times: &[f32], frequencies: usize, device: &Device) -> Tensor<2> {
    let data = time_embedding::features(times, frequencies);
    Tensor::from_data(
        TensorData::new(data, [times.len(), time_embedding::width(frequencies)]),
        device,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::rng::seeded;

    fn values(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    #[test]
    fn the_state_gain_starts_at_zero_and_multiplies_the_state() {
        let device = Default::default();
        let plain = DriftNetConfig {
            dim: 3,
            hidden: 16,
            ..DriftNetConfig::default()
        };
        let gained = DriftNetConfig {
            state_gain: 3.0,
            ..plain.clone()
        };
        let x = Tensor::<2>::from_floats([[0.5, -2.0, 4.0], [1.0, 3.0, -1.5]], &device);
        let time = time_features(&[0.3], plain.time_frequencies, &device);
        // Same seed, gain or not: same network, and (untrained) the same drift.
        let without = DriftNet::new(&plain, false, &mut seeded(7), &device);
        let mut with = DriftNet::new(&gained, false, &mut seeded(7), &device);
        let u = values(without.forward(x.clone(), without.embed_time(time.clone())));
        let embedding = with.embed_time(time.clone());
        assert_eq!(u, values(with.forward(x.clone(), embedding.clone())));

        // A gain head with bias c per coordinate adds b·tanh(c) ⊙ x to the drift.
        let gains = [0.5f32, -1.0, 2.0];
        let head = with.gain.take().unwrap();
        with.gain = Some(Linear {
            bias: Some(Param::from_tensor(Tensor::from_floats(gains, &device))),
            ..head
        });
        let v = values(with.forward(x.clone(), embedding));
        let xs = values(x);
        for (i, (&vi, &ui)) in v.iter().zip(&u).enumerate() {
            let expected = ui + 3.0 * gains[i % 3].tanh() * xs[i];
            assert!((vi - expected).abs() < 1e-5, "{i}: {vi} against {expected}");
        }
    }
}
