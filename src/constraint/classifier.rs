//! A classifier's belief that x is in a set of classes: r(x) = Σ_{c∈S} p(c|x), the image
//! experiments' constraint ("a shoe", "an even digit"). ∇log r is taken by autodiff through the
//! classifier, for the Langevin term, guidance and DPS.

use std::path::Path;
use std::sync::Arc;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::{Constraint, ConstraintConfig};
use crate::error::{Error, Result};
use crate::files::resolve_path;
use crate::images::Classifier;
use crate::math::Points;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClassifierConfig {
    /// A classifier folder written by `train-classifier`.
    pub path: String,
    /// Class names, indices, or groups (`footwear`, `tops`, `even`, `odd`).
    pub classes: Vec<String>,
}

impl Default for ClassifierConfig {
    fn default() -> Self {
        Self {
            path: "assets/classifiers/fashion14".into(),
            classes: vec!["footwear".into()],
        }
    }
}

/// The folder of a saved experiment that holds the classifier constraint's classifier.
pub const CLASSIFIER_ASSET: &str = "classifier";

pub struct ClassifierConstraint {
    pub classifier: Arc<Classifier>,
    pub set: Vec<usize>,
}

/// Loads the classifier a config names (relative paths against the config's folder).
pub fn load_classifier(path: &str, base_dir: Option<&Path>) -> Result<Classifier> {
    let dir = resolve_path(path, base_dir);
    Classifier::load(&dir, &Device::flex())
}

impl ClassifierConstraint {
    pub fn new(config: &ClassifierConfig, base_dir: Option<&Path>) -> Result<Self> {
        if config.path.trim().is_empty() {
            return Err(Error::config(
                "constraint.classifier.path",
                "names no classifier folder (write one with `posterior-studio train-classifier`)",
            ));
        }
        let classifier = load_classifier(&config.path, base_dir)?;
        let set = class_set(&classifier, &config.classes)?;
        Ok(Self {
            classifier: Arc::new(classifier),
            set,
        })
    }
}

/// The class indices of `names` among the classifier's classes.
fn class_set(classifier: &Classifier, names: &[String]) -> Result<Vec<usize>> {
    crate::images::image_set::class_set(
        &classifier.meta.classes,
        &classifier.meta.dataset,
        names,
        "constraint.classifier.classes",
    )
}

impl Constraint for ClassifierConstraint {
    fn dim(&self) -> usize {
        self.classifier.dim()
    }

    fn log_r(&self, x: &[f32]) -> f64 {
        self.log_r_batch(&Points::from_rows(x.len(), [x]))[0]
    }

    fn grad_log_r(&self, x: &[f32], grad: &mut [f64]) {
        let g = self.grad_log_r_batch(&Points::from_rows(x.len(), [x]));
        for (o, &v) in grad.iter_mut().zip(g.row(0)) {
            *o = v as f64;
        }
    }

    fn image_classifier(&self) -> Option<Arc<Classifier>> {
        Some(self.classifier.clone())
    }

    fn save_assets(&self, dir: &Path, config: &mut ConstraintConfig) -> Result<()> {
        self.classifier.save(&dir.join(CLASSIFIER_ASSET))?;
        config.classifier.path = CLASSIFIER_ASSET.into();
        Ok(())
    }

    fn describe(&self) -> String {
        let names: Vec<&str> = self
            .set
            .iter()
            .map(|&c| self.classifier.meta.classes[c].as_str())
            .collect();
        format!("classifier: class in {{{}}}", names.join(", "))
    }

    fn log_r_batch(&self, points: &Points) -> Vec<f64> {
        self.classifier.log_prob_of_set(points, &self.set, false).0
    }

    fn grad_log_r_batch(&self, points: &Points) -> Points {
        self.classifier
            .log_prob_of_set(points, &self.set, true)
            .1
            .unwrap_or_else(|| Points::zeros(points.len(), points.dim()))
    }
}
