//! Neal's funnel as the diffusion-sampler benchmarks define it (GFNOrg/gfn-diffusion,
//! `energy_sampling/energies/hard_funnel.py`): x₀ ~ N(0, 3²) and x_i | x₀ ~ N(0, e^{x₀}) for
//! i = 1, …, d − 1, a normalised density (log Z = 0). The neck, x₀ ≪ 0, is where the other
//! coordinates' scale collapses and where on-policy samplers lose mass.

use super::{EnergyTarget, TargetShape};
use crate::error::{Error, Result};
use crate::math::Points;
use crate::math::gaussian::LOG_2PI;
use crate::math::rng::{Rng, standard_normal};

/// The neck coordinate's standard deviation.
pub const NECK_STD: f64 = 3.0;

#[derive(Clone, Debug)]
pub struct Funnel {
    dim: usize,
}

impl Funnel {
    pub fn new(dim: usize) -> Result<Self> {
        if dim < 2 {
            return Err(Error::config(
                "constraint.energy.dim",
                format!(
                    "the funnel needs d ≥ 2 (a neck and at least one other coordinate), got {dim}"
                ),
            ));
        }
        Ok(Self { dim })
    }
}

impl EnergyTarget for Funnel {
    fn dim(&self) -> usize {
        self.dim
    }

    fn log_density(&self, x: &[f32]) -> f64 {
        let neck = x[0] as f64;
        let var = NECK_STD * NECK_STD;
        let log_neck = -0.5 * (LOG_2PI + var.ln() + neck * neck / var);
        let precision = (-neck).exp();
        let others: f64 = x[1..].iter().map(|&v| (v as f64).powi(2)).sum();
        let rest = self.dim as f64 - 1.0;
        log_neck - 0.5 * rest * (LOG_2PI + neck) - 0.5 * others * precision
    }

    fn grad_log_density(&self, x: &[f32], grad: &mut [f64]) {
        let neck = x[0] as f64;
        let precision = (-neck).exp();
        let others: f64 = x[1..].iter().map(|&v| (v as f64).powi(2)).sum();
        let rest = self.dim as f64 - 1.0;
        grad[0] = -neck / (NECK_STD * NECK_STD) - 0.5 * rest + 0.5 * others * precision;
        for (g, &v) in grad[1..].iter_mut().zip(&x[1..]) {
            *g = -(v as f64) * precision;
        }
    }

    fn log_z(&self) -> f64 {
        0.0
    }

    fn sample(&self, n: usize, rng: &mut Rng) -> Points {
        let noise = standard_normal(rng, n * self.dim);
        let mut points = Points::with_capacity(n, self.dim);
        let mut row = vec![0.0f32; self.dim];
        for z in noise.chunks_exact(self.dim) {
            let neck = NECK_STD * z[0] as f64;
            let scale = (0.5 * neck).exp();
            row[0] = neck as f32;
            for (r, &v) in row[1..].iter_mut().zip(&z[1..]) {
                *r = (scale * v as f64) as f32;
            }
            points.push(&row);
        }
        points
    }

    fn shape(&self) -> TargetShape {
        TargetShape::Funnel { neck_std: NECK_STD }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::targets::test_support::assert_target_gradient;
    use crate::math::rng::seeded;

    #[test]
    fn gradient_is_exact() {
        let f = Funnel::new(10).unwrap();
        assert_target_gradient(&f, &[-1.5, 0.3, -0.2, 0.1, 0.4, -0.6, 0.2, 0.05, -0.3, 0.7]);
        assert_target_gradient(&f, &[2.0, 1.3, -2.2, 0.1, 0.4, -0.6, 2.2, 0.05, -0.3, 0.7]);
    }

    #[test]
    fn density_is_normalised_in_two_dimensions() {
        // ∫∫ R̃ over a fine grid: the x₁ integral is a Gaussian of scale e^{x₀/2}, so a grid
        // in (x₀, x₁/e^{x₀/2}) integrates it with the Jacobian e^{x₀/2}.
        let f = Funnel::new(2).unwrap();
        let (mut total, h0, h1) = (0.0, 0.02, 0.02);
        for i in 0..1500 {
            let neck = -15.0 + (i as f64 + 0.5) * h0;
            let scale = (0.5 * neck).exp();
            for j in 0..800 {
                let u = -8.0 + (j as f64 + 0.5) * h1;
                let x = [neck as f32, (u * scale) as f32];
                total += f.log_density(&x).exp() * scale * h0 * h1;
            }
        }
        assert!((total - 1.0).abs() < 2e-3, "∫ R̃ = {total}");
    }

    #[test]
    fn samples_have_the_neck_marginal() {
        let f = Funnel::new(10).unwrap();
        let s = f.sample(40_000, &mut seeded(3));
        let necks: Vec<f64> = s.rows().map(|r| r[0] as f64).collect();
        let mean = necks.iter().sum::<f64>() / necks.len() as f64;
        let var = necks.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / necks.len() as f64;
        assert!(mean.abs() < 0.05 && (var - 9.0).abs() < 0.2, "{mean} {var}");
    }
}
