//! A constraint given as values of log r on a regular 2-D grid, interpolated bilinearly between
//! cell centres. Grids come from a CSV of log r values, from a grayscale PNG (brightness = r),
//! or inline in the config; the GUI's sketches are saved as such PNGs.
//!
//! Row 0 is the top of the picture, i.e. the largest y, as in an image.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Constraint, ConstraintConfig};
use crate::error::{Error, Result};

/// The widest and tallest grid read from a PNG.
pub const MAX_GRID_SIDE: u32 = 2048;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GridConfig {
    /// A `.csv` of log r values or a grayscale `.png` (brightness g gives r = floor + (1−floor)·g).
    pub path: Option<String>,
    /// Inline log r values, rows from top (largest y) to bottom; used when `path` is unset.
    pub values: Option<Vec<Vec<f64>>>,
    /// Lower-left corner (x, y) of the area the grid covers.
    pub lower: Vec<f64>,
    /// Upper-right corner (x, y).
    pub upper: Vec<f64>,
    /// Smallest r a PNG can express (black), so that log r stays finite.
    pub floor: f64,
}

impl Default for GridConfig {
    fn default() -> Self {
        Self {
            path: None,
            values: None,
            lower: vec![-12.0, -12.0],
            upper: vec![12.0, 12.0],
            floor: 1e-3,
        }
    }
}

/// The name (without extension) of the painted grid's file in a saved experiment.
pub const GRID_ASSET: &str = "grid";

#[derive(Clone, Debug, PartialEq)]
pub struct GridConstraint {
    width: usize,
    height: usize,
    /// log r, row-major, row 0 at the top.
    values: Vec<f64>,
    lower: [f64; 2],
    upper: [f64; 2],
    source: String,
}

impl GridConstraint {
    /// A grid from row-major log r values (row 0 on top).
    pub fn new(
        width: usize,
        height: usize,
        values: Vec<f64>,
        lower: [f64; 2],
        upper: [f64; 2],
    ) -> Result<Self> {
        if width < 2 || height < 2 {
            return Err(Error::config(
                "constraint.grid",
                "needs at least 2×2 values",
            ));
        }
        if values.len() != width * height {
            return Err(Error::config(
                "constraint.grid.values",
                format!("{} values do not fill {width}×{height}", values.len()),
            ));
        }
        if let Some(v) = values.iter().find(|v| !v.is_finite()) {
            return Err(Error::config(
                "constraint.grid.values",
                format!("log r must be finite everywhere, found {v}"),
            ));
        }
        if !(lower[0] < upper[0] && lower[1] < upper[1]) {
            return Err(Error::config(
                "constraint.grid.lower",
                "lower must be below and left of upper",
            ));
        }
        Ok(Self {
            width,
            height,
            values,
            lower,
            upper,
            source: "inline".into(),
        })
    }

    pub fn from_config(config: &GridConfig, base_dir: Option<&Path>) -> Result<Self> {
        let corner = |field: &str, v: &[f64]| -> Result<[f64; 2]> {
            match v {
                [a, b] if a.is_finite() && b.is_finite() => Ok([*a, *b]),
                _ => Err(Error::config(field, "must be two finite numbers [x, y]")),
            }
        };
        let lower = corner("constraint.grid.lower", &config.lower)?;
        let upper = corner("constraint.grid.upper", &config.upper)?;
        if let Some(path) = &config.path {
            let path = resolve(path, base_dir);
            let is_png = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("png"));
            let grid = if is_png {
                Self::from_png(&path, lower, upper, config.floor)?
            } else {
                Self::from_csv(&path, lower, upper)?
            };
            return Ok(grid);
        }
        let Some(rows) = &config.values else {
            return Err(Error::config(
                "constraint.grid",
                "set `path` (a .png or .csv) or inline `values`",
            ));
        };
        let width = rows.first().map_or(0, Vec::len);
        if let Some(i) = rows.iter().position(|r| r.len() != width) {
            return Err(Error::config(
                "constraint.grid.values",
                format!(
                    "row {} has {} values, expected {width}",
                    i + 1,
                    rows[i].len()
                ),
            ));
        }
        Self::new(width, rows.len(), rows.concat(), lower, upper)
    }

    /// Reads a CSV of log r values (no header), rows from top to bottom.
    pub fn from_csv(path: &Path, lower: [f64; 2], upper: [f64; 2]) -> Result<Self> {
        let points = crate::prior::csv_data::read_points(path)?;
        let values: Vec<f64> = points.as_slice().iter().map(|&v| v as f64).collect();
        let mut grid = Self::new(points.dim(), points.len(), values, lower, upper)
            .map_err(|e| Error::bad_file(path, e.to_string()))?;
        grid.source = path.display().to_string();
        Ok(grid)
    }

    /// Reads a grayscale (or colour, converted to luminance) PNG: brightness g ∈ [0, 1] gives
    /// r = floor + (1 − floor)·g.
    pub fn from_png(path: &Path, lower: [f64; 2], upper: [f64; 2], floor: f64) -> Result<Self> {
        Self::from_png_bytes(&crate::files::read(path)?, path, lower, upper, floor)
    }

    /// [`from_png`](Self::from_png) of a file's bytes; `path` names the file in errors.
    pub fn from_png_bytes(
        bytes: &[u8],
        path: &Path,
        lower: [f64; 2],
        upper: [f64; 2],
        floor: f64,
    ) -> Result<Self> {
        if !(floor > 0.0 && floor < 1.0) {
            return Err(Error::config(
                "constraint.grid.floor",
                format!("must be in (0, 1), got {floor}"),
            ));
        }
        // Each cell becomes an f64: 2048² cells are 32 MiB, and a finer grid than that over a
        // plane is no sharper a constraint.
        let image = crate::files::decode_image(bytes, path, MAX_GRID_SIDE)?.into_luma16();
        let (w, h) = image.dimensions();
        let values = image
            .pixels()
            .map(|p| {
                let g = p.0[0] as f64 / u16::MAX as f64;
                (floor + (1.0 - floor) * g).ln()
            })
            .collect();
        let mut grid = Self::new(w as usize, h as usize, values, lower, upper)
            .map_err(|e| Error::bad_file(path, e.to_string()))?;
        grid.source = path.display().to_string();
        Ok(grid)
    }

    /// Writes the grid as a 16-bit grayscale PNG that `from_png` reads back (same floor).
    pub fn to_png_bytes(&self, floor: f64) -> Result<Vec<u8>> {
        let pixels: Vec<u16> = self
            .values
            .iter()
            .map(|&lr| {
                let g = ((lr.exp() - floor) / (1.0 - floor)).clamp(0.0, 1.0);
                (g * u16::MAX as f64).round() as u16
            })
            .collect();
        let image = image::ImageBuffer::<image::Luma<u16>, _>::from_raw(
            self.width as u32,
            self.height as u32,
            pixels,
        )
        .ok_or_else(|| Error::Unsupported("grid size does not fit an image".into()))?;
        let mut bytes = Vec::new();
        image
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .map_err(|e| Error::Unsupported(format!("cannot encode PNG: {e}")))?;
        Ok(bytes)
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    pub fn values(&self) -> &[f64] {
        &self.values
    }

    pub fn bounds(&self) -> ([f64; 2], [f64; 2]) {
        (self.lower, self.upper)
    }

    /// Continuous cell coordinates (column, row-from-bottom) of x, clamped to the cell centres.
    fn cell_coords(&self, x: &[f32]) -> (f64, f64, bool, bool) {
        let fx = (x[0] as f64 - self.lower[0]) / (self.upper[0] - self.lower[0])
            * self.width as f64
            - 0.5;
        let fy = (x[1] as f64 - self.lower[1]) / (self.upper[1] - self.lower[1])
            * self.height as f64
            - 0.5;
        let max_x = (self.width - 1) as f64;
        let max_y = (self.height - 1) as f64;
        let inside_x = (0.0..=max_x).contains(&fx);
        let inside_y = (0.0..=max_y).contains(&fy);
        (
            fx.clamp(0.0, max_x),
            fy.clamp(0.0, max_y),
            inside_x,
            inside_y,
        )
    }

    /// log r at column i, row j counted from the bottom.
    fn at(&self, i: usize, j_from_bottom: usize) -> f64 {
        let row = self.height - 1 - j_from_bottom;
        self.values[row * self.width + i]
    }

    fn corners(&self, fx: f64, fy: f64) -> (usize, usize, f64, f64, [f64; 4]) {
        let i0 = (fx.floor() as usize).min(self.width - 2);
        let j0 = (fy.floor() as usize).min(self.height - 2);
        let tx = fx - i0 as f64;
        let ty = fy - j0 as f64;
        let v = [
            self.at(i0, j0),
            self.at(i0 + 1, j0),
            self.at(i0, j0 + 1),
            self.at(i0 + 1, j0 + 1),
        ];
        (i0, j0, tx, ty, v)
    }
}

fn resolve(path: &str, base_dir: Option<&Path>) -> PathBuf {
    let p = PathBuf::from(path);
    match base_dir {
        Some(base) if p.is_relative() && !p.exists() => base.join(p),
        _ => p,
    }
}

impl Constraint for GridConstraint {
    fn dim(&self) -> usize {
        2
    }

    fn save_assets(&self, dir: &Path, config: &mut ConstraintConfig) -> Result<()> {
        // The file itself, byte for byte: read again, it gives the same log r exactly.
        let Some(configured) = &config.grid.path else {
            return Ok(());
        };
        let source = PathBuf::from(&self.source);
        let extension = Path::new(configured)
            .extension()
            .map_or(String::new(), |e| format!(".{}", e.to_string_lossy()));
        let name = format!("{GRID_ASSET}{extension}");
        crate::files::write_atomic(&dir.join(&name), &crate::files::read(&source)?)?;
        config.grid.path = Some(name);
        Ok(())
    }

    fn log_r(&self, x: &[f32]) -> f64 {
        let (fx, fy, _, _) = self.cell_coords(x);
        let (_, _, tx, ty, v) = self.corners(fx, fy);
        let bottom = v[0] * (1.0 - tx) + v[1] * tx;
        let top = v[2] * (1.0 - tx) + v[3] * tx;
        bottom * (1.0 - ty) + top * ty
    }

    fn grad_log_r(&self, x: &[f32], grad: &mut [f64]) {
        let (fx, fy, inside_x, inside_y) = self.cell_coords(x);
        let (_, _, tx, ty, v) = self.corners(fx, fy);
        let cell_w = (self.upper[0] - self.lower[0]) / self.width as f64;
        let cell_h = (self.upper[1] - self.lower[1]) / self.height as f64;
        let d_tx = (v[1] - v[0]) * (1.0 - ty) + (v[3] - v[2]) * ty;
        let d_ty = (v[2] - v[0]) * (1.0 - tx) + (v[3] - v[1]) * tx;
        // Clamped outside the grid: log r is constant along the clamped axis there.
        grad[0] = if inside_x { d_tx / cell_w } else { 0.0 };
        grad[1] = if inside_y { d_ty / cell_h } else { 0.0 };
    }

    fn describe(&self) -> String {
        format!("grid {}×{} from {}", self.width, self.height, self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::test_support::assert_gradient_matches;

    fn ramp() -> GridConstraint {
        // log r = x on [0, 4]² sampled at cell centres 0.5, 1.5, 2.5, 3.5.
        let row = [0.5, 1.5, 2.5, 3.5];
        GridConstraint::new(4, 4, row.repeat(4), [0.0, 0.0], [4.0, 4.0]).unwrap()
    }

    #[test]
    fn bilinear_reproduces_a_linear_function() {
        let g = ramp();
        assert!((g.log_r(&[1.7, 2.2]) - 1.7).abs() < 1e-6);
        assert_gradient_matches(&g, &[1.7, 2.2]);
    }

    #[test]
    fn top_row_is_the_largest_y() {
        let mut values = vec![0.0; 4];
        values[0] = 1.0;
        values[1] = 1.0;
        let g = GridConstraint::new(2, 2, values, [0.0, 0.0], [2.0, 2.0]).unwrap();
        assert!((g.log_r(&[1.0, 1.9]) - 1.0).abs() < 1e-9);
        assert!(g.log_r(&[1.0, 0.1]).abs() < 1e-9);
    }

    #[test]
    fn png_round_trip_keeps_values() {
        let dir = tempfile::tempdir().unwrap();
        let values: Vec<f64> = (0..12).map(|i| (0.05 + 0.08 * i as f64).ln()).collect();
        let g = GridConstraint::new(4, 3, values.clone(), [-1.0, -1.0], [1.0, 1.0]).unwrap();
        let path = dir.path().join("sketch.png");
        std::fs::write(&path, g.to_png_bytes(1e-3).unwrap()).unwrap();
        let back = GridConstraint::from_png(&path, [-1.0, -1.0], [1.0, 1.0], 1e-3).unwrap();
        for (a, b) in back.values().iter().zip(&values) {
            assert!((a - b).abs() < 1e-3, "{a} vs {b}");
        }
    }

    #[test]
    fn a_text_file_is_not_an_image() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fake.png");
        std::fs::write(&path, "hello").unwrap();
        let err = GridConstraint::from_png(&path, [0.0, 0.0], [1.0, 1.0], 1e-3)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("fake.png") && err.contains("not a readable image"),
            "{err}"
        );
    }
}
