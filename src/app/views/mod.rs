//! The views of the workbench, one file each: the data view (with the constraint's handles
//! and the heatmap), the trajectories, the mode-coverage bars. Colours shared by all views.

mod data;
mod handles;
mod modes;
mod trajectories;

use eframe::egui;
use egui_plot::PlotPoints;

use crate::math::Points as PointSet;

pub use data::data_view;
pub use modes::modes;
pub use trajectories::trajectories;

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
