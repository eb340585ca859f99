//! Small multiples drawn straight with the painter: dozens of cells of a few hundred points each
//! would cost a plot widget per cell every frame. Points are quads in one mesh per cell.

use eframe::egui::{self, Color32, Mesh, Pos2, Rect, Stroke};

/// Coordinate `c` of a row, NaN (left out of every cell) where the row is shorter: a snapshot of
/// the previous experiment can still be on screen when the new one is ready.
pub fn coordinate(row: &[f32], c: usize) -> f64 {
    row.get(c).map_or(f64::NAN, |&v| v as f64)
}

/// Where values in [lo, hi] fall along a cell's axis.
#[derive(Clone, Copy, Debug)]
pub struct Range {
    pub lo: f64,
    pub hi: f64,
}

impl Range {
    /// The 0.5 %–99.5 % quantiles of the finite values, padded by 5 %.
    pub fn of(values: impl Iterator<Item = f64>) -> Self {
        let mut v: Vec<f64> = values.filter(|v| v.is_finite()).collect();
        if v.is_empty() {
            return Self { lo: -1.0, hi: 1.0 };
        }
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        let (lo, hi) = (at(0.005), at(0.995));
        let pad = 0.05 * (hi - lo).max(1e-6);
        Self {
            lo: lo - pad,
            hi: hi + pad,
        }
    }

    fn unit(&self, v: f64) -> f32 {
        ((v - self.lo) / (self.hi - self.lo)) as f32
    }
}

/// Dots at (x, y) pairs inside `rect`, axes `x` and `y`; points outside are left out.
pub fn dots(
    painter: &egui::Painter,
    rect: Rect,
    points: impl Iterator<Item = (f64, f64)>,
    ranges: (Range, Range),
    radius: f32,
    color: Color32,
) {
    let mut mesh = Mesh::default();
    for (x, y) in points {
        let (u, v) = (ranges.0.unit(x), ranges.1.unit(y));
        if !(0.0..=1.0).contains(&u) || !(0.0..=1.0).contains(&v) {
            continue;
        }
        let centre = Pos2::new(
            rect.left() + u * rect.width(),
            rect.bottom() - v * rect.height(),
        );
        mesh.add_colored_rect(
            Rect::from_center_size(centre, egui::vec2(radius, radius) * 2.0),
            color,
        );
    }
    painter.add(mesh);
}

/// A histogram of `values` over `range` as a step line in `rect`, scaled so that `peak` is
/// the top of the cell.
pub fn histogram_counts(values: impl Iterator<Item = f64>, range: Range, bins: usize) -> Vec<f64> {
    let mut counts = vec![0.0; bins];
    let mut total: f64 = 0.0;
    for v in values.filter(|v| v.is_finite()) {
        total += 1.0;
        let u = range.unit(v);
        if (0.0..1.0).contains(&u) {
            counts[(u * bins as f32) as usize] += 1.0;
        }
    }
    counts.iter_mut().for_each(|c| *c /= total.max(1.0));
    counts
}

pub fn step_line(painter: &egui::Painter, rect: Rect, shares: &[f64], peak: f64, color: Color32) {
    let bins = shares.len().max(1);
    let width = rect.width() / bins as f32;
    let y = |s: f64| rect.bottom() - (s / peak.max(1e-12)) as f32 * rect.height() * 0.95;
    let mut line = Vec::with_capacity(2 * bins + 2);
    line.push(Pos2::new(rect.left(), rect.bottom()));
    for (i, &s) in shares.iter().enumerate() {
        let x0 = rect.left() + i as f32 * width;
        line.push(Pos2::new(x0, y(s)));
        line.push(Pos2::new(x0 + width, y(s)));
    }
    line.push(Pos2::new(rect.right(), rect.bottom()));
    painter.add(egui::Shape::line(line, Stroke::new(1.2, color)));
}

pub fn frame(painter: &egui::Painter, rect: Rect, ui: &egui::Ui) {
    painter.rect_stroke(
        rect,
        0.0,
        Stroke::new(0.5, ui.visuals().weak_text_color()),
        egui::StrokeKind::Inside,
    );
}
