//! Constraints that compose: r(x) = Π r_i(x), so log r and ∇log r are sums.

use std::path::Path;

use super::{Constraint, ConstraintConfig};
use crate::error::Result;
use crate::math::Points;

pub struct Product {
    pub factors: Vec<Box<dyn Constraint>>,
}

impl Constraint for Product {
    fn dim(&self) -> usize {
        self.factors[0].dim()
    }

    fn log_r(&self, x: &[f32]) -> f64 {
        self.factors.iter().map(|f| f.log_r(x)).sum()
    }

    fn grad_log_r(&self, x: &[f32], grad: &mut [f64]) {
        grad.fill(0.0);
        let mut part = vec![0.0; grad.len()];
        for factor in &self.factors {
            factor.grad_log_r(x, &mut part);
            grad.iter_mut().zip(&part).for_each(|(g, p)| *g += p);
        }
    }

    fn has_gradient(&self) -> bool {
        self.factors.iter().all(|f| f.has_gradient())
    }

    fn image_classifier(&self) -> Option<std::sync::Arc<crate::images::Classifier>> {
        self.factors.iter().find_map(|f| f.image_classifier())
    }

    fn inpainting(&self) -> Option<&super::inpaint::Inpainting> {
        self.factors.iter().find_map(|f| f.inpainting())
    }

    fn save_assets(&self, dir: &Path, config: &mut ConstraintConfig) -> Result<()> {
        self.factors
            .iter()
            .try_for_each(|f| f.save_assets(dir, config))
    }

    fn describe(&self) -> String {
        let parts: Vec<String> = self.factors.iter().map(|f| f.describe()).collect();
        parts.join(" × ")
    }

    fn log_r_batch(&self, points: &Points) -> Vec<f64> {
        let mut total = vec![0.0; points.len()];
        for factor in &self.factors {
            total
                .iter_mut()
                .zip(factor.log_r_batch(points))
                .for_each(|(t, v)| *t += v);
        }
        total
    }

    fn grad_log_r_batch(&self, points: &Points) -> Points {
        let mut total = Points::zeros(points.len(), points.dim());
        for factor in &self.factors {
            let part = factor.grad_log_r_batch(points);
            total
                .as_mut_slice()
                .iter_mut()
                .zip(part.as_slice())
                .for_each(|(t, v)| *t += v);
        }
        total
    }
}
