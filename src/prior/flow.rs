//! A RealNVP-style affine-coupling flow: x = f(z), z ~ N(0, I), with an exact inverse and an
//! exact density. Each coupling keeps one half of the coordinates and moves the other half by
//! u ↦ u·exp(s) + t, where (s, t) are an MLP of the kept half; the halves alternate. The data
//! are standardised first (x = shift + scale·y), so one architecture fits any data range.
//!
//! Saved as a folder like the diffusion prior: `prior.toml` (with `generator = "flow"`) and
//! `weights.bpk`.

use std::f64::consts::PI;
use std::path::Path;

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::marginal::MarginalLayer;
use crate::error::{Error, Result};
use crate::files;
use crate::math::rng::{Rng, seeded};
use crate::nn::{Activation, dense_layers};
use crate::records;

pub const FLOW_GENERATOR: &str = "flow";

/// Architecture of a flow; saved beside its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlowConfig {
    /// Number of affine couplings (the kept half alternates between them).
    pub couplings: usize,
    /// Width of the hidden layers of each coupling's MLP.
    pub hidden: usize,
    /// Hidden-to-hidden layers of each coupling's MLP.
    pub depth: usize,
    /// Log-scales are squashed to ±this (s = b·tanh(raw/b)), which keeps every step invertible
    /// with a bounded Jacobian.
    pub scale_bound: f64,
    pub activation: Activation,
    /// A fixed random rotation before every coupling. Without it a density that factorises
    /// along the axes (the 25GMM grid) is a fixed point: every conditional is the same, so an
    /// affine coupling has nothing to learn beyond a Gaussian.
    pub rotations: bool,
    /// Logistic components of the elementwise mixture-CDF layer on the data side (0: none).
    /// It lets the flow bend each coordinate into several modes, so that the noise-space
    /// cells of the modes are broad and smooth rather than thin stripes.
    pub marginal_components: usize,
    /// Training iterations during which only the marginal layer learns (the couplings stay
    /// the identity). Fitted first, the marginals carry the modes, and the couplings only
    /// correct what is left, instead of folding the modes into stripes of the noise space.
    pub marginal_warmup: usize,
}

impl Default for FlowConfig {
    fn default() -> Self {
        Self {
            couplings: 12,
            hidden: 64,
            depth: 2,
            scale_bound: 3.0,
            activation: Activation::Relu,
            rotations: true,
            marginal_components: 0,
            marginal_warmup: 0,
        }
    }
}

/// Architecture and provenance of a saved flow.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowPriorMeta {
    pub format_version: u32,
    /// Which kind of generator the folder holds (`flow`).
    pub generator: String,
    pub dataset: String,
    pub dim: usize,
    pub flow: FlowConfig,
    /// Standardisation: x = shift + scale·y.
    pub shift: Vec<f64>,
    pub scale: Vec<f64>,
    pub iterations: usize,
    pub seed: u64,
    /// Mean negative log-likelihood (nats per point) over the last iterations.
    pub final_loss: f64,
}

#[derive(Module, Debug)]
pub struct Coupling {
    layers: Vec<Linear>,
    /// The first `split` coordinates form one half, the rest the other.
    #[module(skip)]
    split: usize,
    /// Whether the second half is the kept (conditioning) one.
    #[module(skip)]
    keeps_second: bool,
    #[module(skip)]
    bound: f32,
    #[module(skip)]
    activation: Activation,
    /// Row-major d × d orthogonal matrix Q applied first (u ↦ Q·u), if any.
    #[module(skip)]
    rotation: Option<Vec<f32>>,
}

/// A random orthogonal matrix (Gram–Schmidt on Gaussian columns), the same for every run.
fn fixed_rotation(index: usize, dim: usize) -> Vec<f32> {
    let mut rng = seeded(0x0f10_u64 + index as u64);
    let mut q = vec![0.0f64; dim * dim];
    for col in 0..dim {
        let mut v: Vec<f64> = crate::math::rng::standard_normal(&mut rng, dim)
            .into_iter()
            .map(f64::from)
            .collect();
        for prev in 0..col {
            let dot: f64 = (0..dim).map(|r| v[r] * q[r * dim + prev]).sum();
            for (r, x) in v.iter_mut().enumerate() {
                *x -= dot * q[r * dim + prev];
            }
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
        for (r, x) in v.iter().enumerate() {
            q[r * dim + col] = x / norm;
        }
    }
    q.into_iter().map(|x| x as f32).collect()
}

impl Coupling {
    /// u·Qᵀ (rows rotated by Q), or u·Q to undo it.
    fn rotate(&self, u: Tensor<2>, undo: bool) -> Tensor<2> {
        let Some(q) = &self.rotation else {
            return u;
        };
        let [_, d] = u.dims();
        let q = Tensor::<2>::from_data(TensorData::new(q.clone(), [d, d]), &u.device());
        if undo {
            u.matmul(q)
        } else {
            u.matmul(q.transpose())
        }
    }

    fn halves(&self, u: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let [n, d] = u.dims();
        let first = u.clone().slice([0..n, 0..self.split]);
        let second = u.slice([0..n, self.split..d]);
        if self.keeps_second {
            (second, first)
        } else {
            (first, second)
        }
    }

    fn join(&self, kept: Tensor<2>, moved: Tensor<2>) -> Tensor<2> {
        if self.keeps_second {
            Tensor::cat(vec![moved, kept], 1)
        } else {
            Tensor::cat(vec![kept, moved], 1)
        }
    }

    /// (s, t) for the moved half, from the kept half.
    fn scale_shift(&self, kept: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let last = self.layers.len() - 1;
        let mut h = kept;
        for layer in &self.layers[..last] {
            h = self.activation.apply(layer.forward(h));
        }
        let out = self.layers[last].forward(h);
        let [n, width] = out.dims();
        let moved = width / 2;
        let raw = out.clone().slice([0..n, 0..moved]);
        let s = raw.div_scalar(self.bound).tanh().mul_scalar(self.bound);
        let t = out.slice([0..n, moved..width]);
        (s, t)
    }

    /// The generative direction; also returns log|det ∂out/∂in| per row (N × 1).
    fn forward(&self, u: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let (kept, moved) = self.halves(self.rotate(u, false));
        let (s, t) = self.scale_shift(kept.clone());
        let moved = moved * s.clone().exp() + t;
        (self.join(kept, moved), s.sum_dim(1))
    }

    /// The inverse direction; also returns log|det ∂out/∂in| of the inverse (N × 1).
    fn inverse(&self, v: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let (kept, moved) = self.halves(v);
        let (s, t) = self.scale_shift(kept.clone());
        let moved = (moved - t) * s.clone().neg().exp();
        (
            self.rotate(self.join(kept, moved), true),
            s.sum_dim(1).neg(),
        )
    }
}

#[derive(Module, Debug)]
pub struct FlowNet {
    couplings: Vec<Coupling>,
    /// Applied last when generating (first in the density direction).
    marginal: Option<MarginalLayer>,
}

impl FlowNet {
    /// A new flow on R^dim (dim ≥ 2). With `identity` every coupling's last layer starts at
    /// zero, so that the untrained flow is the identity.
    pub fn new(
        config: &FlowConfig,
        dim: usize,
        identity: bool,
        rng: &mut Rng,
        device: &Device,
    ) -> Self {
        let split = dim / 2;
        let couplings = (0..config.couplings)
            .map(|i| {
                let keeps_second = i % 2 == 1;
                let kept = if keeps_second { dim - split } else { split };
                let moved = dim - kept;
                let h = config.hidden;
                let mut shapes = vec![(kept, h, false)];
                shapes.extend((0..config.depth).map(|_| (h, h, false)));
                shapes.push((h, 2 * moved, identity));
                Coupling {
                    layers: dense_layers(rng, &shapes, device),
                    split,
                    keeps_second,
                    bound: config.scale_bound as f32,
                    activation: config.activation,
                    rotation: config.rotations.then(|| fixed_rotation(i, dim)),
                }
            })
            .collect();
        let marginal = (config.marginal_components > 0)
            .then(|| MarginalLayer::new(dim, config.marginal_components, device));
        Self {
            couplings,
            marginal,
        }
    }

    pub(crate) fn marginal(&self) -> Option<&MarginalLayer> {
        self.marginal.as_ref()
    }

    fn forward(&self, z: Tensor<2>) -> Tensor<2> {
        let mut u = z;
        for coupling in &self.couplings {
            u = coupling.forward(u).0;
        }
        match &self.marginal {
            Some(marginal) => marginal.to_data(u),
            None => u,
        }
    }

    /// y ↦ (z, log|det ∂z/∂y|).
    fn inverse(&self, y: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let [n, _] = y.dims();
        let device = y.device();
        let (mut u, mut log_det) = match &self.marginal {
            Some(marginal) => marginal.to_noise(y),
            None => (y, Tensor::<2>::zeros([n, 1], &device)),
        };
        for coupling in self.couplings.iter().rev() {
            let (next, ld) = coupling.inverse(u);
            u = next;
            log_det = log_det + ld;
        }
        (u, log_det)
    }
}

/// A trained flow with its standardisation.
#[derive(Clone, Debug)]
pub struct FlowPrior {
    pub meta: FlowPriorMeta,
    pub net: FlowNet,
}

impl FlowPrior {
    pub fn new(meta: FlowPriorMeta, net: FlowNet) -> Self {
        Self { meta, net }
    }

    pub fn dim(&self) -> usize {
        self.meta.dim
    }

    fn row_constant(values: &[f64], device: &Device) -> Tensor<2> {
        let data: Vec<f32> = values.iter().map(|&v| v as f32).collect();
        Tensor::from_data(TensorData::new(data, [1, values.len()]), device)
    }

    /// x = f(z) for a batch (N × d).
    pub fn generate(&self, z: Tensor<2>) -> Tensor<2> {
        let device = z.device();
        let y = self.net.forward(z);
        y * Self::row_constant(&self.meta.scale, &device)
            + Self::row_constant(&self.meta.shift, &device)
    }

    /// z = f⁻¹(x) and log|det ∂z/∂x| (N × 1).
    pub fn inverse(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let device = x.device();
        let y = (x - Self::row_constant(&self.meta.shift, &device))
            / Self::row_constant(&self.meta.scale, &device);
        let (z, log_det) = self.net.inverse(y);
        let log_scale: f64 = self.meta.scale.iter().map(|s| s.ln()).sum();
        (z, log_det.sub_scalar(log_scale as f32))
    }

    /// log p(x) = log N(f⁻¹(x); 0, I) + log|det ∂f⁻¹/∂x| (N × 1).
    pub fn log_density(&self, x: Tensor<2>) -> Tensor<2> {
        let dim = self.meta.dim as f64;
        let (z, log_det) = self.inverse(x);
        let log_base = z
            .powi_scalar(2)
            .sum_dim(1)
            .mul_scalar(-0.5)
            .sub_scalar((0.5 * dim * (2.0 * PI).ln()) as f32);
        log_base + log_det
    }

    /// Writes `prior.toml` and `weights.bpk` into `dir`, each atomically.
    pub fn save(&self, dir: &Path) -> Result<()> {
        records::save_module(
            &self.net,
            &dir.join(super::diffusion::WEIGHTS_FILE),
            "flow weights",
        )?;
        let meta = toml::to_string_pretty(&self.meta)
            .map_err(|e| Error::Unsupported(format!("cannot serialise flow metadata: {e}")))?;
        files::write_atomic(&dir.join(super::diffusion::META_FILE), meta.as_bytes())
    }

    /// Reads a flow saved by [`save`](Self::save).
    pub fn load(dir: &Path, device: &Device) -> Result<Self> {
        let meta_path = dir.join(super::diffusion::META_FILE);
        if !meta_path.is_file() {
            return Err(Error::bad_file(
                dir,
                "not a prior folder (expected prior.toml and weights.bpk; make one with \
                 `posterior-studio pretrain --set prior.kind=\"flow\"`)",
            ));
        }
        let text = files::read_to_string(&meta_path)?;
        let meta: FlowPriorMeta = toml::from_str(&text).map_err(|e| {
            let hint = if text.contains("weighting") {
                " (this folder holds a diffusion prior: use prior.kind = \"diffusion\")"
            } else {
                ""
            };
            Error::bad_file(&meta_path, format!("{e}{hint}"))
        })?;
        if meta.format_version != 1 || meta.generator != FLOW_GENERATOR {
            return Err(Error::bad_file(
                &meta_path,
                format!(
                    "holds generator `{}` format {}; only `flow` format 1 is supported",
                    meta.generator, meta.format_version
                ),
            ));
        }
        if meta.dim < 2 || meta.shift.len() != meta.dim || meta.scale.len() != meta.dim {
            return Err(Error::bad_file(
                &meta_path,
                "dim, shift and scale do not agree (a flow needs dim ≥ 2)",
            ));
        }
        if meta.scale.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(Error::bad_file(&meta_path, "scale must be positive"));
        }
        let fresh = FlowNet::new(&meta.flow, meta.dim, true, &mut seeded(0), device);
        let net = records::load_module(fresh, &dir.join(super::diffusion::WEIGHTS_FILE))?;
        Ok(Self { meta, net })
    }
}

/// A small flow with random (non-identity) weights and a non-trivial standardisation.
#[cfg(test)]
pub(crate) fn random_flow(device: &Device) -> FlowPrior {
    let config = FlowConfig {
        couplings: 4,
        hidden: 16,
        depth: 1,
        marginal_components: 5,
        ..Default::default()
    };
    let net = FlowNet::new(&config, 2, false, &mut seeded(3), device);
    FlowPrior::new(
        FlowPriorMeta {
            format_version: 1,
            generator: FLOW_GENERATOR.into(),
            dataset: "test".into(),
            dim: 2,
            flow: config,
            shift: vec![1.0, -2.0],
            scale: vec![3.0, 0.5],
            iterations: 0,
            seed: 0,
            final_loss: 0.0,
        },
        net,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::tensor_to_points;
    use burn::tensor::Distribution;

    #[test]
    fn inverse_undoes_generate() {
        let device = Device::flex();
        let flow = random_flow(&device);
        let z = Tensor::<2>::random([500, 2], Distribution::Normal(0.0, 1.0), &device);
        let x = flow.generate(z.clone());
        let (back, _) = flow.inverse(x);
        let err = (back - z).abs().max().into_scalar::<f32>();
        assert!(err < 1e-4, "round trip error {err}");
    }

    #[test]
    fn density_integrates_to_one() {
        let device = Device::flex();
        let flow = random_flow(&device);
        // Quadrature on a grid wide enough for the standardised map (scale 3 and 0.5).
        let (n, lo, hi) = (400usize, [-40.0f32, -12.0], [40.0f32, 8.0]);
        let mut cells = Vec::with_capacity(n * n * 2);
        for i in 0..n {
            for j in 0..n {
                cells.push(lo[0] + (j as f32 + 0.5) * (hi[0] - lo[0]) / n as f32);
                cells.push(lo[1] + (i as f32 + 0.5) * (hi[1] - lo[1]) / n as f32);
            }
        }
        let x = Tensor::<2>::from_data(TensorData::new(cells, [n * n, 2]), &device);
        let density = tensor_to_points(flow.log_density(x).exp());
        let area = ((hi[0] - lo[0]) * (hi[1] - lo[1])) as f64 / (n * n) as f64;
        let total: f64 = density.as_slice().iter().map(|&p| p as f64).sum::<f64>() * area;
        assert!((total - 1.0).abs() < 0.02, "∫p = {total}");
    }

    #[test]
    fn saved_flow_loads_identically() {
        let device = Device::flex();
        let flow = random_flow(&device);
        let dir = tempfile::tempdir().unwrap();
        flow.save(dir.path()).unwrap();
        let loaded = FlowPrior::load(dir.path(), &device).unwrap();
        let z = Tensor::<2>::random([50, 2], Distribution::Normal(0.0, 1.0), &device);
        let diff = (flow.generate(z.clone()) - loaded.generate(z))
            .abs()
            .max()
            .into_scalar::<f32>();
        assert_eq!(diff, 0.0);
    }
}
