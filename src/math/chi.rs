//! The χ distribution of ‖x − μ‖/σ for an isotropic Gaussian in d dimensions: its tail, and the
//! radius that leaves a given tail mass outside. Mode metrics use it so that "outside every mode"
//! means the same share of a mode's own mass in every dimension (3σ in the plane).

/// The tail mass outside 3 standard deviations of a 2-D isotropic Gaussian, e^{−4.5} ≈ 1.1 %.
pub const PLANAR_THREE_SIGMA_TAIL: f64 = 0.011_108_996_538_242_306;

/// ln Γ(a) for a > 0 (Lanczos, g = 7, n = 9; relative error below 1e-13).
fn ln_gamma(a: f64) -> f64 {
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if a < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * a).sin()).ln() - ln_gamma(1.0 - a);
    }
    let a = a - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (a + i as f64);
    }
    let t = a + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (a + 0.5) * t.ln() - t + sum.ln()
}

/// The regularised upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a): a series below a + 1, a
/// continued fraction above (both converge fast there).
fn upper_gamma_regularised(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let log_prefix = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        let (mut term, mut sum, mut n) = (1.0 / a, 1.0 / a, a);
        for _ in 0..1000 {
            n += 1.0;
            term *= x / n;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        1.0 - sum * log_prefix.exp()
    } else {
        // Lentz's method for the continued fraction of Γ(a, x).
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        log_prefix.exp() * h
    }
}

/// P(‖z‖ > r) for z ~ N(0, I_d).
pub fn tail(dim: usize, r: f64) -> f64 {
    upper_gamma_regularised(dim as f64 / 2.0, r * r / 2.0)
}

/// The radius r with P(‖z‖ > r) = `tail_mass` for z ~ N(0, I_d), by bisection.
pub fn radius_with_tail(dim: usize, tail_mass: f64) -> f64 {
    let (mut low, mut high) = (0.0, (dim as f64).sqrt() + 40.0);
    for _ in 0..200 {
        let mid = 0.5 * (low + high);
        if tail(dim, mid) > tail_mass {
            low = mid;
        } else {
            high = mid;
        }
    }
    0.5 * (low + high)
}

/// The "3 standard deviations" radius in d dimensions: 3 in the plane, and in general the
/// radius that leaves the same share of a Gaussian mode's mass outside.
pub fn mode_radius(dim: usize) -> f64 {
    radius_with_tail(dim, PLANAR_THREE_SIGMA_TAIL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planar_tail_is_exponential() {
        for r in [0.5, 1.0, 3.0, 5.0] {
            assert!((tail(2, r) - (-r * r / 2.0).exp()).abs() < 1e-12, "{r}");
        }
        assert!((mode_radius(2) - 3.0).abs() < 1e-9);
    }

    #[test]
    fn one_dimensional_tail_is_two_sided_normal() {
        // P(|z| > 1.959964) = 0.05 and P(|z| > 3) = 0.0026998.
        assert!((tail(1, 1.959_964) - 0.05).abs() < 1e-6);
        assert!((tail(1, 3.0) - 0.002_699_796).abs() < 1e-8);
    }

    #[test]
    fn high_dimensional_radius_grows_like_the_square_root() {
        // χ²₅₀ has mean 50 and the 1.1 % tail near 76.2.
        let r = mode_radius(50);
        assert!((r * r - 76.0).abs() < 1.0, "{}", r * r);
        assert!((tail(50, r) - PLANAR_THREE_SIGMA_TAIL).abs() < 1e-9);
    }
}
