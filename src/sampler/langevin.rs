//! The Langevin term's time-dependent scale, which multiplies clip(∇ log r(x)): NN₂(t), whose
//! last layer starts at zero so that adding the term leaves an untrained sampler unchanged, or
//! a fixed gain g(t) that training scales by 1 + tanh NN₂(t) (see
//! [`LangevinGain`](super::settings::LangevinGain)).

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
    /// g(t_k) per grid step; empty for a learned scale.
    #[module(skip)]
    gains: Vec<f32>,
}

impl LangevinScale {
    /// `gains`: g(t_k) for each step of the grid the scale will be evaluated on, or `None`.
    pub fn new(
        config: &DriftNetConfig,
        gains: Option<Vec<f32>>,
        rng: &mut Rng,
        device: &Device,
    ) -> Self {
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
            gains: gains.unwrap_or_default(),
        }
    }

    /// The scale for rows of time features (rows × d): the grid's steps in order, or the
    /// steps `steps` in that order.
    pub fn forward(&self, features: Tensor<2>, steps: Option<&[usize]>) -> Tensor<2> {
        let h = self.activation.apply(self.time_in.forward(features));
        let h = self.activation.apply(self.hidden.forward(h));
        let raw = self.head.forward(h);
        if self.gains.is_empty() {
            return raw;
        }
        let [rows, _] = raw.dims();
        let gains = super::of_steps(&self.gains, steps);
        assert_eq!(rows, gains.len(), "one Langevin gain per time row");
        let gains = Tensor::<1>::from_floats(gains.as_slice(), &raw.device()).reshape([rows, 1]);
        (raw.tanh() + 1.0) * gains
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::rng::seeded;
    use crate::math::time_grid::TimeGrid;
    use crate::nn::time_grid_features;
    use crate::sampler::settings::LangevinGain;

    #[test]
    fn a_fixed_gain_starts_as_the_exact_gaussian_control_and_stays_within_twice_it() {
        let grid = TimeGrid::new(100, 2.0);
        let gains = LangevinGain::Reference.gains(&grid, 25.0, 0.0).unwrap();
        // g(0) = 625/626; at the last step t = 1 − 10⁻⁴, g = 625/1.0625.
        assert!((gains[0] - 625.0 / 626.0).abs() < 1e-6);
        assert!((gains[99] - 625.0 / 1.0625).abs() < 1e-2, "{}", gains[99]);
        assert!(gains.windows(2).all(|w| w[1] > w[0]));
        // Every Euler step of the exact control contracts: g(t_k)·Δ_k < 1.
        assert!((0..100).all(|k| gains[k] as f64 * grid.dt(k) < 0.3));
        assert!(LangevinGain::Learned.gains(&grid, 25.0, 0.0).is_none());
        // Faded in by t⁴: zero at t = 0, a sixteenth at t = ½, nearly all of it at the end.
        let faded = LangevinGain::Reference.gains(&grid, 25.0, 4.0).unwrap();
        assert_eq!(faded[0], 0.0);
        let half = grid.step_starts().iter().position(|&t| t >= 0.5).unwrap();
        let t = grid.t(half) as f32;
        assert!((faded[half] - t.powi(4) * gains[half]).abs() < 1e-4 * gains[half]);
        assert!((faded[99] / gains[99] - 1.0).abs() < 1e-3);

        let device = Default::default();
        let config = DriftNetConfig {
            dim: 3,
            ..DriftNetConfig::default()
        };
        let features = time_grid_features(&grid, config.time_frequencies, &device);
        let scale = LangevinScale::new(&config, Some(gains.clone()), &mut seeded(1), &device);
        let values = scale
            .forward(features.clone(), None)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        for (k, row) in values.chunks(3).enumerate() {
            assert!(row.iter().all(|&v| (v - gains[k]).abs() < 1e-3 * gains[k]));
        }
        let learned = LangevinScale::new(&config, None, &mut seeded(1), &device);
        let values = learned
            .forward(features, None)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert!(values.iter().all(|&v| v == 0.0));
    }
}
