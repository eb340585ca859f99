//! Training a diffusion prior by maximum likelihood on noised data: for data x_T, states x_t of
//! the Brownian bridge from 0 to x_T are drawn exactly (x_t ~ N(t·x_T, σ²t(1−t)I)) at times
//! spread like the steps of the prior's grid, and the preconditioned denoiser is fitted to x_T
//! with the per-step likelihood weights of the discretised process (see [`PriorWeighting`]).

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use rand::Rng as _;

use super::datasets::DataSource;
use super::diffusion::{DiffusionPrior, DiffusionPriorMeta, Preconditioning, PriorWeighting};
use super::flow::{FLOW_GENERATOR, FlowNet, FlowPrior, FlowPriorMeta};
use super::settings::PriorConfig;
use crate::backend::ComputeDevice;
use crate::error::{Error, Result};
use crate::math::rng::{Rng, seeded, standard_normal};
use crate::math::time_embedding;
use crate::math::time_grid::TimeGrid;
use crate::nn::DriftNet;

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
    let mut meta = DiffusionPriorMeta {
        format_version: 1,
        dataset: data.name().to_string(),
        sigma: config.sigma,
        steps: config.steps,
        net: net_config.clone(),
        grid_power: config.grid_power,
        preconditioning: Some(Preconditioning {
            data_std: root_mean_square(data, &mut rng),
        }),
        weighting: config.weighting,
        iterations: config.iterations,
        seed,
        final_loss: f64::NAN,
    };
    let mut net = DriftNet::new(&net_config, false, &mut rng, &device);
    let mut optimizer = AdamConfig::new().init();
    let (dim, batch) = (net_config.dim, config.batch);
    let (sigma, power, steps) = (config.sigma, config.grid_power, config.steps as f64);
    let last_start = 1.0 - 1.0 / steps;
    let frequencies = net_config.time_frequencies;
    let width = time_embedding::width(frequencies);
    let last_loss = run_training_loop(config, on_progress, |progress| {
        let x_end = data.sample(&mut rng, batch);
        let noise = standard_normal(&mut rng, batch * dim);
        let mut x_t = Vec::with_capacity(batch * dim);
        let mut target = Vec::with_capacity(batch * dim);
        let mut weights = Vec::with_capacity(batch);
        let mut inputs = Vec::with_capacity(batch);
        for i in 0..batch {
            // Grid-uniform time u: the grid's steps in their continuous form, t = 1 − (1 − u)^p.
            let u = rng.random::<f64>() * last_start;
            let t = TimeGrid::warp(power, u);
            let c = meta.coefficients(t);
            let std = sigma * (t * (1.0 - t)).sqrt();
            for j in 0..dim {
                let end = x_end.row(i)[j] as f64;
                let noisy = t * end + std * noise[i * dim + j] as f64;
                x_t.push(noisy as f32);
                target.push(((end - c.skip * noisy) / c.out) as f32);
            }
            weights.push(match meta.weighting {
                // The step's NLL weight Δ/(2σ²(1 − t)²) on D, i.e. Δ·c_out²/(1 − t)² on F.
                PriorWeighting::Likelihood => {
                    let dt = TimeGrid::warp_rate(power, u) / steps;
                    (dt * c.out * c.out / ((1.0 - t) * (1.0 - t))) as f32
                }
                PriorWeighting::Uniform => 1.0,
            });
            inputs.push(meta.time_input(t));
        }
        let mean_weight = weights.iter().sum::<f32>() / batch as f32;
        weights.iter_mut().for_each(|w| *w /= mean_weight);

        let features = time_embedding::features(&inputs, frequencies);
        let x_t = Tensor::<2>::from_data(TensorData::new(x_t, [batch, dim]), &device);
        let target = Tensor::<2>::from_data(TensorData::new(target, [batch, dim]), &device);
        let features = Tensor::<2>::from_data(TensorData::new(features, [batch, width]), &device);
        let weights = Tensor::<2>::from_data(TensorData::new(weights, [batch, 1]), &device);

        let output = net.forward(x_t, net.embed_time(features));
        let per_row = (output - target).powi_scalar(2).sum_dim(1) * weights;
        let loss = per_row.mean();
        let grads = GradientsParams::from_grads(loss.backward(), &net);
        net = optimizer.step(cosine_lr(config.lr, progress), net.clone(), grads);
        loss.detach()
    })?;
    meta.final_loss = last_loss;
    Ok(DiffusionPrior::new(meta, net.valid()))
}

/// √(mean of x²) over the data's coordinates: the scale of the preconditioning.
fn root_mean_square(data: &DataSource, rng: &mut Rng) -> f64 {
    let probe = data.sample(rng, 20_000).into_vec();
    let mean_square = probe.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / probe.len() as f64;
    mean_square.sqrt().max(1e-6)
}

/// Cosine decay to a tenth of the rate: the last iterations polish the fine structure.
pub(crate) fn cosine_lr(lr: f64, progress: f64) -> f64 {
    lr * crate::math::cosine_decay::cosine_factor(0.1, progress)
}

/// Runs `step` (one optimiser step at training progress ∈ (0, 1], returning its loss) for the
/// configured iterations, reading losses back every few iterations to report progress and to
/// stop on a non-finite loss. Returns the last reported mean loss.
pub(crate) fn run_training_loop(
    config: &PriorConfig,
    on_progress: &mut dyn FnMut(&PriorProgress) -> bool,
    mut step: impl FnMut(f64) -> Tensor<1>,
) -> Result<f64> {
    let mut last_loss = f64::NAN;
    let mut pending = Vec::new();
    for iteration in 1..=config.iterations {
        pending.push(step(iteration as f64 / config.iterations as f64));
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
    Ok(last_loss)
}

/// Per-coordinate mean and standard deviation of the data (from 100k samples): generator
/// priors learn y = (x − shift)/scale, so one architecture fits any data range.
pub(crate) fn standardisation(data: &DataSource, rng: &mut Rng) -> (Vec<f64>, Vec<f64>) {
    let dim = data.dim();
    let probe = data.sample(rng, 100_000);
    let covariance = probe.covariance();
    let scale = (0..dim)
        .map(|j| covariance[j * dim + j].sqrt().max(1e-6))
        .collect();
    (probe.mean(), scale)
}

/// `batch` data points, standardised, as a batch × d tensor on `device`.
pub(crate) fn standardised_batch(
    data: &DataSource,
    rng: &mut Rng,
    batch: usize,
    (shift, scale): (&[f64], &[f64]),
    device: &Device,
) -> Tensor<2> {
    let dim = data.dim();
    let mut x = data.sample(rng, batch).into_vec();
    for row in x.chunks_mut(dim) {
        for ((v, m), s) in row.iter_mut().zip(shift).zip(scale) {
            *v = ((*v as f64 - m) / s) as f32;
        }
    }
    Tensor::from_data(TensorData::new(x, [batch, dim]), device)
}

/// Trains an affine-coupling flow on `data` by maximum likelihood, on standardised data.
pub fn train_flow_prior(
    config: &PriorConfig,
    data: &DataSource,
    compute: &ComputeDevice,
    seed: u64,
    on_progress: &mut dyn FnMut(&PriorProgress) -> bool,
) -> Result<FlowPrior> {
    let dim = data.dim();
    if dim < 2 {
        return Err(Error::Dimension {
            what: format!("a flow prior on {}", data.name()),
            expected: 2,
            got: dim,
        });
    }
    if config.batch == 0 {
        return Err(Error::config("prior.batch", "must be at least 1"));
    }
    if (config.flow.couplings == 0 && config.flow.marginal_components == 0)
        || config.flow.hidden == 0
    {
        return Err(Error::config(
            "prior.flow",
            "needs a coupling or a marginal layer, and a hidden width ≥ 1",
        ));
    }
    let mut rng = seeded(seed);
    let (shift, scale) = standardisation(data, &mut rng);
    let device = compute.autodiff();
    let meta = FlowPriorMeta {
        format_version: 1,
        generator: FLOW_GENERATOR.into(),
        dataset: data.name().to_string(),
        dim,
        flow: config.flow.clone(),
        shift,
        scale,
        iterations: config.iterations,
        seed,
        final_loss: f64::NAN,
    };
    let mut flow = FlowPrior::new(
        meta,
        FlowNet::new(&config.flow, dim, true, &mut rng, &device),
    );
    let mut optimizer = AdamConfig::new().init();
    let batch = config.batch;
    let final_loss = run_training_loop(config, on_progress, |progress| {
        let x = data.sample(&mut rng, batch);
        let x = Tensor::<2>::from_data(TensorData::new(x.into_vec(), [batch, dim]), &device);
        let loss = flow.log_density(x).mean().neg();
        let mut backward = loss.backward();
        let warming_up =
            progress * (config.iterations as f64) <= config.flow.marginal_warmup as f64;
        let grads = match flow.net.marginal() {
            Some(marginal) if warming_up => GradientsParams::from_module(&mut backward, marginal),
            _ => GradientsParams::from_module(&mut backward, &flow.net),
        };
        flow.net = optimizer.step(cosine_lr(config.lr, progress), flow.net.clone(), grads);
        loss.detach()
    })?;
    flow.meta.final_loss = final_loss;
    flow.net = flow.net.valid();
    Ok(flow)
}
