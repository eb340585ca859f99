//! Training a diffusion prior by maximum likelihood on noised data: for data x_T, states x_t of
//! the Brownian bridge from 0 to x_T are drawn exactly (x_t ~ N(t·x_T, σ²t(1−t)I)), and the
//! denoiser D(x_t, t) is fitted to x_T with the per-step likelihood weights of the discretised
//! process (see [`PriorWeighting`]).

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Tensor, TensorData};
use rand::Rng as _;

use super::datasets::DataSource;
use super::diffusion::{DiffusionPrior, DiffusionPriorMeta, PriorWeighting};
use crate::backend::ComputeDevice;
use crate::error::{Error, Result};
use crate::experiment::config::PriorConfig;
use crate::math::rng::{seeded, standard_normal};
use crate::math::time_embedding;
use crate::sampler::network::DriftNet;

/// Reported while a prior trains.
#[derive(Clone, Debug)]
pub struct PriorProgress {
    pub iteration: usize,
    pub iterations: usize,
    /// Mean loss since the previous report.
    pub loss: f64,
}

/// How often the loss is read back (a device sync) and reported.
const REPORT_EVERY: usize = 50;

/// Trains a prior on `data`. `on_progress` is called every few iterations; returning `false`
/// stops training early with the model as it is.
pub fn train_diffusion_prior(
    config: &PriorConfig,
    data: &DataSource,
    compute: &ComputeDevice,
    seed: u64,
    on_progress: &mut dyn FnMut(&PriorProgress) -> bool,
) -> Result<DiffusionPrior> {
    let weighting = config.weighting;
    let mut net_config = config.net.clone();
    net_config.dim = data.dim();
    if config.steps < 2 {
        return Err(Error::config("prior.steps", "must be at least 2"));
    }
    if config.batch == 0 {
        return Err(Error::config("prior.batch", "must be at least 1"));
    }
    let device = compute.autodiff();
    let mut rng = seeded(seed);
    let mut net = DriftNet::new(&net_config, false, &mut rng, &device);
    let mut optimizer = AdamConfig::new().init();
    let sigma = config.sigma;
    let t_max = 1.0 - 1.0 / config.steps as f64;
    let dim = net_config.dim;
    let batch = config.batch;
    let mut last_loss = f64::NAN;
    let mut pending = Vec::new();

    for iteration in 1..=config.iterations {
        let x_end = data.sample(&mut rng, batch);
        let noise = standard_normal(&mut rng, batch * dim);
        let times: Vec<f32> = (0..batch)
            .map(|_| (rng.random::<f64>() * t_max) as f32)
            .collect();
        let mut x_t = Vec::with_capacity(batch * dim);
        let mut weights = Vec::with_capacity(batch);
        for (i, &t) in times.iter().enumerate() {
            let t = t as f64;
            let std = sigma * (t * (1.0 - t)).sqrt();
            for j in 0..dim {
                let end = x_end.row(i)[j] as f64;
                x_t.push((t * end + std * noise[i * dim + j] as f64) as f32);
            }
            weights.push(match weighting {
                PriorWeighting::Likelihood => (1.0 / ((1.0 - t) * (1.0 - t))) as f32,
                PriorWeighting::Uniform => 1.0,
            });
        }
        let mean_weight = weights.iter().sum::<f32>() / batch as f32;
        weights.iter_mut().for_each(|w| *w /= mean_weight);

        let features = time_embedding::features(&times, net_config.time_frequencies);
        let width = time_embedding::width(net_config.time_frequencies);
        let x_t = Tensor::<2>::from_data(TensorData::new(x_t, [batch, dim]), &device);
        let target =
            Tensor::<2>::from_data(TensorData::new(x_end.into_vec(), [batch, dim]), &device);
        let features = Tensor::<2>::from_data(TensorData::new(features, [batch, width]), &device);
        let weights = Tensor::<2>::from_data(TensorData::new(weights, [batch, 1]), &device);

        let denoised = net.forward(x_t, net.embed_time(features));
        let per_row = (denoised - target).powi_scalar(2).sum_dim(1) * weights;
        let loss = per_row.mean();
        pending.push(loss.clone().detach());
        let grads = GradientsParams::from_grads(loss.backward(), &net);
        // Cosine decay to a tenth of the rate: the last iterations polish the fine structure.
        let progress = iteration as f64 / config.iterations as f64;
        let lr = config.lr * (0.1 + 0.9 * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()));
        net = optimizer.step(lr, net, grads);

        if iteration % REPORT_EVERY == 0 || iteration == config.iterations {
            let losses: Vec<f64> = pending
                .drain(..)
                .map(|l| l.into_scalar::<f32>() as f64)
                .collect();
            let mean = losses.iter().sum::<f64>() / losses.len().max(1) as f64;
            if !mean.is_finite() {
                return Err(Error::NonFinite {
                    iteration,
                    what: "prior training loss".into(),
                    value: mean,
                });
            }
            last_loss = mean;
            let keep_going = on_progress(&PriorProgress {
                iteration,
                iterations: config.iterations,
                loss: mean,
            });
            if !keep_going {
                break;
            }
        }
    }
    let meta = DiffusionPriorMeta {
        format_version: 1,
        dataset: data.name().to_string(),
        sigma,
        steps: config.steps,
        net: net_config,
        weighting,
        iterations: config.iterations,
        seed,
        final_loss: last_loss,
    };
    Ok(DiffusionPrior::new(meta, net.valid()))
}
