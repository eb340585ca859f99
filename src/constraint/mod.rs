//! Constraints r(x) ≥ 0, handled as log r and ∇ log r on the host in `f64`. A constraint is a
//! black box to the objectives: RTB only needs log r at terminal states; the Langevin term,
//! guidance, DPS and MALA also use its gradient.

pub mod classifier;
pub mod energy;
pub mod field;
pub mod gaussian_obs;
pub mod grid;
pub mod inpaint;
pub mod mixture_ratio;
pub mod product;
pub mod pushforward;
pub mod shapes;
pub mod sketch;
pub mod targets;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::math::Points;

pub use energy::EnergyConstraint;
pub use gaussian_obs::GaussianObservation;
pub use grid::GridConstraint;
pub use mixture_ratio::MixtureRatio;
pub use shapes::{Annulus, BoxConstraint, HalfPlane};

/// A constraint or likelihood r(x) on R^d, seen through log r.
pub trait Constraint: Send + Sync {
    fn dim(&self) -> usize;
    /// log r(x), not scaled by β. May be very negative, never NaN for finite x.
    fn log_r(&self, x: &[f32]) -> f64;
    /// ∇ log r(x), written into `grad` (length d).
    fn grad_log_r(&self, x: &[f32], grad: &mut [f64]);
    /// A one-line description for logs and the UI.
    fn describe(&self) -> String;
    /// Whether `grad_log_r` is the true gradient; `false` for a constraint seen through a
    /// black-box generator, which methods that need gradients must refuse.
    fn has_gradient(&self) -> bool {
        true
    }

    /// The image classifier this constraint holds, which the image metrics (class histogram,
    /// Fréchet distance, diversity) see samples through.
    fn image_classifier(&self) -> Option<std::sync::Arc<crate::images::Classifier>> {
        None
    }

    /// The observation, when this constraint is (or holds) an inpainting one.
    fn inpainting(&self) -> Option<&inpaint::Inpainting> {
        None
    }

    /// Writes the files this constraint was built from into `dir`, the folder of a saved
    /// experiment, and points its own fields of `config` at the copies (relative to `dir`,
    /// which is where a saved experiment's paths resolve), so that it opens wherever the
    /// folder moves. Each family saves what it read itself, under a name of its own; a family
    /// built from settings alone saves nothing.
    fn save_assets(&self, _dir: &Path, _config: &mut ConstraintConfig) -> Result<()> {
        Ok(())
    }

    fn log_r_batch(&self, points: &Points) -> Vec<f64> {
        points.rows().map(|row| self.log_r(row)).collect()
    }

    fn grad_log_r_batch(&self, points: &Points) -> Points {
        let d = points.dim();
        let mut out = Points::zeros(points.len(), d);
        let mut grad = vec![0.0; d];
        for (i, row) in points.rows().enumerate() {
            self.grad_log_r(row, &mut grad);
            for (o, g) in out.row_mut(i).iter_mut().zip(&grad) {
                *o = *g as f32;
            }
        }
        out
    }
}

/// Which family of constraint is active.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintKind {
    GaussianObs,
    Box,
    Annulus,
    HalfPlane,
    MixtureRatio,
    Grid,
    Energy,
    Classifier,
    Inpaint,
}

impl ConstraintKind {
    pub const ALL: [ConstraintKind; 9] = [
        Self::GaussianObs,
        Self::Box,
        Self::Annulus,
        Self::HalfPlane,
        Self::MixtureRatio,
        Self::Grid,
        Self::Energy,
        Self::Classifier,
        Self::Inpaint,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::GaussianObs => "gaussian_obs",
            Self::Box => "box",
            Self::Annulus => "annulus",
            Self::HalfPlane => "half_plane",
            Self::MixtureRatio => "mixture_ratio",
            Self::Grid => "grid",
            Self::Energy => "energy",
            Self::Classifier => "classifier",
            Self::Inpaint => "inpaint",
        }
    }
}

/// The constraint settings: `kind` picks the family; each family keeps its own parameters, so
/// switching families (in the GUI) and back loses nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConstraintConfig {
    pub kind: ConstraintKind,
    /// Inverse temperature: the posterior is p(x)·r(x)^β.
    pub beta: f64,
    pub gaussian_obs: gaussian_obs::GaussianObsConfig,
    #[serde(rename = "box")]
    pub box_: shapes::BoxConfig,
    pub annulus: shapes::AnnulusConfig,
    pub half_plane: shapes::HalfPlaneConfig,
    pub mixture_ratio: mixture_ratio::MixtureRatioConfig,
    pub grid: grid::GridConfig,
    pub energy: targets::EnergyConfig,
    pub classifier: classifier::ClassifierConfig,
    pub inpaint: inpaint::InpaintConfig,
    /// Further families multiplied into r (their log r are added): `also = ["classifier"]` with
    /// `kind = "inpaint"` asks for completions of the observed pixels that the classifier
    /// takes for the chosen classes.
    pub also: Vec<ConstraintKind>,
}

impl Default for ConstraintConfig {
    fn default() -> Self {
        Self {
            kind: ConstraintKind::MixtureRatio,
            beta: 1.0,
            gaussian_obs: Default::default(),
            box_: Default::default(),
            annulus: Default::default(),
            half_plane: Default::default(),
            mixture_ratio: Default::default(),
            grid: Default::default(),
            energy: Default::default(),
            classifier: Default::default(),
            inpaint: Default::default(),
            also: Vec::new(),
        }
    }
}

/// What building a constraint needs to know about the reference process.
#[derive(Clone, Debug)]
pub struct BuildContext {
    /// Dimension of the space the constraint acts on.
    pub dim: usize,
    /// Terminal variance σ² of a Brownian reference (the `energy` family divides by it).
    pub reference_variance: Option<f64>,
    /// Folder that relative file paths are resolved against.
    pub base_dir: Option<std::path::PathBuf>,
}

impl ConstraintConfig {
    /// Builds the active constraint, checking its parameters against the dimension.
    pub fn build(&self, context: &BuildContext) -> Result<Box<dyn Constraint>> {
        let mut factors = vec![self.build_kind(self.kind, context)?];
        for (i, &kind) in self.also.iter().enumerate() {
            if kind == self.kind || self.also[..i].contains(&kind) {
                return Err(Error::config(
                    "constraint.also",
                    format!("names `{}` twice", kind.name()),
                ));
            }
            factors.push(self.build_kind(kind, context)?);
        }
        Ok(if factors.len() == 1 {
            factors.remove(0)
        } else {
            Box::new(product::Product { factors })
        })
    }

    fn build_kind(
        &self,
        kind: ConstraintKind,
        context: &BuildContext,
    ) -> Result<Box<dyn Constraint>> {
        let constraint: Box<dyn Constraint> = match kind {
            ConstraintKind::GaussianObs => Box::new(GaussianObservation::new(&self.gaussian_obs)?),
            ConstraintKind::Box => Box::new(BoxConstraint::new(&self.box_)?),
            ConstraintKind::Annulus => Box::new(Annulus::new(&self.annulus)?),
            ConstraintKind::HalfPlane => Box::new(HalfPlane::new(&self.half_plane)?),
            ConstraintKind::MixtureRatio => Box::new(MixtureRatio::new(&self.mixture_ratio)?),
            ConstraintKind::Grid => Box::new(GridConstraint::from_config(
                &self.grid,
                context.base_dir.as_deref(),
            )?),
            ConstraintKind::Energy => {
                let Some(variance) = context.reference_variance else {
                    return Err(Error::config(
                        "constraint.kind",
                        "`energy` divides the target by the Brownian reference's N(0, σ²I): \
                         use it with prior.kind = \"brownian\"",
                    ));
                };
                Box::new(EnergyConstraint::new(&self.energy, variance)?)
            }
            ConstraintKind::Classifier => Box::new(classifier::ClassifierConstraint::new(
                &self.classifier,
                context.base_dir.as_deref(),
            )?),
            ConstraintKind::Inpaint => Box::new(inpaint::Inpainting::new(
                &self.inpaint,
                context.dim,
                context.base_dir.as_deref(),
            )?),
        };
        if constraint.dim() != context.dim {
            return Err(Error::Dimension {
                what: format!("constraint `{}`", kind.name()),
                expected: context.dim,
                got: constraint.dim(),
            });
        }
        Ok(constraint)
    }
}

/// Reads a vector field and checks that every entry is finite.
pub(crate) fn finite_vec(field: &str, values: &[f64]) -> Result<()> {
    if values.is_empty() {
        return Err(Error::config(field, "must not be empty"));
    }
    if let Some(v) = values.iter().find(|v| !v.is_finite()) {
        return Err(Error::config(
            field,
            format!("holds a non-finite value {v}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::Constraint;

    /// Checks ∇ log r against central finite differences at `x`.
    pub fn assert_gradient_matches(constraint: &dyn Constraint, x: &[f32]) {
        let mut grad = vec![0.0; x.len()];
        constraint.grad_log_r(x, &mut grad);
        let h = 1e-3f32;
        for j in 0..x.len() {
            let mut plus = x.to_vec();
            let mut minus = x.to_vec();
            plus[j] += h;
            minus[j] -= h;
            let fd = (constraint.log_r(&plus) - constraint.log_r(&minus)) / (2.0 * h as f64);
            assert!(
                (fd - grad[j]).abs() <= 2e-2 * (1.0 + fd.abs()),
                "{}: d/dx{j} finite difference {fd} vs gradient {}",
                constraint.describe(),
                grad[j]
            );
        }
    }
}
