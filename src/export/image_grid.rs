//! Grids of image samples as PNG: rows of grey-scale tiles, one labelled panel per source
//! (data, prior, reference, sampler), each tile enlarged so that 14×14 images can be seen.

use std::path::Path;

use image::{GrayImage, Luma};

use crate::error::{Error, Result};
use crate::files;
use crate::math::Points;

/// One panel: the first `columns × rows` images of `points`.
pub struct ImagePanel<'a> {
    pub points: &'a Points,
}

/// Layout of a grid figure.
#[derive(Clone, Copy, Debug)]
pub struct GridLayout {
    pub width: usize,
    pub height: usize,
    pub columns: usize,
    pub rows: usize,
    /// Pixels per image pixel.
    pub zoom: usize,
}

const GAP: usize = 2;
/// Frames of a trajectory strip, t = 0 to 1.
pub const STRIP_FRAMES: usize = 10;

/// 8 × 8 tiles of `width × height` images, enlarged to about 56 pixels each.
pub fn standard_layout(width: usize, height: usize) -> GridLayout {
    GridLayout {
        width,
        height,
        columns: 8,
        rows: 8,
        zoom: (56 / width.max(height).max(1)).max(1),
    }
}

/// The first `rows` trajectories of time-major `states` (`count` particles, `steps` + 1
/// times), each as [`STRIP_FRAMES`] frames evenly spaced in step: one row of images per
/// trajectory, frames in order.
pub fn trajectory_strips(states: &Points, count: usize, steps: usize, rows: usize) -> Points {
    let dim = states.dim();
    let mut out = Points::with_capacity(rows * STRIP_FRAMES, dim);
    for particle in 0..rows.min(count) {
        for frame in 0..STRIP_FRAMES {
            let k = frame * steps / (STRIP_FRAMES - 1);
            let row = k * count + particle;
            if row < states.len() {
                out.push(states.row(row));
            }
        }
    }
    out
}
const PANEL_GAP: usize = 12;

/// Renders the panels side by side (white gaps between tiles, a wider gap between panels);
/// pixel values are clamped to [0, 1], white on black as the datasets store them.
pub fn render_grid(panels: &[ImagePanel<'_>], layout: GridLayout) -> Result<GrayImage> {
    let GridLayout {
        width,
        height,
        columns,
        rows,
        zoom,
    } = layout;
    if let Some(bad) = panels.iter().find(|p| p.points.dim() != width * height) {
        return Err(Error::Dimension {
            what: format!("images of {width}×{height}"),
            expected: width * height,
            got: bad.points.dim(),
        });
    }
    let tile_w = width * zoom + GAP;
    let tile_h = height * zoom + GAP;
    let panel_w = columns * tile_w;
    let total_w = panels.len() * panel_w + panels.len().saturating_sub(1) * PANEL_GAP;
    let total_h = rows * tile_h;
    let mut canvas = GrayImage::from_pixel(total_w as u32, total_h as u32, Luma([255]));
    for (p, panel) in panels.iter().enumerate() {
        let left = p * (panel_w + PANEL_GAP);
        for (k, row) in panel.points.rows().take(columns * rows).enumerate() {
            let (tx, ty) = (left + (k % columns) * tile_w, (k / columns) * tile_h);
            for (i, &v) in row.iter().enumerate() {
                let grey = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
                let (px, py) = (tx + (i % width) * zoom, ty + (i / width) * zoom);
                for dy in 0..zoom {
                    for dx in 0..zoom {
                        canvas.put_pixel((px + dx) as u32, (py + dy) as u32, Luma([grey]));
                    }
                }
            }
        }
    }
    Ok(canvas)
}

/// Writes [`render_grid`] as a PNG, atomically.
pub fn write_grid(path: &Path, panels: &[ImagePanel<'_>], layout: GridLayout) -> Result<()> {
    let canvas = render_grid(panels, layout)?;
    let mut bytes = Vec::new();
    canvas
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .map_err(|e| Error::Unsupported(format!("cannot encode {}: {e}", path.display())))?;
    files::write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_land_where_the_layout_says() {
        let bright = Points::from_rows(4, [[1.0f32, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 2.0]]);
        let layout = GridLayout {
            width: 2,
            height: 2,
            columns: 2,
            rows: 1,
            zoom: 3,
        };
        let canvas = render_grid(&[ImagePanel { points: &bright }], layout).unwrap();
        assert_eq!(
            canvas.dimensions(),
            (2 * (6 + GAP) as u32, (6 + GAP) as u32)
        );
        assert_eq!(canvas.get_pixel(0, 0).0[0], 255);
        // The second image: black except its last pixel, clamped to white.
        assert_eq!(canvas.get_pixel(8, 0).0[0], 0);
        assert_eq!(canvas.get_pixel(8 + 3, 3).0[0], 255);
        let wrong = Points::zeros(1, 3);
        assert!(render_grid(&[ImagePanel { points: &wrong }], layout).is_err());
    }
}
