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

use crate::sampler::trajectory::tensor_to_points;

/// Row-major values of a matrix, in f64.
fn flat(t: Tensor<2>) -> Vec<f64> {
    tensor_to_points(t)
        .as_slice()
        .iter()
        .map(|&v| v as f64)
        .collect()
}

/// Log-scales are clamped to this range: a logistic narrower than e⁻⁷ of the standardised
/// data would make the Jacobian of f explode.
const LOG_SCALE_RANGE: (f32, f32) = (-7.0, 3.0);

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

fn log_sigmoid_f64(a: f64) -> f64 {
    -((-a).max(0.0) + (-a.abs()).exp().ln_1p())
}

fn log_sum_exp_f64(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let max = values.clone().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    max + values.map(|v| (v - max).exp()).sum::<f64>().ln()
}

impl HostMixture {
    /// g(y) = logit F(y) and log g'(y) for coordinate `j`.
    fn logit_cdf(&self, j: usize, y: f64) -> (f64, f64) {
        let k = self.components;
        let terms = (0..k).map(|c| {
            let i = j * k + c;
            let a = (y - self.mean[i]) * (-self.log_scale[i]).exp();
            (
                self.log_weight[i],
                log_sigmoid_f64(a),
                log_sigmoid_f64(-a),
                i,
            )
        });
        let log_cdf = log_sum_exp_f64(terms.clone().map(|(w, p, _, _)| w + p));
        let log_survival = log_sum_exp_f64(terms.clone().map(|(w, _, q, _)| w + q));
        let log_pdf = log_sum_exp_f64(terms.map(|(w, p, q, i)| w + p + q - self.log_scale[i]));
        (log_cdf - log_survival, log_pdf - log_cdf - log_survival)
    }

    /// The y with g(y) = u: g is increasing, so Newton steps are kept inside a bracket that
    /// bisection shrinks whenever Newton would leave it.
    fn solve(&self, j: usize, u: f64) -> f64 {
        let (mut lo, mut hi) = (-1.0f64, 1.0f64);
        while self.logit_cdf(j, lo).0 > u && lo > -1e6 {
            lo *= 2.0;
        }
        while self.logit_cdf(j, hi).0 < u && hi < 1e6 {
            hi *= 2.0;
        }
        let mut y = 0.5 * (lo + hi);
        for _ in 0..200 {
            let (g, log_slope) = self.logit_cdf(j, y);
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
        let log_scale = self
            .log_scale
            .val()
            .clamp(LOG_SCALE_RANGE.0, LOG_SCALE_RANGE.1)
            .unsqueeze_dim::<3>(0);
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

    fn host(&self) -> HostMixture {
        let [_, k] = self.mean.val().dims();
        let clamp = |t: Tensor<2>| t.clamp(LOG_SCALE_RANGE.0, LOG_SCALE_RANGE.1);
        HostMixture {
            components: k,
            mean: flat(self.mean.val().detach()),
            log_scale: flat(clamp(self.log_scale.val().detach())),
            log_weight: flat(log_softmax(self.logits.val().detach(), 1)),
        }
    }

    /// u ↦ y, the inverse of [`to_noise`](Self::to_noise), differentiable in u.
    pub fn to_data(&self, u: Tensor<2>) -> Tensor<2> {
        let [n, d] = u.dims();
        let device = u.device();
        let mixture = self.host();
        let host_u = flat(u.clone().detach());
        let solved: Vec<f32> = host_u
            .iter()
            .enumerate()
            .map(|(i, &v)| mixture.solve(i % d, v) as f32)
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
