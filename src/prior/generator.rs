//! Generator priors x = f(z), z ~ N(0, I): the prior is the push-forward of Gaussian noise.
//! Outsourced sampling trains the sampler in z, where the reference is plain Brownian motion
//! (σ = 1, so z_T ~ N(0, I) exactly) and the reward is r(f(z))^β; RTB only needs f itself,
//! the Langevin term and the gradient baselines also need vector–Jacobian products of f.

use std::path::Path;

use std::sync::Arc;

use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::flow::FlowPrior;
use crate::error::Result;
use crate::math::Points;
use crate::math::rng::{Rng, standard_normal};
use crate::nn::{points_to_tensor, tensor_to_points};

/// Rows evaluated at once, so that a 600² quadrature grid does not make one huge tensor.
const CHUNK: usize = 32_768;

/// Where the sampler of a generator prior lives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SamplerSpace {
    /// In x, against a Brownian reference N(0, σ²I), with the prior's density in the target
    /// (needs a prior with a density: a flow).
    #[default]
    Data,
    /// In z, against Brownian motion with σ = 1 and the reward r(f(z)) (any generator).
    Noise,
}

impl SamplerSpace {
    pub fn name(self) -> &'static str {
        match self {
            Self::Data => "data",
            Self::Noise => "noise",
        }
    }
}

/// A generator prior and the space its sampler lives in. The reference process is Brownian
/// motion with `sigma` in that space.
#[derive(Clone)]
pub struct GeneratedPrior {
    pub generator: Arc<dyn Generator>,
    pub space: SamplerSpace,
    pub sigma: f64,
}

impl std::fmt::Debug for GeneratedPrior {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedPrior")
            .field("generator", &self.generator.describe())
            .field("space", &self.space)
            .field("sigma", &self.sigma)
            .finish()
    }
}

impl GeneratedPrior {
    pub fn dim(&self) -> usize {
        match self.space {
            SamplerSpace::Data => self.generator.data_dim(),
            SamplerSpace::Noise => self.generator.noise_dim(),
        }
    }
}

/// A prior given as a deterministic map of N(0, I) noise.
pub trait Generator: Send + Sync {
    /// Dimension of the noise z.
    fn noise_dim(&self) -> usize;
    /// Dimension of the data x = f(z).
    fn data_dim(&self) -> usize;
    /// x = f(z), row by row.
    fn generate(&self, z: &Points) -> Points;
    /// Whether [`pullback`](Self::pullback) and [`grad_log_density`](Self::grad_log_density)
    /// are available.
    fn differentiable(&self) -> bool;
    /// `n` prior samples f(z), z ~ N(0, I).
    fn sample(&self, n: usize, rng: &mut Rng) -> Points {
        let dim = self.noise_dim();
        let noise = Points::new(dim, standard_normal(rng, n * dim))
            .unwrap_or_else(|_| Points::zeros(0, dim));
        self.generate(&noise)
    }
    /// J_f(z)ᵀ·v(f(z)) for each row, or `None` when f is a black box. `v` is given the images
    /// f(z) of the same forward pass that is differentiated, so f runs once.
    fn pullback(&self, z: &Points, v: &dyn Fn(&Points) -> Points) -> Option<Points>;
    /// A point of the noise space that maps to (near) each row of `x`: the flow's exact
    /// inverse, a VAE's encoder mean; `None` for a GAN, which has no encoder.
    fn encode(&self, x: &Points) -> Option<Points>;
    /// log p(x) of the data-space prior, where it is tractable (flows).
    fn log_density(&self, x: &Points) -> Option<Vec<f64>>;
    /// ∇ log p(x), where tractable and differentiable.
    fn grad_log_density(&self, x: &Points) -> Option<Points>;
    /// The dataset it was trained on (its known modes count in mode coverage).
    fn dataset(&self) -> &str;
    fn describe(&self) -> String;
    /// Writes the generator to `dir` so that `prior.path = dir` loads it again.
    fn save(&self, dir: &Path) -> Result<()>;
}

/// A flow evaluated with burn on one device.
#[derive(Clone, Debug)]
pub struct FlowGenerator {
    pub flow: FlowPrior,
    pub device: Device,
}

/// The [`Generator`] methods of a generator that is one differentiable tensor map, `self.map`
/// on `self.device` (a network generator, the probability-flow ODE's solver): generating
/// runs the map in chunks, pulling back runs it under autodiff.
macro_rules! tensor_map_methods {
    () => {
        fn generate(&self, z: &Points) -> Points {
            chunked(z, |z| {
                crate::nn::tensor_to_points(self.map(crate::nn::points_to_tensor(z, &self.device)))
            })
        }

        fn differentiable(&self) -> bool {
            true
        }

        fn pullback(&self, z: &Points, v: &dyn Fn(&Points) -> Points) -> Option<Points> {
            Some(super::generator::autodiff_pullback(
                z,
                &self.device,
                |z| self.map(z),
                v,
            ))
        }
    };
}
pub(crate) use tensor_map_methods;

/// Applies `map` to at most [`CHUNK`] rows at a time.
pub(crate) fn chunked(points: &Points, mut map: impl FnMut(&Points) -> Points) -> Points {
    if points.len() <= CHUNK {
        return map(points);
    }
    let indices: Vec<usize> = (0..points.len()).collect();
    let mut out: Option<Points> = None;
    for chunk in indices.chunks(CHUNK) {
        let part = map(&points.select(chunk));
        match &mut out {
            Some(out) => out.extend(&part),
            None => out = Some(part),
        }
    }
    out.unwrap_or_else(|| Points::zeros(0, points.dim()))
}

/// J_f(z)ᵀ·v(f(z)) by reverse-mode autodiff through `forward`, chunk by chunk.
pub(crate) fn autodiff_pullback(
    z: &Points,
    device: &Device,
    forward: impl Fn(Tensor<2>) -> Tensor<2>,
    v: &dyn Fn(&Points) -> Points,
) -> Points {
    chunked(z, |z| {
        let tracked = points_to_tensor(z, device).autodiff().require_grad();
        let x = forward(tracked.clone());
        let v = points_to_tensor(&v(&tensor_to_points(x.clone().inner())), device);
        let grads = (x * v).sum().backward();
        match tracked.grad(&grads) {
            Some(g) => tensor_to_points(g.inner()),
            None => Points::zeros(z.len(), z.dim()),
        }
    })
}

impl Generator for FlowGenerator {
    fn noise_dim(&self) -> usize {
        self.flow.dim()
    }

    fn data_dim(&self) -> usize {
        self.flow.dim()
    }

    fn generate(&self, z: &Points) -> Points {
        chunked(z, |z| {
            tensor_to_points(self.flow.generate(points_to_tensor(z, &self.device)))
        })
    }

    fn differentiable(&self) -> bool {
        true
    }

    fn pullback(&self, z: &Points, v: &dyn Fn(&Points) -> Points) -> Option<Points> {
        Some(autodiff_pullback(
            z,
            &self.device,
            |z| self.flow.generate(z),
            v,
        ))
    }

    fn encode(&self, x: &Points) -> Option<Points> {
        Some(chunked(x, |x| {
            tensor_to_points(self.flow.inverse(points_to_tensor(x, &self.device)).0)
        }))
    }

    fn log_density(&self, x: &Points) -> Option<Vec<f64>> {
        let column = chunked(x, |x| {
            tensor_to_points(self.flow.log_density(points_to_tensor(x, &self.device)))
        });
        Some(column.as_slice().iter().map(|&v| v as f64).collect())
    }

    fn grad_log_density(&self, x: &Points) -> Option<Points> {
        Some(chunked(x, |x| {
            let tracked = points_to_tensor(x, &self.device).autodiff().require_grad();
            let grads = self.flow.log_density(tracked.clone()).sum().backward();
            match tracked.grad(&grads) {
                Some(g) => tensor_to_points(g.inner()),
                None => Points::zeros(x.len(), x.dim()),
            }
        }))
    }

    fn dataset(&self) -> &str {
        &self.flow.meta.dataset
    }

    fn describe(&self) -> String {
        let c = &self.flow.meta.flow;
        let marginal = match c.marginal_components {
            0 => String::new(),
            k => format!(", {k}-logistic marginal layer"),
        };
        format!(
            "affine-coupling flow on {} ({} couplings, hidden {}×{}{marginal})",
            self.flow.meta.dataset,
            c.couplings,
            c.hidden,
            c.depth + 1
        )
    }

    fn save(&self, dir: &Path) -> Result<()> {
        self.flow.save(dir)
    }
}

/// Hides every gradient of the generator it wraps: f becomes a black box, as a simulator or a
/// non-differentiable renderer would be. Densities stay available.
pub struct BlackBox(pub Arc<dyn Generator>);

impl Generator for BlackBox {
    fn noise_dim(&self) -> usize {
        self.0.noise_dim()
    }

    fn data_dim(&self) -> usize {
        self.0.data_dim()
    }

    fn generate(&self, z: &Points) -> Points {
        self.0.generate(z)
    }

    fn differentiable(&self) -> bool {
        false
    }

    fn pullback(&self, _z: &Points, _v: &dyn Fn(&Points) -> Points) -> Option<Points> {
        None
    }

    fn encode(&self, x: &Points) -> Option<Points> {
        self.0.encode(x)
    }

    fn log_density(&self, x: &Points) -> Option<Vec<f64>> {
        self.0.log_density(x)
    }

    fn grad_log_density(&self, _x: &Points) -> Option<Points> {
        None
    }

    fn dataset(&self) -> &str {
        self.0.dataset()
    }

    fn describe(&self) -> String {
        format!("{} (black box: no gradients)", self.0.describe())
    }

    fn save(&self, dir: &Path) -> Result<()> {
        self.0.save(dir)
    }
}

/// Checks J_f(z)ᵀ·v against central differences of f with step `h` (2-D noise and data).
#[cfg(test)]
pub(crate) fn assert_pullback_matches_differences(
    g: &dyn Generator,
    z: [f32; 2],
    v: [f32; 2],
    h: f32,
) {
    let at = |p: [f32; 2]| Points::from_rows(2, [p]);
    let pulled = g.pullback(&at(z), &|_| at(v)).unwrap();
    for j in 0..2 {
        let (mut plus, mut minus) = (z, z);
        plus[j] += h;
        minus[j] -= h;
        let (xp, xm) = (g.generate(&at(plus)), g.generate(&at(minus)));
        let fd: f32 = (0..2)
            .map(|i| v[i] * (xp.row(0)[i] - xm.row(0)[i]) / (2.0 * h))
            .sum();
        let got = pulled.row(0)[j];
        assert!(
            (fd - got).abs() < 2e-2 * (1.0 + fd.abs()),
            "d/dz{j}: {fd} vs {got}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prior::flow::random_flow;

    fn generator() -> FlowGenerator {
        let device = Device::flex();
        FlowGenerator {
            flow: random_flow(&device),
            device,
        }
    }

    fn at(x: &[f32]) -> Points {
        Points::from_rows(2, [x])
    }

    #[test]
    fn pullback_is_the_transposed_jacobian() {
        assert_pullback_matches_differences(&generator(), [0.3, -0.7], [0.8, -1.3], 1e-2);
    }

    #[test]
    fn density_gradient_matches_finite_differences() {
        let g = generator();
        let x = [2.0f32, -1.5];
        let grad = g.grad_log_density(&at(&x)).unwrap();
        let h = 1e-2f32;
        for j in 0..2 {
            let (mut plus, mut minus) = (x, x);
            plus[j] += h;
            minus[j] -= h;
            let lp = g.log_density(&at(&plus)).unwrap()[0];
            let lm = g.log_density(&at(&minus)).unwrap()[0];
            let fd = ((lp - lm) / (2.0 * h as f64)) as f32;
            let got = grad.row(0)[j];
            assert!(
                (fd - got).abs() < 2e-2 * (1.0 + fd.abs()),
                "d/dx{j}: {fd} vs {got}"
            );
        }
    }

    #[test]
    fn a_black_box_keeps_values_and_hides_gradients() {
        let g = generator();
        let z = Points::from_rows(2, [[0.1f32, 0.2], [-1.0, 2.0]]);
        let boxed = BlackBox(Arc::new(g.clone()));
        assert_eq!(boxed.generate(&z).as_slice(), g.generate(&z).as_slice());
        assert!(!boxed.differentiable());
        assert!(boxed.pullback(&z, &|x| x.clone()).is_none());
        assert!(boxed.grad_log_density(&z).is_none());
    }
}
