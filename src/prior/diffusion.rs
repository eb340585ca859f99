//! A diffusion prior: the process x_0 = 0, x_{k+1} = x_k + u_φ(x_k, t_k)·Δ + σ·√Δ·ε whose
//! terminal state follows the data. The network predicts the denoised end point D(x, t) ≈
//! E[x_T | x_t = x], and the drift is u = (D − x)/(1 − t), the Brownian bridge's drift towards it.
//!
//! Saved as a folder: `prior.toml` (architecture and provenance) and `weights.bpk` (burn record).

use std::path::Path;

use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::files;
use crate::math::rng::seeded;
use crate::math::time_grid::TimeGrid;
use crate::nn::{DriftNet, DriftNetConfig, time_grid_features};
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
    pub weighting: PriorWeighting,
    pub iterations: usize,
    pub seed: u64,
    /// Mean training loss over the last iterations.
    pub final_loss: f64,
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
        let features = time_grid_features(grid, self.meta.net.time_frequencies, device);
        self.net.embed_time(features)
    }

    /// D(x, t_k): the one-step estimate of x_T from states at one time.
    pub fn denoise(&self, x: Tensor<2>, time_embedding_row: Tensor<2>) -> Tensor<2> {
        self.net.forward(x, time_embedding_row)
    }

    /// u(x, t_k) = (D(x, t_k) − x)/(1 − t_k) for states at one time.
    pub fn drift(&self, x: Tensor<2>, time_embedding_row: Tensor<2>, t: f32) -> Tensor<2> {
        let denoised = self.net.forward(x.clone(), time_embedding_row);
        (denoised - x).div_scalar(1.0 - t)
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
        let denoised = self.net.forward_grid(x.clone(), time_embedding);
        let inv: Vec<f32> = grid
            .step_starts()
            .iter()
            .map(|&t| (1.0 / (1.0 - t)) as f32)
            .collect();
        let inv = Tensor::<3>::from_data(TensorData::new(inv, [steps, 1, 1]), &x.device());
        ((denoised - x).reshape([steps, batch, dim]) * inv).reshape([rows, dim])
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
