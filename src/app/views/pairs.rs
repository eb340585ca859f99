//! The pair-plot matrix for d > 2: up to 8 chosen coordinates, the sampler below the diagonal,
//! the reference posterior above it, and both marginals on the diagonal.

use eframe::egui;

use super::painted::{Range, coordinate, dots, frame, histogram_counts, step_line};
use super::*;
use crate::app::StudioApp;

/// More coordinates than this make cells too small to read.
pub const MAX_PAIR_COORDINATES: usize = 8;
const POINTS_PER_CELL: usize = 600;
const BINS: usize = 24;

/// Toggles for which coordinates a small-multiples view shows, at most `max`.
pub fn coordinate_picker(ui: &mut egui::Ui, dim: usize, chosen: &mut Vec<usize>, max: usize) {
    chosen.retain(|&c| c < dim);
    ui.horizontal_wrapped(|ui| {
        ui.label("coordinates:");
        for c in 0..dim {
            let on = chosen.contains(&c);
            let full = chosen.len() >= max && !on;
            let response = ui.add_enabled(!full, egui::Button::selectable(on, format!("x{c}")));
            if response.clicked() {
                if on {
                    chosen.retain(|&x| x != c);
                } else {
                    chosen.push(c);
                    chosen.sort_unstable();
                }
            }
        }
    });
}

pub fn pairs(app: &mut StudioApp, ui: &mut egui::Ui) {
    let Some(snapshot) = app.snapshot.clone() else {
        ui.label("waiting for the first snapshot…");
        return;
    };
    let dim = snapshot.samples.dim();
    if app.view.pair_coordinates.is_empty() {
        app.view.pair_coordinates = (0..dim.min(4)).collect();
    }
    coordinate_picker(
        ui,
        dim,
        &mut app.view.pair_coordinates,
        MAX_PAIR_COORDINATES,
    );
    ui.horizontal(|ui| {
        ui.colored_label(SAMPLER, "■ sampler (below the diagonal)");
        ui.colored_label(REFERENCE, "■ reference (above)");
    });
    let coords = app.view.pair_coordinates.clone();
    let k = coords.len();
    if k == 0 {
        return;
    }
    let reference = snapshot.reference_samples.clone();
    let ranges: Vec<Range> = coords
        .iter()
        .map(|&c| match &reference {
            Some(r) => Range::of(
                r.rows()
                    .take(POINTS_PER_CELL * 4)
                    .map(|row| coordinate(row, c)),
            ),
            None => Range::of(
                snapshot
                    .samples
                    .rows()
                    .take(POINTS_PER_CELL * 4)
                    .map(|row| coordinate(row, c)),
            ),
        })
        .collect();
    let side = ui.available_width().min(ui.available_height()).max(120.0);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let cell = side / k as f32;
    let column = |points: &crate::math::Points, c: usize| -> Vec<f64> {
        points
            .rows()
            .take(POINTS_PER_CELL * 4)
            .map(|r| coordinate(r, c))
            .collect()
    };
    for (i, &ci) in coords.iter().enumerate() {
        for (j, &cj) in coords.iter().enumerate() {
            let min = rect.min + egui::vec2(j as f32 * cell, i as f32 * cell);
            let r = egui::Rect::from_min_size(min, egui::vec2(cell, cell)).shrink(1.5);
            frame(&painter, r, ui);
            if i == j {
                let ours =
                    histogram_counts(column(&snapshot.samples, ci).into_iter(), ranges[i], BINS);
                let theirs = reference
                    .as_ref()
                    .map(|p| histogram_counts(column(p, ci).into_iter(), ranges[i], BINS));
                let peak = ours
                    .iter()
                    .chain(theirs.iter().flatten())
                    .copied()
                    .fold(0.0, f64::max);
                if let Some(t) = &theirs {
                    step_line(&painter, r, t, peak, REFERENCE);
                }
                step_line(&painter, r, &ours, peak, SAMPLER);
                painter.text(
                    r.left_top() + egui::vec2(3.0, 2.0),
                    egui::Align2::LEFT_TOP,
                    format!("x{ci}"),
                    egui::FontId::proportional(11.0),
                    ui.visuals().text_color(),
                );
                continue;
            }
            // Row i is the vertical axis (coordinate ci), column j the horizontal (cj).
            let (points, color) = match (i > j, &reference) {
                (true, _) => (&snapshot.samples, SAMPLER),
                (false, Some(r)) => (&**r, REFERENCE),
                (false, None) => continue,
            };
            dots(
                &painter,
                r,
                points
                    .rows()
                    .take(POINTS_PER_CELL)
                    .map(|row| (coordinate(row, cj), coordinate(row, ci))),
                (ranges[j], ranges[i]),
                1.0,
                color.gamma_multiply(0.7),
            );
        }
    }
}
