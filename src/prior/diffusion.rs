//! A diffusion prior: the process x_0 = 0, x_{k+1} = x_k + u_φ(x_k, t_k)·Δ_k + σ·√Δ_k·ε on its
//! time grid, whose terminal state follows the data. The network gives the denoised end point
//! D(x, t) ≈ E[x_T | x_t = x], and the drift is u = (D − x)/(1 − t), the Brownian bridge's drift
//! towards it.
//!
//! Near t = 1 that drift grows like 1/(1 − t), and a grid with small last steps evaluates it
//! there. A preconditioned prior therefore writes D = c_skip(t)·x + c_out(t)·F(x, t), with the
//! coefficients of the best linear denoiser for data of scale σ_d (see [`Preconditioning`]):
//! the network F has a target of unit scale at every t, D → x as t → 1 without the network's
//! help, and the drift is formed as a(t)·x + b(t)·F from closed forms with no 0/0. It also sees
//! time through logit t, which resolves the last steps (t = 0.99 and 0.9999 are far apart).
//!
//! Saved as a folder: `prior.toml` (architecture and provenance) and `weights.bpk` (burn record).

use std::path::Path;

use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::files;
use crate::math::rng::seeded;
use crate::math::time_grid::TimeGrid;
use crate::nn::{DriftNet, DriftNetConfig, time_features};
use crate::records;

pub const META_FILE: &str = "prior.toml";
pub const WEIGHTS_FILE: &str = "weights.bpk";

/// How the per-time losses of prior training are weighted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorWeighting {
    /// Exact maximum likelihood of the discretised process: the bridge's per-step negative
    /// log-likelihood, Δ/(2σ²(1−t)²)·‖x_T − D‖².
    Likelihood,
    /// Equal weight for every time (a denoising loss); same optimum, lower variance.
    Uniform,
}

/// Architecture and provenance of a saved prior.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffusionPriorMeta {
    pub format_version: u32,
    /// The dataset it was trained on (a built-in name or a file name).
    pub dataset: String,
    pub sigma: f64,
    /// The number of steps T it was trained for.
    pub steps: usize,
    pub net: DriftNetConfig,
    /// Power p of the time grid t_k = 1 − (1 − k/T)^p it was trained for (1: uniform, the
    /// format of priors saved before grids existed).
    #[serde(default = "uniform_grid_power")]
    pub grid_power: f64,
    /// Present for preconditioned priors; absent in priors saved before preconditioning, whose
    /// network gives D directly and sees time linearly.
    #[serde(default)]
    pub preconditioning: Option<Preconditioning>,
    pub weighting: PriorWeighting,
    pub iterations: usize,
    pub seed: u64,
    /// Mean training loss over the last iterations.
    pub final_loss: f64,
}

fn uniform_grid_power() -> f64 {
    1.0
}

/// D = c_skip·x + c_out·F with the coefficients of the best linear estimate of x_T from
/// x_t = t·x_T + σ√(t(1−t))·ε for zero-mean data of per-coordinate scale σ_d:
/// c_skip = σ_d²/v, c_out = σσ_d√(1−t)/√v with v = t·σ_d² + σ²(1 − t).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preconditioning {
    /// Root mean square of the data's coordinates.
    pub data_std: f64,
}

/// The coefficients of one time: D = skip·x + out·F and u = (D − x)/(1 − t) = drift_x·x +
/// drift_f·F.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DenoiserCoefficients {
    pub skip: f64,
    pub out: f64,
    pub drift_x: f64,
    pub drift_f: f64,
}

/// Logit times are clamped to [1e-4, 1 − 1e-6] before they become features in [0, 1].
const LOGIT_TIME_RANGE: (f64, f64) = (-9.21, 13.82);

impl DiffusionPriorMeta {
    /// The grid the prior was trained for.
    pub fn grid(&self) -> TimeGrid {
        TimeGrid::new(self.steps, self.grid_power)
    }

    /// The latest time at which a step starts on the prior's grid: the network is trained up to
    /// here and not beyond.
    pub fn last_trained_time(&self) -> f64 {
        self.grid().t(self.steps.saturating_sub(1))
    }

    pub fn coefficients(&self, t: f64) -> DenoiserCoefficients {
        let sigma = self.sigma;
        match self.preconditioning {
            None => {
                let inv = 1.0 / (1.0 - t);
                DenoiserCoefficients {
                    skip: 0.0,
                    out: 1.0,
                    drift_x: -inv,
                    drift_f: inv,
                }
            }
            Some(Preconditioning { data_std }) => {
                let sd2 = data_std * data_std;
                let v = t * sd2 + sigma * sigma * (1.0 - t);
                DenoiserCoefficients {
                    skip: sd2 / v,
                    out: sigma * data_std * (1.0 - t).max(0.0).sqrt() / v.sqrt(),
                    // (c_skip − 1)/(1 − t) and c_out/(1 − t), simplified.
                    drift_x: (sd2 - sigma * sigma) / v,
                    drift_f: sigma * data_std / ((1.0 - t).max(1e-12).sqrt() * v.sqrt()),
                }
            }
        }
    }

    /// The value the network sees for time t.
    pub fn time_input(&self, t: f64) -> f32 {
        match self.preconditioning {
            None => t as f32,
            Some(_) => {
                let (lo, hi) = LOGIT_TIME_RANGE;
                let t = t.clamp(1e-4, 1.0 - 1e-6);
                (((t / (1.0 - t)).ln() - lo) / (hi - lo)) as f32
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct DiffusionPrior {
    pub meta: DiffusionPriorMeta,
    /// The denoiser network, frozen, on a device without gradient tracking.
    pub net: DriftNet,
}

impl DiffusionPrior {
    pub fn new(meta: DiffusionPriorMeta, net: DriftNet) -> Self {
        Self { meta, net }
    }

    /// Time embeddings at the step start times of `grid` (T × H).
    pub fn time_embedding(&self, grid: &TimeGrid, device: &Device) -> Tensor<2> {
        self.time_embedding_at(grid.step_starts(), device)
    }

    /// Time embeddings at arbitrary times (len × H).
    pub fn time_embedding_at(&self, times: &[f64], device: &Device) -> Tensor<2> {
        let inputs: Vec<f32> = times.iter().map(|&t| self.meta.time_input(t)).collect();
        let features = time_features(&inputs, self.meta.net.time_frequencies, device);
        self.net.embed_time(features)
    }

    /// D(x, t): the one-step estimate of x_T from states at one time t, whose embedding row
    /// (1 × H) is given.
    pub fn denoise(&self, x: Tensor<2>, time_embedding_row: Tensor<2>, t: f64) -> Tensor<2> {
        let c = self.meta.coefficients(t);
        let f = self.net.forward(x.clone(), time_embedding_row);
        x.mul_scalar(c.skip as f32) + f.mul_scalar(c.out as f32)
    }

    /// D(x, t) at one time, embedding it on the way.
    pub fn denoise_at(&self, x: Tensor<2>, t: f64) -> Tensor<2> {
        let embedding = self.time_embedding_at(&[t], &x.device());
        self.denoise(x, embedding, t)
    }

    /// u(x, t_k) = (D(x, t_k) − x)/(1 − t_k) for states at one time.
    pub fn drift(&self, x: Tensor<2>, time_embedding_row: Tensor<2>, t: f64) -> Tensor<2> {
        let c = self.meta.coefficients(t);
        let f = self.net.forward(x.clone(), time_embedding_row);
        x.mul_scalar(c.drift_x as f32) + f.mul_scalar(c.drift_f as f32)
    }

    /// u at a time-major grid of states ((T·B) × d) with embeddings T × H at the step start
    /// times of `grid`.
    pub fn drift_grid(
        &self,
        x: Tensor<2>,
        time_embedding: Tensor<2>,
        grid: &TimeGrid,
    ) -> Tensor<2> {
        let [rows, dim] = x.dims();
        let [steps, _] = time_embedding.dims();
        let batch = rows / steps;
        let f = self.net.forward_grid(x.clone(), time_embedding);
        let coefficients: Vec<DenoiserCoefficients> = grid
            .step_starts()
            .iter()
            .map(|&t| self.meta.coefficients(t))
            .collect();
        let column = |pick: fn(&DenoiserCoefficients) -> f64| {
            let values: Vec<f32> = coefficients.iter().map(|c| pick(c) as f32).collect();
            Tensor::<3>::from_data(TensorData::new(values, [steps, 1, 1]), &x.device())
        };
        let (a, b) = (column(|c| c.drift_x), column(|c| c.drift_f));
        (x.clone().reshape([steps, batch, dim]) * a + f.reshape([steps, batch, dim]) * b)
            .reshape([rows, dim])
    }

    /// Writes `prior.toml` and `weights.bpk` into `dir`, each atomically.
    pub fn save(&self, dir: &Path) -> Result<()> {
        records::save_module(&self.net, &dir.join(WEIGHTS_FILE), "prior weights")?;
        let meta = toml::to_string_pretty(&self.meta)
            .map_err(|e| Error::Unsupported(format!("cannot serialise prior metadata: {e}")))?;
        files::write_atomic(&dir.join(META_FILE), meta.as_bytes())
    }

    /// Reads a prior saved by [`save`](Self::save).
    pub fn load(dir: &Path, device: &Device) -> Result<Self> {
        if !dir.is_dir() {
            return Err(Error::bad_file(
                dir,
                "not a prior folder (expected a folder with prior.toml and weights.bpk; \
                 make one with `posterior-studio pretrain`)",
            ));
        }
        let meta_path = dir.join(META_FILE);
        let meta: DiffusionPriorMeta = toml::from_str(&files::read_to_string(&meta_path)?)
            .map_err(|e| Error::bad_file(&meta_path, e.to_string()))?;
        if meta.format_version != 1 {
            return Err(Error::bad_file(
                &meta_path,
                format!(
                    "format_version {} is not supported (1 is)",
                    meta.format_version
                ),
            ));
        }
        // Fresh weights of the declared architecture, then overwritten by the record.
        let fresh = DriftNet::new(&meta.net, false, &mut seeded(0), device);
        let net = records::load_module(fresh, &dir.join(WEIGHTS_FILE))?;
        Ok(Self { meta, net })
    }
}
