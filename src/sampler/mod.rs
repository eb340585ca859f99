//! The diffusion sampler q_θ: drift u_ref + v_θ with the same σ as the reference, and the
//! simulation of its trajectories forwards (sampling) and backwards (Brownian bridge).

pub mod langevin;
pub mod settings;
pub mod trajectory;

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use crate::math::rng::Rng;
use crate::nn::{DriftNet, DriftNetConfig};
use langevin::LangevinScale;
use settings::{LangevinTerm, VarianceTerm};

/// The learned control v_θ(x, t) = NN₁(x, t) [+ NN₂(t)·clip(∇ log r(x))], and optionally a
/// learned step variance s² = σ²·exp(h_θ(x, t)) with h = range·tanh(NN₃(x, t)), zero until
/// trained (zero-initialised head), so bounded to σ²·e^{±range}. A fixed log-variance per step
/// ([`StepVariance`](settings::StepVariance)) adds to h, learned or not.
#[derive(Module, Debug)]
pub struct SamplerNet {
    drift: DriftNet,
    langevin: Option<LangevinScale>,
    variance: Option<DriftNet>,
    #[module(skip)]
    log_variance_range: f32,
    /// log(s_k²/(σ²Δ_k)) per grid step before learning; empty: zero.
    #[module(skip)]
    fixed_log_variance: Vec<f32>,
}

/// Per-time quantities of the sampler on a time grid, computed once per simulation.
#[derive(Clone, Debug)]
pub struct SamplerTime {
    /// T × H time embeddings of NN₁.
    pub embedding: Tensor<2>,
    /// T × d Langevin scales NN₂(t_k).
    pub langevin_scale: Option<Tensor<2>>,
    /// T × H time embeddings of the log-variance network NN₃.
    pub variance_embedding: Option<Tensor<2>>,
    /// T × 1 fixed log-variances of the steps, when the sampler has them.
    pub fixed_log_variance: Option<Tensor<2>>,
}

impl SamplerNet {
    /// A new sampler whose control is exactly zero (and whose learned log-variance, with
    /// `log_variance_range` set, is exactly zero): untrained, it is its reference process,
    /// unless its Langevin term has fixed gains.
    pub fn new(
        config: &DriftNetConfig,
        langevin: LangevinTerm,
        variance: VarianceTerm,
        rng: &mut Rng,
        device: &Device,
    ) -> Self {
        Self {
            drift: DriftNet::new(config, true, rng, device),
            langevin: match langevin {
                LangevinTerm::Off => None,
                LangevinTerm::Learned => Some(LangevinScale::new(config, None, rng, device)),
                LangevinTerm::Gains(gains) => {
                    Some(LangevinScale::new(config, Some(gains), rng, device))
                }
            },
            // The gain is the control's: a log-variance proportional to the state means nothing.
            variance: variance.learned_range.map(|_| {
                let config = DriftNetConfig {
                    state_gain: 0.0,
                    ..config.clone()
                };
                DriftNet::new(&config, true, rng, device)
            }),
            log_variance_range: variance.learned_range.unwrap_or(0.0) as f32,
            fixed_log_variance: variance.fixed,
        }
    }

    pub fn learns_variance(&self) -> bool {
        self.variance.is_some()
    }

    fn bounded(&self, raw: Tensor<2>) -> Tensor<2> {
        raw.tanh().mul_scalar(self.log_variance_range)
    }

    /// h = log(s²/(σ²Δ)) at states of one time step k (B × d), when the variance is learned
    /// or fixed per step.
    pub fn log_variance_step(
        &self,
        x: Tensor<2>,
        time: &SamplerTime,
        k: usize,
    ) -> Option<Tensor<2>> {
        let [batch, dim] = x.dims();
        let fixed = time
            .fixed_log_variance
            .as_ref()
            .map(|f| f.clone().slice([k..k + 1, 0..1]));
        let learned = match (self.variance.as_ref(), time.variance_embedding.as_ref()) {
            (Some(net), Some(embedding)) => {
                let [_, width] = embedding.dims();
                let row = embedding.clone().slice([k..k + 1, 0..width]);
                Some(self.bounded(net.forward(x, row)))
            }
            _ => None,
        };
        match (learned, fixed) {
            (Some(h), Some(f)) => Some(h + f.expand([batch, dim])),
            (h, None) => h,
            (None, Some(f)) => Some(f.expand([batch, dim])),
        }
    }

    /// h at a time-major grid of states ((T·B) × d), when the variance is learned or fixed
    /// per step.
    pub fn log_variance_grid(&self, x: Tensor<2>, time: &SamplerTime) -> Option<Tensor<2>> {
        let [rows, dim] = x.dims();
        let learned = match (self.variance.as_ref(), time.variance_embedding.as_ref()) {
            (Some(net), Some(embedding)) => {
                Some(self.bounded(net.forward_grid(x, embedding.clone())))
            }
            _ => None,
        };
        let Some(fixed) = &time.fixed_log_variance else {
            return learned;
        };
        let [steps, _] = fixed.dims();
        let shape = [steps, rows / steps, dim];
        let fixed = fixed.clone().reshape([steps, 1, 1]).expand(shape);
        Some(match learned {
            Some(h) => (h.reshape(shape) + fixed).reshape([rows, dim]),
            None => fixed.reshape([rows, dim]),
        })
    }

    pub fn uses_langevin(&self) -> bool {
        self.langevin.is_some()
    }

    /// Time embeddings from Fourier features of the time grid (T × 2K, see
    /// [`time_grid_features`](crate::nn::time_grid_features)).
    pub fn time(&self, features: Tensor<2>) -> SamplerTime {
        self.time_of_steps(features, None)
    }

    /// Time embeddings of some steps of the grid, in that order, from their rows of Fourier
    /// features; `None`: every step.
    pub fn time_of_steps(&self, features: Tensor<2>, steps: Option<&[usize]>) -> SamplerTime {
        let fixed_log_variance = (!self.fixed_log_variance.is_empty()).then(|| {
            let values = of_steps(&self.fixed_log_variance, steps);
            let rows = values.len();
            Tensor::<1>::from_floats(values.as_slice(), &features.device()).reshape([rows, 1])
        });
        SamplerTime {
            fixed_log_variance,
            embedding: self.drift.embed_time(features.clone()),
            variance_embedding: self
                .variance
                .as_ref()
                .map(|v| v.embed_time(features.clone())),
            langevin_scale: self.langevin.as_ref().map(|l| l.forward(features, steps)),
        }
    }

    /// v at states of one time step k (B × d). `langevin_grad` is clip(∇ log r(x)).
    pub fn control_step(
        &self,
        x: Tensor<2>,
        time: &SamplerTime,
        k: usize,
        langevin_grad: Option<Tensor<2>>,
    ) -> Tensor<2> {
        let [_, width] = time.embedding.dims();
        let row = time.embedding.clone().slice([k..k + 1, 0..width]);
        let mut v = self.drift.forward(x, row);
        if let (Some(scale), Some(grad)) = (&time.langevin_scale, langevin_grad) {
            let [_, d] = scale.dims();
            v = v + grad * scale.clone().slice([k..k + 1, 0..d]);
        }
        v
    }

    /// v at a time-major grid of states ((T·B) × d).
    pub fn control_grid(
        &self,
        x: Tensor<2>,
        time: &SamplerTime,
        langevin_grad: Option<Tensor<2>>,
    ) -> Tensor<2> {
        let [rows, d] = x.dims();
        let mut v = self.drift.forward_grid(x, time.embedding.clone());
        if let (Some(scale), Some(grad)) = (&time.langevin_scale, langevin_grad) {
            let [steps, _] = scale.dims();
            let scaled =
                grad.reshape([steps, rows / steps, d]) * scale.clone().unsqueeze_dim::<3>(1);
            v = v + scaled.reshape([rows, d]);
        }
        v
    }
}

/// The values of some steps of a per-step table, in that order; `None`: all of them.
fn of_steps(values: &[f32], steps: Option<&[usize]>) -> Vec<f32> {
    match steps {
        Some(steps) => steps.iter().map(|&k| values[k]).collect(),
        None => values.to_vec(),
    }
}
