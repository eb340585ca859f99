//! The noise-space view of a generator prior, beside the data view: the sampler's z samples
//! over a heatmap of the noise-space posterior N(z)·r(f(z))^β (or log r(f(z)), or N(z)), with
//! the prior and reference samples in z. Brushing in either view (hover, or Shift + drag a
//! box) highlights the same rows in both, since row i in z maps to row i in x.

use eframe::egui;
use egui_plot::{Legend, Line, Plot, PlotImage, PlotPoint, Points};
use serde::{Deserialize, Serialize};

use super::StudioApp;
use super::selection::{Space, brushed_points};
use super::views::{BRUSHED, DATA, HANDLE, PRIOR, REFERENCE, SAMPLER, plot_points};
use crate::export::colour::to_rgba;
use crate::math::field::{Area, Field};

/// What the noise view's heatmap shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoiseHeatmap {
    None,
    /// log N(z) + β log r(f(z)).
    Posterior,
    /// log r(f(z)).
    LogR,
    /// log N(z).
    Prior,
}

impl NoiseHeatmap {
    pub const ALL: [Self; 4] = [Self::Posterior, Self::LogR, Self::Prior, Self::None];

    pub fn label(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Posterior => "posterior N(z)·r(f(z))^β",
            Self::LogR => "log r(f(z))",
            Self::Prior => "prior N(z)",
        }
    }
}

/// The landscape's field, or log N(z) on the same cells.
fn field_of(grid: &Field, prior_only: bool) -> Field {
    if !prior_only {
        return grid.clone();
    }
    let values = grid
        .area
        .cell_centres(grid.n)
        .rows()
        .map(|z| -0.5 * z.iter().map(|&v| (v as f64).powi(2)).sum::<f64>())
        .collect();
    Field {
        values,
        ..grid.clone()
    }
}

fn heatmap_texture(
    app: &mut StudioApp,
    ctx: &egui::Context,
) -> Option<(egui::TextureHandle, Area)> {
    let kind = app.view.noise_heatmap;
    let snapshot = app.snapshot.clone()?;
    let landscape = snapshot.noise.as_ref()?.landscape.clone()?;
    let grid = match kind {
        NoiseHeatmap::None => return None,
        NoiseHeatmap::LogR => &landscape.log_r,
        NoiseHeatmap::Posterior | NoiseHeatmap::Prior => &landscape.posterior,
    };
    let key = format!("{kind:?}{:p}", std::sync::Arc::as_ptr(&landscape));
    let field = field_of(grid, kind == NoiseHeatmap::Prior);
    let area = field.area;
    if let Some((k, t)) = &app.textures.noise_heatmap
        && *k == key
    {
        return Some((t.clone(), area));
    }
    let range = if kind == NoiseHeatmap::LogR {
        12.0
    } else {
        8.0
    };
    let rgba = to_rgba(&field, range);
    let image = egui::ColorImage::from_rgba_unmultiplied([field.n, field.n], &rgba);
    let texture = ctx.load_texture("noise heatmap", image, egui::TextureOptions::LINEAR);
    app.textures.noise_heatmap = Some((key, texture.clone()));
    Some((texture, area))
}

pub fn noise_view(app: &mut StudioApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        ui.strong("Noise space z");
        let combo = egui::ComboBox::from_id_salt("noise heatmap")
            .selected_text(format!("heatmap: {}", app.view.noise_heatmap.label()))
            .show_ui(ui, |ui| {
                for kind in NoiseHeatmap::ALL {
                    ui.selectable_value(&mut app.view.noise_heatmap, kind, kind.label());
                }
            });
        let _ = combo.response.accessible_name("noise view heatmap");
    });
    let Some(snapshot) = app.snapshot.clone() else {
        return;
    };
    let Some(noise) = snapshot.noise.as_ref() else {
        return;
    };
    let texture = heatmap_texture(app, ui.ctx());
    let view = app.view.clone();
    let brushed = app.selection.rows().to_vec();
    let outline = app.selection.outline(Space::Noise);
    let shift = ui.input(|i| i.modifiers.shift);
    let encoded = app.info.as_ref().and_then(|i| i.encoded_data.clone());
    let response = Plot::new("noise_view")
        .data_aspect(1.0)
        .allow_drag(!shift)
        .legend(Legend::default())
        .include_x(-3.5)
        .include_x(3.5)
        .include_y(-3.5)
        .include_y(3.5)
        .show(ui, |plot| {
            if let Some((texture, area)) = &texture {
                let c = area.centre();
                let s = area.size();
                plot.image(PlotImage::new(
                    "noise heatmap",
                    texture.id(),
                    PlotPoint::new(c[0], c[1]),
                    egui::vec2(s[0] as f32, s[1] as f32),
                ));
            }
            if view.show_data
                && let Some(e) = &encoded
            {
                plot.points(
                    Points::new("data, encoded", plot_points(e, 5000))
                        .color(DATA)
                        .radius(1.2),
                );
            }
            if view.show_prior {
                plot.points(
                    Points::new("prior", plot_points(&noise.prior_samples, 5000))
                        .color(PRIOR)
                        .radius(1.5),
                );
            }
            if view.show_reference
                && let Some(r) = &noise.reference_samples
            {
                plot.points(
                    Points::new("reference", plot_points(r, 5000))
                        .color(REFERENCE)
                        .radius(1.5),
                );
            }
            plot.points(
                Points::new("sampler", plot_points(&noise.samples, 5000))
                    .color(SAMPLER)
                    .radius(1.8),
            );
            if !brushed.is_empty() {
                plot.points(
                    Points::new("brushed", brushed_points(&noise.samples, &brushed))
                        .color(BRUSHED)
                        .radius(3.0),
                );
            }
            if let Some(outline) = outline {
                plot.line(Line::new("selection", outline).color(HANDLE).width(1.5));
            }
            let bounds = plot.plot_bounds();
            (
                plot.pointer_coordinate().map(|p| [p.x, p.y]),
                bounds.width(),
            )
        });
    let (pointer, width) = response.inner;
    app.selection.update(
        Space::Noise,
        &response.response,
        pointer,
        &noise.samples,
        width,
        true,
    );
}
