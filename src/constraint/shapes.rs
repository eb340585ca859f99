//! Geometric constraints, softened so that log r is finite and differentiable everywhere: a
//! hard wall (log r = −∞) would stop every gradient-based and trajectory-balance method.

use serde::{Deserialize, Serialize};

use super::{Constraint, finite_vec};
use crate::error::{Error, Result};
use crate::math::sigmoid::{d_log_sigmoid, log_sigmoid};
use crate::validation::finite_positive;

/// log r = Σ_j log σ((x_j − lower_j)/s) + log σ((upper_j − x_j)/s): ≈ 0 inside the box and
/// falling linearly with slope 1/s outside.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BoxConfig {
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    pub softness: f64,
}

impl Default for BoxConfig {
    fn default() -> Self {
        Self {
            lower: vec![-2.0, -2.0],
            upper: vec![7.0, 7.0],
            softness: 0.2,
        }
    }
}

#[derive(Clone, Debug)]
pub struct BoxConstraint {
    lower: Vec<f64>,
    upper: Vec<f64>,
    softness: f64,
}

impl BoxConstraint {
    pub fn new(config: &BoxConfig) -> Result<Self> {
        finite_vec("constraint.box.lower", &config.lower)?;
        finite_vec("constraint.box.upper", &config.upper)?;
        finite_positive("constraint.box.softness", config.softness)?;
        if config.lower.len() != config.upper.len() {
            return Err(Error::config(
                "constraint.box.upper",
                format!(
                    "has {} entries but lower has {}",
                    config.upper.len(),
                    config.lower.len()
                ),
            ));
        }
        if let Some(j) = (0..config.lower.len()).find(|&j| config.lower[j] >= config.upper[j]) {
            return Err(Error::config(
                "constraint.box",
                format!("lower[{j}] must be below upper[{j}]"),
            ));
        }
        Ok(Self {
            lower: config.lower.clone(),
            upper: config.upper.clone(),
            softness: config.softness,
        })
    }
}

impl Constraint for BoxConstraint {
    fn dim(&self) -> usize {
        self.lower.len()
    }

    fn log_r(&self, x: &[f32]) -> f64 {
        let s = self.softness;
        x.iter()
            .enumerate()
            .map(|(j, &v)| {
                let v = v as f64;
                log_sigmoid((v - self.lower[j]) / s) + log_sigmoid((self.upper[j] - v) / s)
            })
            .sum()
    }

    fn grad_log_r(&self, x: &[f32], grad: &mut [f64]) {
        let s = self.softness;
        for (j, &v) in x.iter().enumerate() {
            let v = v as f64;
            grad[j] = (d_log_sigmoid((v - self.lower[j]) / s)
                - d_log_sigmoid((self.upper[j] - v) / s))
                / s;
        }
    }

    fn describe(&self) -> String {
        format!("box {:?} to {:?}", self.lower, self.upper)
    }
}

/// log r = −(‖x − c‖ − R)² / (2w²): a ring of radius R and width w.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnnulusConfig {
    pub center: Vec<f64>,
    pub radius: f64,
    pub width: f64,
}

impl Default for AnnulusConfig {
    fn default() -> Self {
        Self {
            center: vec![0.0, 0.0],
            radius: 7.0,
            width: 1.0,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Annulus {
    center: Vec<f64>,
    radius: f64,
    var: f64,
}

impl Annulus {
    pub fn new(config: &AnnulusConfig) -> Result<Self> {
        finite_vec("constraint.annulus.center", &config.center)?;
        finite_positive("constraint.annulus.radius", config.radius)?;
        finite_positive("constraint.annulus.width", config.width)?;
        Ok(Self {
            center: config.center.clone(),
            radius: config.radius,
            var: config.width * config.width,
        })
    }

    fn distance(&self, x: &[f32]) -> f64 {
        x.iter()
            .zip(&self.center)
            .map(|(&v, c)| (v as f64 - c).powi(2))
            .sum::<f64>()
            .sqrt()
    }
}

impl Constraint for Annulus {
    fn dim(&self) -> usize {
        self.center.len()
    }

    fn log_r(&self, x: &[f32]) -> f64 {
        let gap = self.distance(x) - self.radius;
        -0.5 * gap * gap / self.var
    }

    fn grad_log_r(&self, x: &[f32], grad: &mut [f64]) {
        let dist = self.distance(x).max(1e-9);
        let coef = -(dist - self.radius) / (self.var * dist);
        for ((g, &v), c) in grad.iter_mut().zip(x).zip(&self.center) {
            *g = coef * (v as f64 - c);
        }
    }

    fn describe(&self) -> String {
        format!(
            "annulus around {:?}, radius {:.2}, width {:.2}",
            self.center,
            self.radius,
            self.var.sqrt()
        )
    }
}

/// log r = log σ((n·x − b)/s): the side of the hyperplane n·x = b that n points to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HalfPlaneConfig {
    pub normal: Vec<f64>,
    pub offset: f64,
    pub softness: f64,
}

impl Default for HalfPlaneConfig {
    fn default() -> Self {
        Self {
            normal: vec![1.0, 1.0],
            offset: 2.0,
            softness: 0.5,
        }
    }
}

#[derive(Clone, Debug)]
pub struct HalfPlane {
    normal: Vec<f64>,
    offset: f64,
    softness: f64,
}

impl HalfPlane {
    pub fn new(config: &HalfPlaneConfig) -> Result<Self> {
        finite_vec("constraint.half_plane.normal", &config.normal)?;
        finite_positive("constraint.half_plane.softness", config.softness)?;
        if !config.offset.is_finite() {
            return Err(Error::config(
                "constraint.half_plane.offset",
                "must be finite",
            ));
        }
        let norm = config.normal.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm == 0.0 {
            return Err(Error::config(
                "constraint.half_plane.normal",
                "must not be zero",
            ));
        }
        Ok(Self {
            normal: config.normal.clone(),
            offset: config.offset,
            softness: config.softness,
        })
    }

    fn margin(&self, x: &[f32]) -> f64 {
        let dot: f64 = x.iter().zip(&self.normal).map(|(&v, n)| v as f64 * n).sum();
        (dot - self.offset) / self.softness
    }
}

impl Constraint for HalfPlane {
    fn dim(&self) -> usize {
        self.normal.len()
    }

    fn log_r(&self, x: &[f32]) -> f64 {
        log_sigmoid(self.margin(x))
    }

    fn grad_log_r(&self, x: &[f32], grad: &mut [f64]) {
        let coef = d_log_sigmoid(self.margin(x)) / self.softness;
        for (g, n) in grad.iter_mut().zip(&self.normal) {
            *g = coef * n;
        }
    }

    fn describe(&self) -> String {
        format!("half-plane {:?}·x ≥ {:.2}", self.normal, self.offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::test_support::assert_gradient_matches;

    #[test]
    fn gradients_are_exact() {
        let b = BoxConstraint::new(&BoxConfig::default()).unwrap();
        assert_gradient_matches(&b, &[-2.1, 3.0]);
        assert_gradient_matches(&b, &[8.0, 6.9]);
        let a = Annulus::new(&AnnulusConfig::default()).unwrap();
        assert_gradient_matches(&a, &[1.0, 2.0]);
        let h = HalfPlane::new(&HalfPlaneConfig::default()).unwrap();
        assert_gradient_matches(&h, &[0.5, 1.0]);
    }

    #[test]
    fn box_is_flat_inside_and_falls_outside() {
        let b = BoxConstraint::new(&BoxConfig::default()).unwrap();
        assert!(b.log_r(&[2.0, 2.0]).abs() < 1e-6);
        assert!(b.log_r(&[-4.0, 2.0]) < -9.0);
        assert!(b.log_r(&[-400.0, 2.0]).is_finite());
    }

    #[test]
    fn inverted_box_is_rejected() {
        let err = BoxConstraint::new(&BoxConfig {
            lower: vec![1.0, 0.0],
            upper: vec![0.0, 1.0],
            softness: 0.1,
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("lower[0]"), "{err}");
    }
}
