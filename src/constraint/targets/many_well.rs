//! Many Well as the diffusion-sampler benchmarks define it (GFNOrg/gfn-diffusion,
//! `energy_sampling/energies/many_well.py`, after Noé et al.'s double well): d/2 independent
//! copies of log p(x₁, x₂) = −x₁⁴ + 6x₁² + x₁/2 − x₂²/2 on the pairs of coordinates (2i, 2i+1),
//! unnormalised. Each pair has two wells (the sign of x₁), so d = 32 has 2¹⁶ = 65,536 modes.
//! log Z = (d/2)·(log Z₁ + ½ log 2π), where Z₁ = ∫ exp(−x⁴ + 6x² + x/2) dx is computed here by
//! quadrature, not typed in.

use std::sync::OnceLock;

use rand::Rng as _;

use super::{EnergyTarget, TargetShape};
use crate::error::{Error, Result};
use crate::math::Points;
use crate::math::gaussian::LOG_2PI;
use crate::math::rng::{Rng, standard_normal};

/// The 1-D double well's unnormalised log density.
fn well_log_density(x: f64) -> f64 {
    -x.powi(4) + 6.0 * x * x + 0.5 * x
}

/// Beyond ±6 the density is below e^{−1000} of its peak.
const LIMIT: f64 = 6.0;

/// Composite Simpson's rule for ∫ exp(well_log_density) over [a, b] with `n` (even) intervals.
fn simpson(a: f64, b: f64, n: usize) -> f64 {
    let h = (b - a) / n as f64;
    let f = |i: usize| well_log_density(a + i as f64 * h).exp();
    let inner: f64 = (1..n)
        .map(|i| if i % 2 == 1 { 4.0 * f(i) } else { 2.0 * f(i) })
        .sum();
    (f(0) + inner + f(n)) * h / 3.0
}

/// Z₁ and the share of the right well, P(x₁ > 0).
#[derive(Clone, Copy, Debug)]
struct WellConstants {
    log_z: f64,
    right_share: f64,
}

fn constants() -> WellConstants {
    static CONSTANTS: OnceLock<WellConstants> = OnceLock::new();
    *CONSTANTS.get_or_init(|| {
        let left = simpson(-LIMIT, 0.0, 200_000);
        let right = simpson(0.0, LIMIT, 200_000);
        WellConstants {
            log_z: (left + right).ln(),
            right_share: right / (left + right),
        }
    })
}

/// Rejection sampling of x₁ from a two-Gaussian proposal at the wells (±1.7, std 0.5); the
/// envelope constant is the proposal ratio's maximum on a fine grid with a 10 % margin.
#[derive(Clone, Debug)]
struct WellSampler {
    right_weight: f64,
    log_bound: f64,
}

const WELL_CENTRE: f64 = 1.7;
const WELL_STD: f64 = 0.5;

impl WellSampler {
    /// Computed once per process: the panel and the trainer build targets often, and the
    /// bound costs a scan of 240,000 grid points.
    fn get() -> Self {
        static SAMPLER: OnceLock<WellSampler> = OnceLock::new();
        SAMPLER
            .get_or_init(|| {
                let mut sampler = Self {
                    right_weight: constants().right_share,
                    log_bound: 0.0,
                };
                let steps = 240_000;
                let max = (0..=steps)
                    .map(|i| {
                        let x = -LIMIT + 2.0 * LIMIT * i as f64 / steps as f64;
                        sampler.log_ratio(x)
                    })
                    .fold(f64::NEG_INFINITY, f64::max);
                sampler.log_bound = max + 1.1f64.ln();
                sampler
            })
            .clone()
    }

    fn log_proposal(&self, x: f64) -> f64 {
        let component = |centre: f64| {
            let z = (x - centre) / WELL_STD;
            -0.5 * z * z - 0.5 * LOG_2PI - WELL_STD.ln()
        };
        let right = self.right_weight.ln() + component(WELL_CENTRE);
        let left = (1.0 - self.right_weight).ln() + component(-WELL_CENTRE);
        let max = right.max(left);
        max + ((right - max).exp() + (left - max).exp()).ln()
    }

    /// log of (normalised target / proposal) at x.
    fn log_ratio(&self, x: f64) -> f64 {
        well_log_density(x) - constants().log_z - self.log_proposal(x)
    }

    fn draw(&self, rng: &mut Rng) -> f64 {
        loop {
            let centre = if rng.random::<f64>() < self.right_weight {
                WELL_CENTRE
            } else {
                -WELL_CENTRE
            };
            let z: f64 = rng.sample(rand_distr::StandardNormal);
            let x = centre + WELL_STD * z;
            if rng.random::<f64>().ln() < self.log_ratio(x) - self.log_bound {
                return x;
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct ManyWell {
    dim: usize,
    sampler: WellSampler,
}

impl ManyWell {
    pub fn new(dim: usize) -> Result<Self> {
        if dim < 2 || !dim.is_multiple_of(2) {
            return Err(Error::config(
                "constraint.energy.dim",
                format!("Many Well pairs up coordinates: d must be even and ≥ 2, got {dim}"),
            ));
        }
        Ok(Self {
            dim,
            sampler: WellSampler::get(),
        })
    }

    pub fn pairs(&self) -> usize {
        self.dim / 2
    }
}

impl EnergyTarget for ManyWell {
    fn dim(&self) -> usize {
        self.dim
    }

    fn log_density(&self, x: &[f32]) -> f64 {
        x.chunks_exact(2)
            .map(|pair| {
                let (a, b) = (pair[0] as f64, pair[1] as f64);
                well_log_density(a) - 0.5 * b * b
            })
            .sum()
    }

    fn grad_log_density(&self, x: &[f32], grad: &mut [f64]) {
        for (pair, g) in x.chunks_exact(2).zip(grad.chunks_exact_mut(2)) {
            let (a, b) = (pair[0] as f64, pair[1] as f64);
            g[0] = -4.0 * a.powi(3) + 12.0 * a + 0.5;
            g[1] = -b;
        }
    }

    fn log_z(&self) -> f64 {
        self.pairs() as f64 * (constants().log_z + 0.5 * LOG_2PI)
    }

    fn sample(&self, n: usize, rng: &mut Rng) -> Points {
        let normal = standard_normal(rng, n * self.pairs());
        let mut points = Points::with_capacity(n, self.dim);
        let mut row = vec![0.0f32; self.dim];
        for z in normal.chunks_exact(self.pairs()) {
            for (pair, &b) in row.chunks_exact_mut(2).zip(z) {
                pair[0] = self.sampler.draw(rng) as f32;
                pair[1] = b;
            }
            points.push(&row);
        }
        points
    }

    fn shape(&self) -> TargetShape {
        TargetShape::Wells {
            pairs: self.pairs(),
            right_share: constants().right_share,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::targets::test_support::assert_target_gradient;
    use crate::math::rng::seeded;

    #[test]
    fn quadrature_converges() {
        let fine = simpson(-LIMIT, LIMIT, 400_000).ln();
        let coarse = simpson(-LIMIT, LIMIT, 4_000).ln();
        assert!((fine - constants().log_z).abs() < 1e-12);
        assert!((fine - coarse).abs() < 1e-8, "{fine} vs {coarse}");
        // The published constant (gfn-diffusion's Z_x1 = 11784.50927) agrees to its digits.
        assert!((constants().log_z.exp() / 11_784.509_27 - 1.0).abs() < 1e-8);
    }

    #[test]
    fn gradient_is_exact() {
        let w = ManyWell::new(4).unwrap();
        assert_target_gradient(&w, &[-1.7, 0.3, 0.2, -1.1]);
    }

    #[test]
    fn sampler_matches_the_well_share_and_the_density() {
        let w = ManyWell::new(2).unwrap();
        let mut rng = seeded(5);
        let s = w.sample(100_000, &mut rng);
        let right = s.rows().filter(|r| r[0] > 0.0).count() as f64 / s.len() as f64;
        let expected = constants().right_share;
        // Binomial standard error at n = 10⁵ is about 0.0013.
        assert!((right - expected).abs() < 0.006, "{right} vs {expected}");
        // Histogram of x₁ against the normalised density, on bins of width 0.1.
        let mut counts = vec![0usize; 60];
        for r in s.rows() {
            let bin = ((r[0] as f64 + 3.0) / 0.1).floor();
            if (0.0..60.0).contains(&bin) {
                counts[bin as usize] += 1;
            }
        }
        let log_z = constants().log_z;
        let tv: f64 = counts
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let x = -3.0 + (i as f64 + 0.5) * 0.1;
                let p = (well_log_density(x) - log_z).exp() * 0.1;
                (c as f64 / s.len() as f64 - p).abs()
            })
            .sum::<f64>()
            / 2.0;
        assert!(tv < 0.02, "histogram TV {tv}");
    }
}
