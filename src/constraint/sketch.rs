//! A constraint painted by hand: intensities g ∈ [0, 1] on a square grid over an area of the
//! plane, turned into a grid constraint with r = floor + (1 − floor)·g — the same mapping as
//! a grayscale PNG, so that a sketch saved as PNG loads back as the same constraint.

use std::path::Path;

use crate::constraint::grid::{GridConfig, GridConstraint};
use crate::error::{Error, Result};
use crate::math::field::{Area, blur};

/// Undo keeps this many earlier states.
const UNDO_DEPTH: usize = 30;

#[derive(Clone, Debug, PartialEq)]
pub struct Sketch {
    pub n: usize,
    pub area: Area,
    /// Row-major from the top (largest y), as in an image.
    pub intensity: Vec<f64>,
    pub floor: f64,
    undo: Vec<Vec<f64>>,
}

#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Brush {
    /// Radius in data units.
    pub radius: f64,
    /// Intensity added at the centre per dab.
    pub strength: f64,
    pub erase: bool,
}

impl Default for Brush {
    fn default() -> Self {
        Self {
            radius: 1.5,
            strength: 0.35,
            erase: false,
        }
    }
}

impl Sketch {
    pub fn new(area: Area, n: usize) -> Self {
        Self {
            n,
            area,
            intensity: vec![0.0; n * n],
            floor: 1e-3,
            undo: Vec::new(),
        }
    }

    pub fn is_blank(&self) -> bool {
        self.intensity.iter().all(|&g| g <= 0.0)
    }

    /// Remembers the current state for `undo`; call once at the start of each stroke.
    pub fn begin_stroke(&mut self) {
        if self.undo.len() == UNDO_DEPTH {
            self.undo.remove(0);
        }
        self.undo.push(self.intensity.clone());
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn undo(&mut self) {
        if let Some(previous) = self.undo.pop() {
            self.intensity = previous;
        }
    }

    /// One dab of the brush at `at` (data coordinates), with a smooth falloff.
    pub fn dab(&mut self, at: [f64; 2], brush: &Brush) {
        let n = self.n;
        let sign = if brush.erase { -1.0 } else { 1.0 };
        for row in 0..n {
            for col in 0..n {
                let c = self.area.cell_centre(n, row, col);
                let d2 = (c[0] - at[0]).powi(2) + (c[1] - at[1]).powi(2);
                let r2 = brush.radius * brush.radius;
                if d2 > r2 {
                    continue;
                }
                let falloff = (1.0 - d2 / r2).powi(2);
                let g = &mut self.intensity[row * n + col];
                *g = (*g + sign * brush.strength * falloff).clamp(0.0, 1.0);
            }
        }
    }

    pub fn smooth(&mut self) {
        self.begin_stroke();
        self.intensity = blur(&self.intensity, self.n, 1);
    }

    pub fn clear(&mut self) {
        self.begin_stroke();
        self.intensity.iter_mut().for_each(|g| *g = 0.0);
    }

    /// The grid constraint this sketch stands for, inline in the config.
    pub fn to_grid_config(&self) -> GridConfig {
        let n = self.n;
        let values = (0..n)
            .map(|row| {
                (0..n)
                    .map(|col| {
                        let g = self.intensity[row * n + col];
                        (self.floor + (1.0 - self.floor) * g).ln()
                    })
                    .collect()
            })
            .collect();
        GridConfig {
            path: None,
            values: Some(values),
            lower: self.area.lower.to_vec(),
            upper: self.area.upper.to_vec(),
            floor: self.floor,
        }
    }

    /// Reads back a sketch from an inline grid config (as saved in experiments).
    pub fn from_grid_config(config: &GridConfig) -> Option<Self> {
        let values = config.values.as_ref()?;
        let n = values.len();
        if n == 0
            || values.iter().any(|r| r.len() != n)
            || config.lower.len() != 2
            || config.upper.len() != 2
        {
            return None;
        }
        let floor = config.floor;
        let intensity = values
            .iter()
            .flatten()
            .map(|&l| ((l.exp() - floor) / (1.0 - floor)).clamp(0.0, 1.0))
            .collect();
        Some(Self {
            n,
            area: Area {
                lower: [config.lower[0], config.lower[1]],
                upper: [config.upper[0], config.upper[1]],
            },
            intensity,
            floor,
            undo: Vec::new(),
        })
    }

    /// Saves as an 8-bit grayscale PNG (brightness = g), atomically.
    pub fn save_png(&self, path: &Path) -> Result<()> {
        let grid = GridConstraint::from_config(&self.to_grid_config(), None)?;
        let bytes = grid.to_png_bytes(self.floor)?;
        crate::files::write_atomic(path, &bytes)
    }

    /// Loads a grayscale PNG onto this sketch's area (resampled to its grid).
    pub fn load_png(path: &Path, area: Area, n: usize) -> Result<Self> {
        Self::from_png_bytes(&crate::files::read(path)?, path, area, n)
    }

    /// [`load_png`](Self::load_png) of a file's bytes; `path` names the file in errors.
    pub fn from_png_bytes(bytes: &[u8], path: &Path, area: Area, n: usize) -> Result<Self> {
        let image =
            crate::files::decode_image(bytes, path, crate::files::MAX_IMAGE_SIDE)?.into_luma8();
        let (w, h) = image.dimensions();
        if w == 0 || h == 0 {
            return Err(Error::bad_file(path, "the image is empty"));
        }
        let mut sketch = Self::new(area, n);
        for row in 0..n {
            for col in 0..n {
                let x = ((col as f64 + 0.5) / n as f64 * w as f64) as u32;
                let y = ((row as f64 + 0.5) / n as f64 * h as f64) as u32;
                let g = image.get_pixel(x.min(w - 1), y.min(h - 1))[0] as f64 / 255.0;
                sketch.intensity[row * n + col] = g;
            }
        }
        Ok(sketch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::Constraint;

    fn area() -> Area {
        Area {
            lower: [-4.0, -4.0],
            upper: [4.0, 4.0],
        }
    }

    #[test]
    fn painting_raises_r_where_painted_and_undo_restores() {
        let mut sketch = Sketch::new(area(), 32);
        sketch.begin_stroke();
        sketch.dab([2.0, 2.0], &Brush::default());
        let grid = GridConstraint::from_config(&sketch.to_grid_config(), None).unwrap();
        assert!(grid.log_r(&[2.0, 2.0]) > grid.log_r(&[-2.0, -2.0]) + 1.0);
        sketch.undo();
        assert!(sketch.is_blank());
    }

    #[test]
    fn a_sketch_survives_a_png_round_trip() {
        let mut sketch = Sketch::new(area(), 16);
        sketch.dab(
            [0.0, 1.0],
            &Brush {
                radius: 3.0,
                strength: 0.8,
                erase: false,
            },
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.png");
        sketch.save_png(&path).unwrap();
        let back = Sketch::load_png(&path, area(), 16).unwrap();
        let worst = sketch
            .intensity
            .iter()
            .zip(&back.intensity)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst < 0.01, "{worst}");
        let config = Sketch::from_grid_config(&sketch.to_grid_config()).unwrap();
        assert!(
            config
                .intensity
                .iter()
                .zip(&sketch.intensity)
                .all(|(a, b)| (a - b).abs() < 1e-9)
        );
    }

    #[test]
    fn a_text_file_is_not_a_sketch() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.png");
        std::fs::write(&path, "hello").unwrap();
        let error = Sketch::load_png(&path, area(), 8).unwrap_err().to_string();
        assert!(error.contains("notes.png"), "{error}");
    }
}
