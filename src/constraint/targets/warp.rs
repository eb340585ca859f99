//! A coordinate-wise change of variables between the process's space and the target's:
//! x = s·sinh(u/s), u = s·asinh(x/s). It is the identity near 0 and logarithmic beyond s, so a
//! target whose scale spans orders of magnitude (the funnel's mouth, where x_i has sd e^{x₀/2}
//! up to ~90, beside a neck where it is below 0.1) becomes one of bounded scale, which a process
//! with one noise scale can reach. The density in u carries the Jacobian, log R̃(x(u)) +
//! Σ log cosh(u_i/s), so its integral is log Z again and every importance weight stays exact.
//! The sampler, its buffer and local search work in u; metrics, exports and views see x.

use std::sync::Arc;

use super::{EnergyTarget, TargetShape};
use crate::error::{Error, Result};
use crate::math::Points;
use crate::math::rng::Rng;

/// The map x = s·sinh(u/s) and its inverse.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Warp {
    scale: f64,
}

impl Warp {
    pub fn new(scale: f64) -> Result<Self> {
        if !(scale.is_finite() && scale > 0.0) {
            return Err(Error::config(
                "constraint.energy.warp",
                format!("the warp's scale must be finite and > 0 (0 for none), got {scale}"),
            ));
        }
        Ok(Self { scale })
    }

    pub fn scale(&self) -> f64 {
        self.scale
    }

    fn data_row(&self, u: &[f32], x: &mut [f32]) {
        let s = self.scale;
        for (x, &u) in x.iter_mut().zip(u) {
            *x = (s * (u as f64 / s).sinh()) as f32;
        }
    }

    /// Points of the process's space (u) in the target's (x).
    pub fn to_data(&self, points: &Points) -> Points {
        self.map(points, |u, x| self.data_row(u, x))
    }

    /// Points of the target's space (x) in the process's (u).
    pub fn to_process(&self, points: &Points) -> Points {
        let s = self.scale;
        self.map(points, |x, u| {
            for (u, &x) in u.iter_mut().zip(x) {
                *u = (s * (x as f64 / s).asinh()) as f32;
            }
        })
    }

    fn map(&self, points: &Points, f: impl Fn(&[f32], &mut [f32])) -> Points {
        let d = points.dim();
        let mut out = Points::with_capacity(points.len(), d);
        let mut row = vec![0.0f32; d];
        for p in points.rows() {
            f(p, &mut row);
            out.push(&row);
        }
        out
    }

    /// log |dx/du| = Σ log cosh(u_i/s).
    fn log_jacobian(&self, u: &[f32]) -> f64 {
        u.iter().map(|&v| log_cosh(v as f64 / self.scale)).sum()
    }
}

/// log cosh(v), without overflow for large |v|.
fn log_cosh(v: f64) -> f64 {
    let a = v.abs();
    a + (-2.0 * a).exp().ln_1p() - std::f64::consts::LN_2
}

/// A target seen in u through a [`Warp`]: the same log Z, exact samples mapped to u.
#[derive(Debug)]
pub struct Warped {
    inner: Arc<dyn EnergyTarget>,
    warp: Warp,
}

impl Warped {
    pub fn new(inner: Arc<dyn EnergyTarget>, warp: Warp) -> Self {
        Self { inner, warp }
    }
}

impl EnergyTarget for Warped {
    fn dim(&self) -> usize {
        self.inner.dim()
    }

    fn log_density(&self, u: &[f32]) -> f64 {
        let mut x = vec![0.0f32; u.len()];
        self.warp.data_row(u, &mut x);
        self.inner.log_density(&x) + self.warp.log_jacobian(u)
    }

    fn grad_log_density(&self, u: &[f32], grad: &mut [f64]) {
        let mut x = vec![0.0f32; u.len()];
        self.warp.data_row(u, &mut x);
        self.inner.grad_log_density(&x, grad);
        let s = self.warp.scale;
        for (g, &v) in grad.iter_mut().zip(u) {
            let w = v as f64 / s;
            *g = *g * w.cosh() + w.tanh() / s;
        }
    }

    fn log_z(&self) -> f64 {
        self.inner.log_z()
    }

    fn sample(&self, n: usize, rng: &mut Rng) -> Points {
        self.warp.to_process(&self.inner.sample(n, rng))
    }

    /// The shape of the target in x, where its metrics are measured.
    fn shape(&self) -> TargetShape {
        self.inner.shape()
    }

    fn warp(&self) -> Option<Warp> {
        Some(self.warp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::mixture_ratio::named_mixture;
    use crate::constraint::targets::Funnel;
    use crate::constraint::targets::test_support::assert_target_gradient;
    use crate::math::rng::seeded;

    #[test]
    fn the_map_inverts_and_is_the_identity_near_zero() {
        let warp = Warp::new(2.0).unwrap();
        let x = Points::from_rows(3, [[0.01f32, -40.0, 900.0]]);
        let u = warp.to_process(&x);
        assert!((u.row(0)[0] - 0.01).abs() < 1e-6);
        assert!(u.row(0)[2] < 15.0, "{:?}", u.row(0));
        let back = warp.to_data(&u);
        for (a, b) in back.row(0).iter().zip(x.row(0)) {
            assert!((a - b).abs() <= 1e-4 * b.abs().max(1.0), "{a} vs {b}");
        }
    }

    #[test]
    fn the_warped_density_integrates_to_the_same_log_z() {
        // Riemann sum over u of a 2-D mixture (log Z = 0) seen through s = 1: without the
        // Jacobian the sum would be far from 1.
        let inner: Arc<dyn EnergyTarget> = Arc::new(named_mixture("t", "eight_gaussians").unwrap());
        let warped = Warped::new(inner.clone(), Warp::new(1.0).unwrap());
        let (n, lim) = (600, 4.5f64);
        let h = 2.0 * lim / n as f64;
        let mut sum = 0.0;
        for i in 0..n {
            for j in 0..n {
                let u = [
                    (-lim + (i as f64 + 0.5) * h) as f32,
                    (-lim + (j as f64 + 0.5) * h) as f32,
                ];
                sum += warped.log_density(&u).exp() * h * h;
            }
        }
        assert!(
            (sum.ln() - inner.log_z()).abs() < 0.01,
            "log ∫ = {}",
            sum.ln()
        );
    }

    #[test]
    fn the_gradient_is_exact_through_the_warp() {
        let funnel: Arc<dyn EnergyTarget> = Arc::new(Funnel::new(4).unwrap());
        let warped = Warped::new(funnel, Warp::new(1.5).unwrap());
        assert_target_gradient(&warped, &[0.7, -1.2, 0.4, 2.1]);
        assert_target_gradient(&warped, &[-1.1, 0.05, -0.02, 0.1]);
    }

    #[test]
    fn exact_samples_are_the_targets_mapped_to_u() {
        let funnel: Arc<dyn EnergyTarget> = Arc::new(Funnel::new(3).unwrap());
        let warp = Warp::new(1.0).unwrap();
        let warped = Warped::new(funnel.clone(), warp);
        let u = warped.sample(100, &mut seeded(4));
        let x = funnel.sample(100, &mut seeded(4));
        assert_eq!(warp.to_data(&u).len(), 100);
        for (a, b) in warp.to_data(&u).rows().zip(x.rows()) {
            for (p, q) in a.iter().zip(b) {
                assert!((p - q).abs() <= 1e-3 * q.abs().max(1.0), "{p} vs {q}");
            }
        }
        assert!(
            Warp::new(-1.0)
                .unwrap_err()
                .to_string()
                .contains("constraint.energy.warp")
        );
        assert!(Warp::new(f64::NAN).is_err());
    }
}
