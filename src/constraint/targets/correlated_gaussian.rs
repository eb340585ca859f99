//! A correlated Gaussian in d dimensions with a closed-form log Z: the high-dimensional exact
//! test. R̃(x) = exp(−½ (x − μ)ᵀ Σ⁻¹ (x − μ)), unnormalised on purpose so that
//! log Z = ½ (d log 2π + log det Σ) is not zero. Σ = Q diag(λ) Qᵀ with a random rotation Q and
//! eigenvalues λ log-spaced over [1/4, 4] (condition number 16); μ ~ N(0, I). Both come from
//! `target_seed`, so a config names one target.

use super::{EnergyTarget, TargetShape};
use crate::error::{Error, Result};
use crate::math::Points;
use crate::math::gaussian::LOG_2PI;
use crate::math::rng::{Rng, seeded, standard_normal};

const SMALLEST_EIGENVALUE: f64 = 0.25;
const LARGEST_EIGENVALUE: f64 = 4.0;

#[derive(Clone, Debug)]
pub struct CorrelatedGaussian {
    dim: usize,
    mean: Vec<f64>,
    /// Σ⁻¹, row-major.
    precision: Vec<f64>,
    /// Σ, row-major.
    covariance: Vec<f64>,
    /// Q diag(√λ), row-major: x = μ + L z.
    factor: Vec<f64>,
    log_det: f64,
}

/// A random rotation: Gram–Schmidt on a Gaussian matrix (columns of the result, row-major).
fn random_rotation(dim: usize, rng: &mut Rng) -> Vec<f64> {
    let raw = standard_normal(rng, dim * dim);
    let mut columns: Vec<Vec<f64>> = Vec::with_capacity(dim);
    for j in 0..dim {
        let mut v: Vec<f64> = (0..dim).map(|i| raw[i * dim + j] as f64).collect();
        // Twice, for orthogonality to rounding (Gram–Schmidt loses it in high d).
        for _ in 0..2 {
            for c in &columns {
                let dot: f64 = v.iter().zip(c).map(|(a, b)| a * b).sum();
                v.iter_mut().zip(c).for_each(|(a, b)| *a -= dot * b);
            }
        }
        let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        v.iter_mut().for_each(|a| *a /= norm);
        columns.push(v);
    }
    let mut q = vec![0.0; dim * dim];
    for (j, c) in columns.iter().enumerate() {
        for (i, &v) in c.iter().enumerate() {
            q[i * dim + j] = v;
        }
    }
    q
}

impl CorrelatedGaussian {
    pub fn new(dim: usize, seed: u64) -> Result<Self> {
        if dim == 0 || dim > 1000 {
            return Err(Error::config(
                "constraint.energy.dim",
                format!("the Gaussian target takes 1 ≤ d ≤ 1000, got {dim}"),
            ));
        }
        let mut rng = seeded(seed ^ 0x6761_7573);
        let q = random_rotation(dim, &mut rng);
        let mean: Vec<f64> = standard_normal(&mut rng, dim)
            .into_iter()
            .map(f64::from)
            .collect();
        let eigenvalues: Vec<f64> = (0..dim)
            .map(|i| {
                let u = if dim == 1 {
                    0.5
                } else {
                    i as f64 / (dim - 1) as f64
                };
                SMALLEST_EIGENVALUE * (LARGEST_EIGENVALUE / SMALLEST_EIGENVALUE).powf(u)
            })
            .collect();
        let product = |scale: &dyn Fn(f64) -> f64| {
            let mut m = vec![0.0; dim * dim];
            for i in 0..dim {
                for j in 0..dim {
                    m[i * dim + j] = (0..dim)
                        .map(|k| q[i * dim + k] * scale(eigenvalues[k]) * q[j * dim + k])
                        .sum();
                }
            }
            m
        };
        let covariance = product(&|l| l);
        let precision = product(&|l| 1.0 / l);
        let mut factor = vec![0.0; dim * dim];
        for i in 0..dim {
            for k in 0..dim {
                factor[i * dim + k] = q[i * dim + k] * eigenvalues[k].sqrt();
            }
        }
        Ok(Self {
            dim,
            mean,
            precision,
            covariance,
            factor,
            log_det: eigenvalues.iter().map(|l| l.ln()).sum(),
        })
    }

    fn centred(&self, x: &[f32]) -> Vec<f64> {
        x.iter()
            .zip(&self.mean)
            .map(|(&v, m)| v as f64 - m)
            .collect()
    }

    fn precision_times(&self, v: &[f64]) -> Vec<f64> {
        self.precision
            .chunks_exact(self.dim)
            .map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum())
            .collect()
    }
}

impl EnergyTarget for CorrelatedGaussian {
    fn dim(&self) -> usize {
        self.dim
    }

    fn log_density(&self, x: &[f32]) -> f64 {
        let c = self.centred(x);
        let pc = self.precision_times(&c);
        -0.5 * c.iter().zip(&pc).map(|(a, b)| a * b).sum::<f64>()
    }

    fn grad_log_density(&self, x: &[f32], grad: &mut [f64]) {
        let pc = self.precision_times(&self.centred(x));
        grad.iter_mut().zip(pc).for_each(|(g, v)| *g = -v);
    }

    fn log_z(&self) -> f64 {
        0.5 * (self.dim as f64 * LOG_2PI + self.log_det)
    }

    fn sample(&self, n: usize, rng: &mut Rng) -> Points {
        let z = standard_normal(rng, n * self.dim);
        let mut points = Points::with_capacity(n, self.dim);
        let mut row = vec![0.0f32; self.dim];
        for zs in z.chunks_exact(self.dim) {
            for (i, r) in row.iter_mut().enumerate() {
                let l = &self.factor[i * self.dim..(i + 1) * self.dim];
                let v: f64 = l.iter().zip(zs).map(|(a, &b)| a * b as f64).sum();
                *r = (self.mean[i] + v) as f32;
            }
            points.push(&row);
        }
        points
    }

    fn shape(&self) -> TargetShape {
        TargetShape::Gaussian {
            mean: self.mean.clone(),
            covariance: self.covariance.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::targets::test_support::assert_target_gradient;

    #[test]
    fn precision_inverts_covariance() {
        let g = CorrelatedGaussian::new(12, 1).unwrap();
        let d = 12;
        for i in 0..d {
            for j in 0..d {
                let v: f64 = (0..d)
                    .map(|k| g.covariance[i * d + k] * g.precision[k * d + j])
                    .sum();
                let expected = if i == j { 1.0 } else { 0.0 };
                assert!((v - expected).abs() < 1e-9, "({i},{j}) = {v}");
            }
        }
    }

    #[test]
    fn gradient_is_exact() {
        let g = CorrelatedGaussian::new(6, 2).unwrap();
        assert_target_gradient(&g, &[0.3, -1.2, 0.5, 2.0, -0.4, 0.1]);
    }

    #[test]
    fn samples_have_the_covariance() {
        let d = 5;
        let g = CorrelatedGaussian::new(d, 3).unwrap();
        let s = g.sample(100_000, &mut seeded(4));
        let mean = s.mean();
        for i in 0..d {
            assert!((mean[i] - g.mean[i]).abs() < 0.03, "mean {i}");
            for j in 0..d {
                let c: f64 = s
                    .rows()
                    .map(|r| (r[i] as f64 - mean[i]) * (r[j] as f64 - mean[j]))
                    .sum::<f64>()
                    / s.len() as f64;
                assert!(
                    (c - g.covariance[i * d + j]).abs() < 0.06,
                    "cov ({i},{j}) {c}"
                );
            }
        }
    }

    #[test]
    fn log_z_matches_importance_sampling_in_one_dimension() {
        let g = CorrelatedGaussian::new(1, 0).unwrap();
        let h = 1e-3;
        let z: f64 = (0..40_000)
            .map(|i| g.log_density(&[(-20.0 + i as f64 * h) as f32]).exp() * h)
            .sum();
        assert!((z.ln() - g.log_z()).abs() < 1e-4);
    }
}
