//! The views of the workbench, one file each: the data view (with the constraint's handles
//! and the heatmap), the trajectories, the mode-coverage bars. Colours shared by all views.

mod data;
mod handles;
mod images;
mod marginals;
mod modes;
mod observation;
mod painted;
mod pairs;
mod trajectories;
mod wells;

use eframe::egui;
use egui_plot::PlotPoints;

use crate::math::Points as PointSet;

pub use data::data_view;
pub use images::ImageTextures;
pub use images::{image_space, strips};
pub use modes::modes;
pub use trajectories::trajectories;

use crate::app::StudioApp;
use crate::app::state::DetailView;
use crate::constraint::targets::TargetShape;
use std::sync::Arc;

/// The last evaluation against the exact log Z and the target's own metrics, when it has them.
fn evaluation_line(m: &crate::metrics::Metrics) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(delta) = m.log_z.delta_log_z {
        // The error tells whether a gap is real or the luck of a few weights.
        parts.push(match m.log_z.log_z_iw_se {
            Some(se) => format!("Δlog Z (IW) {delta:.3} ± {se:.3}"),
            None => format!("Δlog Z (IW) {delta:.3}"),
        });
    }
    let mut add = |name: &str, value: Option<f64>, digits: usize| {
        if let Some(v) = value {
            parts.push(format!("{name} {v:.digits$}"));
        }
    };
    add("ELBO gap", m.log_z.elbo_gap, 3);
    add("EUBO", m.log_z.eubo, 3);
    add("neck KS", m.target.fit.neck_ks, 3);
    add("well TV", m.target.fit.well_tv, 3);
    add("mean error", m.target.fit.mean_error, 3);
    add("covariance error", m.target.fit.covariance_error, 3);
    if let Some(p) = m.target.fit.well_patterns {
        parts.push(format!(
            "{p} well patterns (exact {})",
            m.target
                .well_patterns_ref
                .map_or("—".into(), |r| r.to_string())
        ));
    }
    if let Some(r) = &m.resampled
        && let Some(ks) = r.target.neck_ks
    {
        parts.push(format!(
            "neck KS {ks:.3} after resampling {} (ESS {:.3})",
            r.proposals, r.ess
        ));
    }
    (!parts.is_empty()).then(|| format!("iteration {}: {}", m.run.iterations, parts.join(" · ")))
}

/// The detail panel: mode coverage, and for d > 2 the pair plot, the marginals and (Many Well)
/// the well balance, one at a time.
pub fn detail(app: &mut StudioApp, ui: &mut egui::Ui) {
    let dim = app.info.as_ref().map_or(2, |i| i.dim);
    let wells = match &app.target_shape {
        Some(TargetShape::Wells { pairs, right_share }) => Some((*pairs, *right_share)),
        _ => None,
    };
    let image_shape = app.info.as_ref().and_then(|i| i.image_shape);
    let offered: Vec<DetailView> = DetailView::ALL
        .into_iter()
        .filter(|v| match v {
            // Images have classes, not modes: their bars are in the images tab.
            DetailView::Modes => image_shape.is_none(),
            DetailView::Pairs | DetailView::Marginals => dim > 2,
            DetailView::Wells => wells.is_some(),
            DetailView::Images => image_shape.is_some(),
        })
        .collect();
    if !offered.contains(&app.view.detail) {
        app.view.detail = if image_shape.is_some() {
            DetailView::Images
        } else {
            DetailView::Modes
        };
    }
    if let Some(line) = app.history.evaluations.last().and_then(evaluation_line) {
        ui.label(line);
    }
    if offered.len() > 1 {
        ui.horizontal(|ui| {
            for v in &offered {
                ui.selectable_value(&mut app.view.detail, *v, v.label());
            }
        });
    }
    match (app.view.detail, wells) {
        (DetailView::Pairs, _) => pairs::pairs(app, ui),
        (DetailView::Marginals, _) => marginals::marginals(app, ui),
        (DetailView::Wells, Some((p, share))) => wells::wells(app, ui, p, share),
        (DetailView::Images, _) if image_shape.is_some() => images::images(app, ui),
        _ => modes(app, ui),
    }
}

pub(super) const SAMPLER: egui::Color32 = egui::Color32::from_rgb(31, 119, 180);
pub(super) const REFERENCE: egui::Color32 = egui::Color32::from_rgb(214, 39, 40);
pub(super) const PRIOR: egui::Color32 = egui::Color32::from_rgb(150, 150, 150);
/// Samples under the pointer in either space, shown in both.
pub(super) const BRUSHED: egui::Color32 = egui::Color32::from_rgb(255, 127, 14);
pub(super) const WARPED_GRID: egui::Color32 =
    egui::Color32::from_rgba_premultiplied(120, 120, 120, 120);
pub(super) const DATA: egui::Color32 = egui::Color32::from_rgb(90, 90, 90);
pub const HANDLE: egui::Color32 = egui::Color32::from_rgb(255, 200, 0);
pub(super) const HEATMAP_CELLS: usize = 96;
pub(super) const GPU_POINTS_ABOVE: usize = 5000;
pub(super) fn plot_points(points: &PointSet, max: usize) -> PlotPoints<'static> {
    points
        .rows()
        .take(max)
        .filter(|r| r.len() >= 2)
        .map(|r| [r[0] as f64, r[1] as f64])
        .collect::<Vec<_>>()
        .into()
}
