//! Inpainting: pixels y observed on a mask M, r(x) = exp(−‖M⊙(x − y)‖²/(2s²)). The observed image
//! is a test image of an MNIST-format folder; the mask is a shape or a PNG (white = observed).

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::classifier::load_classifier;
use super::{Constraint, ConstraintConfig};
use crate::error::{Error, Result};
use crate::files::resolve_path;
use crate::images::Classifier;
use crate::images::{ImageSet, Split};
use crate::math::rng::seeded;
use crate::validation::finite_positive;

/// Which pixels are observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaskShape {
    TopHalf,
    LeftHalf,
    /// The centre square of half the side is hidden; the rest is observed.
    CentreSquare,
    /// A random share `observed_fraction` of the pixels.
    RandomPixels,
}

impl MaskShape {
    pub const ALL: [MaskShape; 4] = [
        Self::TopHalf,
        Self::LeftHalf,
        Self::CentreSquare,
        Self::RandomPixels,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::TopHalf => "top_half",
            Self::LeftHalf => "left_half",
            Self::CentreSquare => "centre_square",
            Self::RandomPixels => "random_pixels",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InpaintConfig {
    /// The MNIST-format folder (or `fashion_mnist`) whose test split holds the image.
    pub data: String,
    /// Index of the observed image in the test split.
    pub image_index: usize,
    pub mask: MaskShape,
    /// Share of observed pixels for `random_pixels`.
    pub observed_fraction: f64,
    pub mask_seed: u64,
    /// A PNG of the image's size whose white pixels are observed; overrides `mask`.
    pub mask_png: Option<String>,
    /// The observation noise s, in pixel units ([0, 1]).
    pub noise_std: f64,
    /// A classifier folder through which the metrics see the completions (class histogram,
    /// Fréchet distance); it does not change r.
    pub classifier: Option<String>,
    /// Pixels painted into the mask in the app (row-major indices at the prior's resolution).
    pub observe: Vec<usize>,
    /// Pixels painted out of the mask.
    pub hide: Vec<usize>,
    /// Pixels drawn in the app as `[index, value]`: they replace the test image there and are
    /// observed.
    pub strokes: Vec<(usize, f32)>,
}

/// What a brush stroke on the observation does to a pixel.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum PixelEdit {
    Observe,
    Hide,
    /// Observe this value instead of the test image's.
    Draw(f32),
}

impl InpaintConfig {
    /// Applies one edit to pixel `index`, keeping the edit lists free of repeats: a pixel is in
    /// at most one of them, the last edit wins. Whether the edit changed anything.
    pub fn edit(&mut self, index: usize, edit: PixelEdit) -> bool {
        let current = if self.observe.contains(&index) {
            Some(PixelEdit::Observe)
        } else if self.hide.contains(&index) {
            Some(PixelEdit::Hide)
        } else {
            self.strokes
                .iter()
                .find(|(i, _)| *i == index)
                .map(|&(_, v)| PixelEdit::Draw(v))
        };
        let edit = match edit {
            PixelEdit::Draw(v) => PixelEdit::Draw(v.clamp(0.0, 1.0)),
            other => other,
        };
        if current == Some(edit) {
            return false;
        }
        self.observe.retain(|&i| i != index);
        self.hide.retain(|&i| i != index);
        self.strokes.retain(|&(i, _)| i != index);
        match edit {
            PixelEdit::Observe => self.observe.push(index),
            PixelEdit::Hide => self.hide.push(index),
            PixelEdit::Draw(v) => self.strokes.push((index, v)),
        }
        true
    }

    pub fn has_edits(&self) -> bool {
        !(self.observe.is_empty() && self.hide.is_empty() && self.strokes.is_empty())
    }

    pub fn clear_edits(&mut self) {
        self.observe.clear();
        self.hide.clear();
        self.strokes.clear();
    }

    /// The observed image and mask after the edits, from the test image and the shape's mask.
    pub fn apply_edits(&self, image: &[f32], mask: &[bool]) -> Result<(Vec<f32>, Vec<bool>)> {
        let n = image.len().min(mask.len());
        let check = |field: &str, i: usize| {
            if i < n {
                Ok(())
            } else {
                Err(Error::config(
                    field,
                    format!("pixel {i} is beyond the image's {n} pixels"),
                ))
            }
        };
        let (mut y, mut m) = (image.to_vec(), mask.to_vec());
        for &i in &self.observe {
            check("constraint.inpaint.observe", i)?;
            m[i] = true;
        }
        for &i in &self.hide {
            check("constraint.inpaint.hide", i)?;
            m[i] = false;
        }
        for &(i, v) in &self.strokes {
            check("constraint.inpaint.strokes", i)?;
            if !v.is_finite() || !(0.0..=1.0).contains(&v) {
                return Err(Error::config(
                    "constraint.inpaint.strokes",
                    format!("pixel {i}: value {v} is not in [0, 1]"),
                ));
            }
            y[i] = v;
            m[i] = true;
        }
        Ok((y, m))
    }
}

impl Default for InpaintConfig {
    fn default() -> Self {
        Self {
            data: crate::images::FASHION_MNIST.into(),
            image_index: 0,
            mask: MaskShape::TopHalf,
            observed_fraction: 0.3,
            mask_seed: 0,
            mask_png: None,
            noise_std: 0.1,
            classifier: None,
            observe: Vec::new(),
            hide: Vec::new(),
            strokes: Vec::new(),
        }
    }
}

/// The folder of a saved experiment that holds the classifier the inpainting metrics see
/// completions through.
pub const METRICS_CLASSIFIER_ASSET: &str = "inpaint_classifier";

/// The observed pixels and the mask.
#[derive(Clone, Debug)]
pub struct Inpainting {
    pub width: usize,
    pub height: usize,
    pub y: Vec<f32>,
    pub mask: Vec<bool>,
    pub noise_std: f64,
    /// The test image's class, for the views.
    pub label: String,
    /// The test image and the mask before the app's edits, for the observation editor.
    pub test_image: Arc<Vec<f32>>,
    pub shape_mask: Arc<Vec<bool>>,
    /// Only for the metrics.
    pub classifier: Option<Arc<Classifier>>,
}

impl Inpainting {
    /// Builds the observation for images of `dim` pixels: the test image is block-averaged to
    /// that size.
    pub fn new(config: &InpaintConfig, dim: usize, base_dir: Option<&Path>) -> Result<Self> {
        finite_positive("constraint.inpaint.noise_std", config.noise_std)?;
        let full = ImageSet::load(&config.data, Split::Test, 1)?;
        let side = (dim as f64).sqrt().round() as usize;
        if side * side != dim || side == 0 || full.width % side != 0 || full.width != full.height {
            return Err(Error::Dimension {
                what: format!(
                    "inpainting a {}×{} image of {} by a square prior",
                    full.width, full.height, config.data
                ),
                expected: full.dim(),
                got: dim,
            });
        }
        let set = ImageSet::load(&config.data, Split::Test, full.width / side)?;
        if config.image_index >= set.len() {
            return Err(Error::config(
                "constraint.inpaint.image_index",
                format!(
                    "{} is beyond the {} test images of {}",
                    config.image_index,
                    set.len(),
                    config.data
                ),
            ));
        }
        let shape_mask = match &config.mask_png {
            Some(png) => read_mask(&resolve_path(png, base_dir), side)?,
            None => shape_mask(config, side)?,
        };
        let test_image = set.images.row(config.image_index).to_vec();
        let (y, mask) = config.apply_edits(&test_image, &shape_mask)?;
        if !mask.iter().any(|&m| m) {
            return Err(Error::config(
                "constraint.inpaint.mask",
                "observes no pixel",
            ));
        }
        Ok(Self {
            width: side,
            height: side,
            y,
            mask,
            test_image: Arc::new(test_image),
            shape_mask: Arc::new(shape_mask),
            noise_std: config.noise_std,
            classifier: match &config.classifier {
                Some(path) => Some(Arc::new(load_classifier(path, base_dir)?)),
                None => None,
            },
            label: set
                .classes
                .get(set.labels[config.image_index] as usize)
                .cloned()
                .unwrap_or_default(),
        })
    }

    pub fn observed(&self) -> usize {
        self.mask.iter().filter(|&&m| m).count()
    }

    /// Root mean square error of `x` over the observed pixels.
    pub fn observed_rmse(&self, x: &[f32]) -> f64 {
        let sum: f64 = self.residuals(x).map(|r| r * r).sum();
        (sum / self.observed().max(1) as f64).sqrt()
    }

    fn residuals<'a>(&'a self, x: &'a [f32]) -> impl Iterator<Item = f64> + 'a {
        x.iter()
            .zip(&self.y)
            .zip(&self.mask)
            .filter(|(_, m)| **m)
            .map(|((&x, &y), _)| (x - y) as f64)
    }
}

fn shape_mask(config: &InpaintConfig, side: usize) -> Result<Vec<bool>> {
    let half = side / 2;
    let quarter = side / 4;
    let mut rng = seeded(config.mask_seed);
    if config.mask == MaskShape::RandomPixels && !(0.0..=1.0).contains(&config.observed_fraction) {
        return Err(Error::config(
            "constraint.inpaint.observed_fraction",
            format!("{} is not in [0, 1]", config.observed_fraction),
        ));
    }
    Ok((0..side * side)
        .map(|i| {
            let (r, c) = (i / side, i % side);
            match config.mask {
                MaskShape::TopHalf => r < half,
                MaskShape::LeftHalf => c < half,
                MaskShape::CentreSquare => {
                    !((quarter..quarter + half).contains(&r)
                        && (quarter..quarter + half).contains(&c))
                }
                MaskShape::RandomPixels => {
                    rand::Rng::random::<f64>(&mut rng) < config.observed_fraction
                }
            }
        })
        .collect())
}

fn read_mask(path: &Path, side: usize) -> Result<Vec<bool>> {
    mask_from_png_bytes(&crate::files::read(path)?, path, side)
}

/// An inpainting mask (white: observed) from a PNG file's bytes, which must be `side`×`side`;
/// `path` names the file in errors.
pub fn mask_from_png_bytes(bytes: &[u8], path: &Path, side: usize) -> Result<Vec<bool>> {
    let image = crate::files::decode_image(bytes, path, crate::files::MAX_IMAGE_SIDE)?.into_luma8();
    if image.width() as usize != side || image.height() as usize != side {
        return Err(Error::bad_file(
            path,
            format!(
                "the mask is {}×{}, the images {side}×{side}",
                image.width(),
                image.height()
            ),
        ));
    }
    Ok(image.pixels().map(|p| p.0[0] >= 128).collect())
}

impl Constraint for Inpainting {
    fn dim(&self) -> usize {
        self.y.len()
    }

    fn log_r(&self, x: &[f32]) -> f64 {
        let var = self.noise_std * self.noise_std;
        -self.residuals(x).map(|r| r * r).sum::<f64>() / (2.0 * var)
    }

    fn grad_log_r(&self, x: &[f32], grad: &mut [f64]) {
        let var = self.noise_std * self.noise_std;
        for (((g, &x), &y), &m) in grad.iter_mut().zip(x).zip(&self.y).zip(&self.mask) {
            *g = if m { -((x - y) as f64) / var } else { 0.0 };
        }
    }

    fn image_classifier(&self) -> Option<Arc<Classifier>> {
        self.classifier.clone()
    }

    fn inpainting(&self) -> Option<&Inpainting> {
        Some(self)
    }

    fn save_assets(&self, dir: &Path, config: &mut ConstraintConfig) -> Result<()> {
        // Its own folder: with `also = ["classifier"]` the classifier constraint saves another
        // classifier beside it.
        if let Some(classifier) = &self.classifier {
            classifier.save(&dir.join(METRICS_CLASSIFIER_ASSET))?;
            config.inpaint.classifier = Some(METRICS_CLASSIFIER_ASSET.into());
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!(
            "inpainting: {} of {} pixels observed (a {}), s = {}",
            self.observed(),
            self.y.len(),
            self.label,
            self.noise_std
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::test_support::assert_gradient_matches;

    #[test]
    fn masks_have_their_shapes_and_log_r_its_gradient() {
        let config = InpaintConfig::default();
        let top = shape_mask(&config, 4).unwrap();
        assert_eq!(top.iter().filter(|&&m| m).count(), 8);
        assert!(top[..8].iter().all(|&m| m));
        let centre = shape_mask(
            &InpaintConfig {
                mask: MaskShape::CentreSquare,
                ..config.clone()
            },
            4,
        )
        .unwrap();
        assert!(!centre[5] && !centre[10] && centre[0]);
        let observation = Inpainting {
            width: 4,
            height: 4,
            y: (0..16).map(|i| i as f32 / 16.0).collect(),
            mask: top.clone(),
            noise_std: 0.2,
            label: "test".into(),
            classifier: None,
            test_image: Arc::new(Vec::new()),
            shape_mask: Arc::new(top),
        };
        let x: Vec<f32> = (0..16).map(|i| 0.5 - i as f32 / 40.0).collect();
        assert_gradient_matches(&observation, &x);
        assert_eq!(observation.log_r(&observation.y.clone()), 0.0);
        let expected: f64 = (0..8)
            .map(|i| ((x[i] - observation.y[i]) as f64).powi(2))
            .sum::<f64>()
            / (2.0 * 0.04);
        assert!((observation.log_r(&x) + expected).abs() < 1e-9);
    }

    #[test]
    fn painted_edits_change_mask_and_pixels_and_the_last_edit_wins() {
        let mut config = InpaintConfig::default();
        let image = vec![0.5f32; 4];
        let mask = vec![true, true, false, false];
        assert!(config.edit(2, PixelEdit::Observe));
        assert!(config.edit(0, PixelEdit::Hide));
        assert!(!config.edit(0, PixelEdit::Hide));
        assert!(config.edit(3, PixelEdit::Draw(1.5)));
        assert!(!config.edit(3, PixelEdit::Draw(1.0)));
        assert!(config.edit(2, PixelEdit::Draw(0.0)));
        assert_eq!(config.observe, Vec::<usize>::new());
        let (y, m) = config.apply_edits(&image, &mask).unwrap();
        assert_eq!(m, vec![false, true, true, true]);
        assert_eq!(y, vec![0.5, 0.5, 0.0, 1.0]);
        config.edit(9, PixelEdit::Hide);
        let e = config.apply_edits(&image, &mask).unwrap_err().to_string();
        assert!(
            e.contains("constraint.inpaint.hide") && e.contains("pixel 9"),
            "{e}"
        );
        config.clear_edits();
        config.strokes.push((1, f32::NAN));
        let e = config.apply_edits(&image, &mask).unwrap_err().to_string();
        assert!(e.contains("constraint.inpaint.strokes"), "{e}");
        assert!(!InpaintConfig::default().has_edits());
    }
}
