//! The noise-space view of a generator prior, beside the data view: the sampler's z samples
//! over a heatmap of the noise-space posterior N(z)·r(f(z))^β (or log r(f(z)), or N(z)), with
//! the prior and reference samples in z; a latent of more than two coordinates is shown on PCA
//! or chosen axes, and an image experiment's samples can be coloured by their class. Brushing in either view (hover, or Shift + drag a
//! box) highlights the same rows in both, since row i in z maps to row i in x.

use eframe::egui;
use egui_plot::{Legend, Line, Plot, PlotImage, PlotPoint, Points};

use super::StudioApp;
use super::noise_projection::NoiseAxes;
use super::selection::{Space, brushed_points};
use super::state::NoiseHeatmap;
use super::views::{BRUSHED, DATA, HANDLE, PRIOR, REFERENCE, SAMPLER, plot_points};
use crate::export::colour::to_rgba;
use crate::math::field::{Area, Field};

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
    let noise_dim = app
        .snapshot
        .as_ref()
        .and_then(|s| s.noise.as_ref())
        .map_or(2, |n| n.samples.dim());
    let has_classes = app.snapshot.as_ref().is_some_and(|s| s.classes.is_some());
    ui.horizontal_wrapped(|ui| {
        ui.strong("Noise space z");
        if noise_dim > 2 {
            axes_controls(app, ui, noise_dim);
        } else {
            let combo = egui::ComboBox::from_id_salt("noise heatmap")
                .selected_text(format!("heatmap: {}", app.view.noise_heatmap.label()))
                .show_ui(ui, |ui| {
                    for kind in NoiseHeatmap::ALL {
                        ui.selectable_value(&mut app.view.noise_heatmap, kind, kind.label());
                    }
                });
            let _ = combo.response.accessible_name("noise view heatmap");
        }
        if has_classes {
            ui.checkbox(&mut app.view.colour_by_class, "colour by class")
                .on_hover_text("the classifier's class (argmax) of each sampler sample f(z)");
        }
    });
    let Some(snapshot) = app.snapshot.clone() else {
        return;
    };
    let Some(noise) = snapshot.noise.as_ref() else {
        return;
    };
    let encoded = app.info.as_ref().and_then(|i| i.encoded_data.clone());
    let shown =
        app.noise_projection
            .project(&snapshot, noise, app.view.noise_axes, encoded.as_ref());
    let texture = if shown.identity {
        heatmap_texture(app, ui.ctx())
    } else {
        None
    };
    let view = app.view.clone();
    let brushed = app.selection.rows().to_vec();
    let outline = app.selection.outline(Space::Noise);
    let shift = ui.input(|i| i.modifiers.shift);
    let by_class = snapshot
        .classes
        .as_ref()
        .filter(|_| view.colour_by_class)
        .map(|c| class_groups(&shown.samples, &c.samples));
    let class_names = app
        .info
        .as_ref()
        .map(|i| i.classes.clone())
        .unwrap_or_default();
    let [x_name, y_name] = shown.axis_names.clone();
    let response = Plot::new("noise_view")
        .data_aspect(1.0)
        .allow_drag(!shift)
        .legend(Legend::default())
        .x_axis_label(x_name)
        .y_axis_label(y_name)
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
                && let Some(e) = &shown.encoded_data
            {
                plot.points(
                    Points::new("data, encoded", plot_points(e, 5000))
                        .color(DATA)
                        .radius(1.2),
                );
            }
            if view.show_prior {
                plot.points(
                    Points::new("prior", plot_points(&shown.prior_samples, 5000))
                        .color(PRIOR)
                        .radius(1.5),
                );
            }
            if view.show_reference
                && let Some(r) = &shown.reference_samples
            {
                plot.points(
                    Points::new("reference", plot_points(r, 5000))
                        .color(REFERENCE)
                        .radius(1.5),
                );
            }
            match &by_class {
                Some(groups) => {
                    for (class, points) in groups {
                        let name = class_names
                            .get(*class)
                            .cloned()
                            .unwrap_or_else(|| format!("class {class}"));
                        plot.points(
                            Points::new(name, points.clone())
                                .color(class_colour(*class))
                                .radius(1.8),
                        );
                    }
                }
                None => plot.points(
                    Points::new("sampler", plot_points(&shown.samples, 5000))
                        .color(SAMPLER)
                        .radius(1.8),
                ),
            }
            if !brushed.is_empty() {
                // Orange is a class colour too: brushed rows are white then.
                let colour = if by_class.is_some() {
                    egui::Color32::WHITE
                } else {
                    BRUSHED
                };
                plot.points(
                    Points::new("brushed", brushed_points(&shown.samples, &brushed))
                        .color(colour)
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
        &shown.samples,
        width,
        true,
    );
}

/// The axes of a latent with more than two coordinates: PCA or two chosen coordinates.
fn axes_controls(app: &mut StudioApp, ui: &mut egui::Ui, dim: usize) {
    let pca = matches!(app.view.noise_axes, NoiseAxes::Pca);
    if ui
        .selectable_label(pca, "PCA")
        .on_hover_text(
            "the two leading principal components of the reference posterior's z (of the \
             sampler's until there is a reference)",
        )
        .clicked()
    {
        app.view.noise_axes = NoiseAxes::Pca;
    }
    if ui.selectable_label(!pca, "coordinates").clicked() && pca {
        app.view.noise_axes = NoiseAxes::Coordinates([0, 1]);
    }
    if let NoiseAxes::Coordinates(c) = &mut app.view.noise_axes {
        for (k, c) in c.iter_mut().enumerate() {
            *c = (*c).min(dim - 1);
            let label = ui.label(if k == 0 { "x: z" } else { "y: z" });
            ui.add(egui::DragValue::new(c).range(0..=dim - 1))
                .labelled_by(label.id);
        }
    }
    ui.label(format!("({dim}-D latent)"));
}

/// The rows of `points` grouped by class, for one coloured series per class.
fn class_groups(points: &crate::math::Points, classes: &[u8]) -> Vec<(usize, Vec<[f64; 2]>)> {
    let mut groups: Vec<(usize, Vec<[f64; 2]>)> = Vec::new();
    for (row, &class) in points.rows().zip(classes).take(5000) {
        let class = class as usize;
        let point = [row[0] as f64, row[1] as f64];
        match groups.iter_mut().find(|(c, _)| *c == class) {
            Some((_, g)) => g.push(point),
            None => groups.push((class, vec![point])),
        }
    }
    groups.sort_by_key(|(c, _)| *c);
    groups
}

/// Ten distinguishable colours (matplotlib's tab10, without its blue and red, which mean
/// sampler and reference elsewhere, moved to the end).
pub fn class_colour(class: usize) -> egui::Color32 {
    const PALETTE: [(u8, u8, u8); 10] = [
        (255, 127, 14),
        (44, 160, 44),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (188, 189, 34),
        (23, 190, 207),
        (127, 127, 127),
        (31, 119, 180),
        (214, 39, 40),
    ];
    let (r, g, b) = PALETTE[class % PALETTE.len()];
    egui::Color32::from_rgb(r, g, b)
}
