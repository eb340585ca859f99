//! An elementwise flow layer: each coordinate y_j is mapped by u_j = logit F_j(y_j), where F_j
//! is the CDF of a learned mixture of K logistics (as in Flow++). Affine couplings cannot bend
//! one coordinate into several modes; this layer can, so a multimodal marginal (the 25GMM's
//! five rows and columns) is carried by a smooth, monotone map instead of being folded into
//! thin stripes of the noise space.
//!
//! The density direction (y → u) is closed-form tensor code. The generative direction (u → y)
//! solves F_j(y) = σ(u) per element by safeguarded Newton on the host in f64, then takes one
//! implicit-function step on the device, y = y* + (u − g(y*))/g'(y*) with y* and g'(y*) held
//! constant, so that autodiff sees ∂y/∂u = 1/g'(y) (the pullback of a generator needs it).

use burn::module::{Module, Param};
use burn::tensor::activation::{log_sigmoid, log_softmax};
use burn::tensor::{Device, Tensor, TensorData};

use crate::math::gaussian::log_sum_exp;
use crate::math::sigmoid::log_sigmoid as log_sigmoid_f64;
use crate::nn::tensor_to_vec;

/// Row-major values of a matrix, in f64.
fn flat(t: Tensor<2>) -> Vec<f64> {
    tensor_to_vec(t.flatten(0, 1))
}

/// Log-scales are clamped to this range: a logistic narrower than e⁻⁷ of the standardised
/// data would make the Jacobian of f explode.
const LOG_SCALE_RANGE: (f32, f32) = (-7.0, 3.0);

/// Points per coordinate of the table that gives each Newton solve a tight starting bracket.
const TABLE_POINTS: usize = 256;

#[derive(Module, Debug)]
pub struct MarginalLayer {
    /// Component locations (d × K).
    mean: Param<Tensor<2>>,
    /// Component log-scales (d × K).
    log_scale: Param<Tensor<2>>,
    /// Unnormalised component log-weights (d × K).
    logits: Param<Tensor<2>>,
}

fn log_sum_exp_last(t: Tensor<3>) -> Tensor<2> {
    let max = t.clone().max_dim(2).detach();
    let [n, d, _] = max.dims();
    ((t - max.clone()).exp().sum_dim(2).log() + max).reshape([n, d])
}

/// Parameters on the host, for the Newton solve.
struct HostMixture {
    components: usize,
    mean: Vec<f64>,
    log_scale: Vec<f64>,
    log_weight: Vec<f64>,
}

/// Per-component log terms of F, 1 − F and F', reused across evaluations of the hot loop.
#[derive(Default)]
struct Terms {
    cdf: Vec<f64>,
    survival: Vec<f64>,
    pdf: Vec<f64>,
}

impl HostMixture {
    /// g(y) = logit F(y) and log g'(y) for coordinate `j`.
    fn logit_cdf(&self, j: usize, y: f64, terms: &mut Terms) -> (f64, f64) {
        let k = self.components;
        terms.cdf.clear();
        terms.survival.clear();
        terms.pdf.clear();
        for i in j * k..(j + 1) * k {
            let a = (y - self.mean[i]) * (-self.log_scale[i]).exp();
            let (below, above) = (log_sigmoid_f64(a), log_sigmoid_f64(-a));
            let w = self.log_weight[i];
            terms.cdf.push(w + below);
            terms.survival.push(w + above);
            terms.pdf.push(w + below + above - self.log_scale[i]);
        }
        let log_cdf = log_sum_exp(&terms.cdf);
        let log_survival = log_sum_exp(&terms.survival);
        let log_pdf = log_sum_exp(&terms.pdf);
        (log_cdf - log_survival, log_pdf - log_cdf - log_survival)
    }

    /// (y, g(y)) on a grid over the components' range for coordinate `j`, increasing in both.
    fn table(&self, j: usize, terms: &mut Terms) -> Vec<(f64, f64)> {
        let k = self.components;
        let range = j * k..(j + 1) * k;
        let reach = |i: usize| 20.0 * self.log_scale[i].exp();
        let lo = range
            .clone()
            .map(|i| self.mean[i] - reach(i))
            .fold(f64::INFINITY, f64::min);
        let hi = range
            .map(|i| self.mean[i] + reach(i))
            .fold(f64::NEG_INFINITY, f64::max);
        (0..TABLE_POINTS)
            .map(|p| {
                let y = lo + (hi - lo) * p as f64 / (TABLE_POINTS - 1) as f64;
                (y, self.logit_cdf(j, y, terms).0)
            })
            .collect()
    }

    /// The y with g(y) = u: g is increasing, so the table gives a bracket (widened by doubling
    /// outside it), and Newton steps stay inside the bracket, which bisection shrinks whenever
    /// Newton would leave it.
    fn solve(&self, j: usize, u: f64, table: &[(f64, f64)], terms: &mut Terms) -> f64 {
        let above = table.partition_point(|&(_, g)| g < u);
        let (mut lo, mut hi) = match (table.get(above.wrapping_sub(1)), table.get(above)) {
            (Some(&(lo, _)), Some(&(hi, _))) => (lo, hi),
            (None, Some(&(hi, _))) => {
                let mut lo = hi - 1.0;
                while self.logit_cdf(j, lo, terms).0 > u && lo > -1e6 {
                    lo = hi - 2.0 * (hi - lo);
                }
                (lo, hi)
            }
            (Some(&(lo, _)), None) => {
                let mut hi = lo + 1.0;
                while self.logit_cdf(j, hi, terms).0 < u && hi < 1e6 {
                    hi = lo + 2.0 * (hi - lo);
                }
                (lo, hi)
            }
            (None, None) => (-1.0, 1.0),
        };
        let mut y = 0.5 * (lo + hi);
        for _ in 0..200 {
            let (g, log_slope) = self.logit_cdf(j, y, terms);
            let residual = g - u;
            if residual.abs() < 1e-10 {
                break;
            }
            if residual > 0.0 {
                hi = y;
            } else {
                lo = y;
            }
            let newton = y - residual * (-log_slope).exp();
            y = if newton > lo && newton < hi && newton.is_finite() {
                newton
            } else {
                0.5 * (lo + hi)
            };
            if hi - lo < 1e-12 * (1.0 + y.abs()) {
                break;
            }
        }
        y
    }
}

impl MarginalLayer {
    /// K components per coordinate, spread over ±2 standard deviations of the standardised
    /// data with equal weights.
    pub fn new(dim: usize, components: usize, device: &Device) -> Self {
        let k = components.max(1);
        let mean: Vec<f32> = (0..dim)
            .flat_map(|_| {
                (0..k).map(move |c| {
                    if k == 1 {
                        0.0
                    } else {
                        -2.0 + 4.0 * c as f32 / (k - 1) as f32
                    }
                })
            })
            .collect();
        let constant = |v: f32| Tensor::<2>::full([dim, k], v, device);
        Self {
            mean: Param::from_tensor(Tensor::from_data(TensorData::new(mean, [dim, k]), device)),
            log_scale: Param::from_tensor(constant((0.3f32).ln())),
            logits: Param::from_tensor(constant(0.0)),
        }
    }

    /// (g(y), log g'(y)) elementwise, N × d each, with g = logit F.
    fn logit_cdf(&self, y: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let [n, d] = y.dims();
        let [_, k] = self.mean.val().dims();
        let log_scale = self.clamped_log_scale().unsqueeze_dim::<3>(0);
        let log_weight = log_softmax(self.logits.val(), 1).unsqueeze_dim::<3>(0);
        let a = (y.unsqueeze_dim::<3>(2).expand([n, d, k]) - self.mean.val().unsqueeze_dim(0))
            * log_scale.clone().neg().exp();
        let below = log_sigmoid(a.clone());
        let above = log_sigmoid(a.neg());
        let log_cdf = log_sum_exp_last(log_weight.clone() + below.clone());
        let log_survival = log_sum_exp_last(log_weight.clone() + above.clone());
        let log_pdf = log_sum_exp_last(log_weight + below + above - log_scale);
        (
            log_cdf.clone() - log_survival.clone(),
            log_pdf - log_cdf - log_survival,
        )
    }

    /// y ↦ (u, log|det ∂u/∂y|) with the log-determinant per row (N × 1).
    pub fn to_noise(&self, y: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let (u, log_slope) = self.logit_cdf(y);
        (u, log_slope.sum_dim(1))
    }

    fn clamped_log_scale(&self) -> Tensor<2> {
        self.log_scale
            .val()
            .clamp(LOG_SCALE_RANGE.0, LOG_SCALE_RANGE.1)
    }

    fn host(&self) -> HostMixture {
        let [_, k] = self.mean.val().dims();
        HostMixture {
            components: k,
            mean: flat(self.mean.val().detach()),
            log_scale: flat(self.clamped_log_scale().detach()),
            log_weight: flat(log_softmax(self.logits.val().detach(), 1)),
        }
    }

    /// u ↦ y, the inverse of [`to_noise`](Self::to_noise), differentiable in u.
    pub fn to_data(&self, u: Tensor<2>) -> Tensor<2> {
        let [n, d] = u.dims();
        let device = u.device();
        let mixture = self.host();
        let mut terms = Terms::default();
        let tables: Vec<_> = (0..d).map(|j| mixture.table(j, &mut terms)).collect();
        let host_u = flat(u.clone().detach());
        let solved: Vec<f32> = host_u
            .iter()
            .enumerate()
            .map(|(i, &v)| mixture.solve(i % d, v, &tables[i % d], &mut terms) as f32)
            .collect();
        let y = Tensor::<2>::from_data(TensorData::new(solved, [n, d]), &device);
        let (g, log_slope) = self.logit_cdf(y.clone());
        y + (u - g.detach()) * log_slope.detach().neg().exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;

    fn layer(device: &Device) -> MarginalLayer {
        let mut layer = MarginalLayer::new(2, 5, device);
        layer.mean = Param::from_tensor(Tensor::from_data(
            TensorData::new(
                vec![-1.4f32, -0.7, 0.0, 0.7, 1.4, -2.0, -0.5, 0.1, 0.3, 2.5],
                [2, 5],
            ),
            device,
        ));
        layer.log_scale = Param::from_tensor(Tensor::full([2, 5], -2.5, device));
        layer
    }

    #[test]
    fn to_data_inverts_to_noise_even_in_the_tails() {
        let device = Device::flex();
        let layer = layer(&device);
        let u = Tensor::<2>::random([400, 2], Distribution::Normal(0.0, 4.0), &device);
        let back = layer.to_noise(layer.to_data(u.clone())).0;
        let err = (back - u).abs().max().into_scalar::<f32>();
        assert!(err < 1e-3, "round trip error {err}");
    }

    #[test]
    fn log_determinant_matches_finite_differences() {
        let device = Device::flex();
        let layer = layer(&device);
        let y = [0.37f32, -0.52];
        let at = |v: [f32; 2]| Tensor::<2>::from_data(TensorData::new(v.to_vec(), [1, 2]), &device);
        let (u, log_det) = layer.to_noise(at(y));
        let u = flat(u);
        let h = 1e-3f32;
        let mut fd = 0.0;
        for j in 0..2 {
            let mut moved = y;
            moved[j] += h;
            let du = flat(layer.to_noise(at(moved)).0)[j] - u[j];
            fd += (du / h as f64).ln();
        }
        let log_det = flat(log_det)[0];
        assert!((fd - log_det).abs() < 1e-2, "fd {fd} vs {log_det}");
    }
}
