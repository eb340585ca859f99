//! Per-coordinate marginals of the sampler against the reference posterior, as small
//! multiples: in d > 2 a wrong scale or a lost mode shows coordinate by coordinate.

use eframe::egui;

use super::painted::{Range, coordinate, frame, histogram_counts, step_line};
use super::*;
use crate::app::StudioApp;

/// Cells beyond this many coordinates are left out (the first ones are shown).
const MAX_CELLS: usize = 64;
const BINS: usize = 30;
/// Histograms are redrawn every frame: from at most this many rows of each set (the
/// reference has 20,000), not from all of them.
const ROWS_PER_CELL: usize = 4000;

pub fn marginals(app: &mut StudioApp, ui: &mut egui::Ui) {
    let Some(snapshot) = app.snapshot.clone() else {
        ui.label("waiting for the first snapshot…");
        return;
    };
    let dim = snapshot.samples.dim();
    let shown = dim.min(MAX_CELLS);
    ui.horizontal(|ui| {
        ui.colored_label(SAMPLER, "— sampler");
        ui.colored_label(REFERENCE, "— reference");
        if shown < dim {
            ui.label(format!("(the first {shown} of {dim} coordinates)"));
        }
    });
    let reference = snapshot.reference_samples.clone();
    let columns = (shown as f32).sqrt().ceil().max(1.0) as usize;
    let rows = shown.div_ceil(columns);
    let width = ui.available_width();
    let cell = (width / columns as f32).min(ui.available_height() / rows as f32 * 1.6);
    let height = cell / 1.6;
    let (rect, _) = ui.allocate_exact_size(
        egui::vec2(width, height * rows as f32),
        egui::Sense::hover(),
    );
    let painter = ui.painter_at(rect);
    for c in 0..shown {
        let min = rect.min + egui::vec2((c % columns) as f32 * cell, (c / columns) as f32 * height);
        let r = egui::Rect::from_min_size(min, egui::vec2(cell, height)).shrink(2.0);
        let of = |p: &crate::math::Points| {
            p.rows()
                .take(ROWS_PER_CELL)
                .map(move |row| coordinate(row, c))
                .collect::<Vec<_>>()
        };
        let ours = of(&snapshot.samples);
        let theirs = reference.as_ref().map(|p| of(p));
        let range = Range::of(theirs.as_ref().unwrap_or(&ours).iter().copied());
        let ours = histogram_counts(ours.into_iter(), range, BINS);
        let theirs = theirs.map(|t| histogram_counts(t.into_iter(), range, BINS));
        let peak = ours
            .iter()
            .chain(theirs.iter().flatten())
            .copied()
            .fold(0.0, f64::max);
        frame(&painter, r, ui);
        if let Some(t) = &theirs {
            step_line(&painter, r, t, peak, REFERENCE);
        }
        step_line(&painter, r, &ours, peak, SAMPLER);
        painter.text(
            r.left_top() + egui::vec2(2.0, 1.0),
            egui::Align2::LEFT_TOP,
            format!("x{c}"),
            egui::FontId::proportional(10.0),
            ui.visuals().text_color(),
        );
    }
}
