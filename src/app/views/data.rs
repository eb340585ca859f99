//! The data view: samples over a heatmap of log r, the prior or the reference posterior, the
//! constraint's handles and outline, the sketch brush, and brushing linked to the noise view.

use eframe::egui;
use egui_plot::{Legend, Line, Plot, PlotImage, PlotPoint, Points};

use super::handles::{handles, move_handle, nearest_handle, outline};
use super::*;
use crate::app::heatmap::HeatmapKind;
use crate::app::selection::{Space, brushed_points};
use crate::app::{StudioApp, Tool};
use crate::constraint::sketch::Sketch;
use crate::experiment::worker::{Command, LogRRequest};
use crate::export::colour::to_rgba;
use crate::math::field::density_field;

/// Builds (or reuses) the heatmap texture for the current settings. In d > 2 log r is the
/// slice through the reference posterior's mean (the sampler's before there is one) on the
/// view's two coordinates, and the densities are the marginals on them.
fn heatmap_texture(app: &mut StudioApp, ctx: &egui::Context) -> Option<egui::TextureHandle> {
    let kind = app.view.heatmap;
    let dim = app.info.as_ref().map_or(2, |i| i.dim);
    if kind == HeatmapKind::None {
        return None;
    }
    let axes = app.view.axes;
    let full = app.snapshot.clone();
    let shown = app.shown_snapshot();
    let slice_key = match (&full, dim > 2) {
        (Some(f), true) => f
            .reference_samples
            .as_ref()
            .map_or(f.iteration as u64, |r| r.generation),
        _ => 0,
    };
    let key = match kind {
        HeatmapKind::LogR => format!(
            "{:?}{:?}{axes:?}{slice_key}",
            app.config.constraint, app.area
        ),
        _ => format!(
            "{kind:?}{:?}{axes:?}{}",
            app.area,
            app.snapshot.as_ref().map_or(0, |s| s.iteration)
        ),
    };
    if let Some((k, t)) = &app.textures.heatmap
        && *k == key
    {
        return Some(t.clone());
    }
    let field = match kind {
        HeatmapKind::LogR => {
            // The worker builds the constraint and evaluates it; its answer comes back as an
            // event with this key. Until then the previous heatmap stays up.
            if let Some((k, field)) = app.textures.log_r_field.take()
                && k == key
            {
                field
            } else {
                if app.textures.log_r_requested.as_deref() != Some(key.as_str()) {
                    let through: Vec<f32> = match (&full, dim > 2) {
                        (Some(f), true) => match &f.reference_samples {
                            Some(r) => r.mean(),
                            None => f.samples.mean(),
                        }
                        .into_iter()
                        .map(|v| v as f32)
                        .collect(),
                        _ => Vec::new(),
                    };
                    app.send(Command::LogRField(Box::new(LogRRequest {
                        key: key.clone(),
                        constraint: app.config.constraint.clone(),
                        area: app.area,
                        n: HEATMAP_CELLS,
                        axes,
                        through,
                    })));
                    app.textures.log_r_requested = Some(key);
                }
                return app.textures.heatmap.as_ref().map(|(_, t)| t.clone());
            }
        }
        HeatmapKind::Prior => density_field(&shown.as_ref()?.prior_samples, app.area, 64),
        HeatmapKind::Posterior => {
            density_field(shown.as_ref()?.reference_samples.as_ref()?, app.area, 64)
        }
        HeatmapKind::None => return None,
    };
    let range = if kind == HeatmapKind::LogR { 12.0 } else { 6.0 };
    let rgba = to_rgba(&field, range);
    let image = egui::ColorImage::from_rgba_unmultiplied([field.n, field.n], &rgba);
    let texture = ctx.load_texture("heatmap", image, egui::TextureOptions::LINEAR);
    app.textures.heatmap = Some((key, texture.clone()));
    Some(texture)
}

pub fn data_view(app: &mut StudioApp, ui: &mut egui::Ui) {
    // Pixel coordinates mean little: images are shown as images.
    if let Some(shape) = app.info.as_ref().and_then(|i| i.image_shape) {
        super::image_space(app, ui, shape);
        return;
    }
    toolbar(app, ui);
    let layers = Layers::of(app, ui.ctx());
    let area = app.area;
    let response = Plot::new("data_view")
        .data_aspect(1.0)
        .legend(Legend::default())
        .link_axis(egui::Id::unique("space"), [true, true])
        .allow_drag(app.tool == Tool::Navigate && !layers.shift)
        .allow_boxed_zoom(app.tool == Tool::Navigate)
        .include_x(area.lower[0])
        .include_x(area.upper[0])
        .include_y(area.lower[1])
        .include_y(area.upper[1])
        .show(ui, |plot| {
            layers.draw(plot, area);
            let bounds = plot.plot_bounds();
            (
                plot.pointer_coordinate().map(|p| [p.x, p.y]),
                (bounds.min(), bounds.max()),
                *plot.transform().frame(),
            )
        });
    let (pointer, bounds, frame) = response.inner;
    brush_from_data_view(app, &response.response, pointer, bounds.1[0] - bounds.0[0]);
    if layers.gpu_reference {
        paint_gpu_reference(app, ui, bounds, frame);
    }
    pointer_tools(app, &response.response, pointer);
}

/// The view's heatmap choice and toggles.
fn toolbar(app: &mut StudioApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        ui.strong("Data space");
        let combo = egui::ComboBox::from_id_salt("heatmap")
            .selected_text(format!("heatmap: {}", app.view.heatmap.label()))
            .show_ui(ui, |ui| {
                for kind in HeatmapKind::ALL {
                    ui.selectable_value(&mut app.view.heatmap, kind, kind.label());
                }
            });
        let _ = combo.response.accessible_name("data view heatmap");
        ui.checkbox(&mut app.view.show_reference, "reference samples");
        ui.checkbox(&mut app.view.show_modes, "modes");
        if app.snapshot.as_ref().is_some_and(|s| s.noise.is_some()) {
            ui.checkbox(&mut app.view.show_warped_grid, "z grid through f")
                .on_hover_text("lines of a regular grid in noise space, mapped by the generator");
        }
        let dim = app.info.as_ref().map_or(2, |i| i.dim);
        if dim > 2 {
            axis_picker(ui, "horizontal", dim, &mut app.view.axes[0]);
            axis_picker(ui, "vertical", dim, &mut app.view.axes[1]);
            let heatmap = match app.view.heatmap {
                HeatmapKind::LogR => "log r on the slice through the reference mean",
                HeatmapKind::None => "",
                _ => "densities are marginals on these axes",
            };
            ui.label(heatmap).on_hover_text(
                "in d > 2 the view shows two coordinates; log r is the target's 2-D conditional \
                 slice with the other coordinates at the reference posterior's mean",
            );
        }
    });
}

fn axis_picker(ui: &mut egui::Ui, which: &str, dim: usize, axis: &mut usize) {
    let combo = egui::ComboBox::from_id_salt(format!("axis {which}"))
        .width(48.0)
        .selected_text(format!("x{axis}"))
        .show_ui(ui, |ui| {
            for c in 0..dim {
                ui.selectable_value(axis, c, format!("x{c}"));
            }
        });
    let _ = combo
        .response
        .on_hover_text(format!("the {which} axis of the data and trajectory views"));
}

/// Everything the plot draws, copied out of the app so that the plot's closure holds no
/// borrow of it.
struct Layers {
    texture: Option<egui::TextureHandle>,
    snapshot: Option<std::sync::Arc<crate::experiment::worker::Snapshot>>,
    data: Option<PointSet>,
    view: crate::app::ViewSettings,
    handle_points: Vec<[f64; 2]>,
    outlines: Vec<Vec<[f64; 2]>>,
    sketch_area: Option<crate::math::field::Area>,
    brushed: Vec<usize>,
    selection: Option<Vec<[f64; 2]>>,
    shift: bool,
    warped_grid: Option<std::sync::Arc<crate::experiment::noise_view::NoiseLandscape>>,
    /// egui_plot tessellates each point every frame: beyond a few thousand reference points,
    /// our shader draws them.
    gpu_reference: bool,
}

impl Layers {
    fn of(app: &mut StudioApp, ctx: &egui::Context) -> Self {
        let texture = heatmap_texture(app, ctx);
        app.refresh_reference_layer();
        let snapshot = app.shown_snapshot();
        let view = app.view.clone();
        let warped_grid = snapshot
            .as_ref()
            .and_then(|s| s.noise.as_ref()?.landscape.clone())
            .filter(|_| view.show_warped_grid);
        let gpu_reference = app.gpu_points
            && view.show_reference
            && app
                .textures
                .reference_points
                .as_ref()
                .is_some_and(|r| r.1.len() / 2 > GPU_POINTS_ABOVE);
        Self {
            texture,
            snapshot,
            data: app.info.as_ref().and_then(|i| i.data.clone()),
            handle_points: handles(app),
            outlines: outline(app),
            sketch_area: app.sketch.as_ref().map(|s| s.area),
            brushed: app.selection.rows().to_vec(),
            selection: app.selection.outline(Space::Data),
            shift: ctx.input(|i| i.modifiers.shift),
            view,
            warped_grid,
            gpu_reference,
        }
    }

    fn draw(&self, plot: &mut egui_plot::PlotUi<'_>, area: crate::math::field::Area) {
        let Self {
            texture,
            snapshot,
            data,
            view,
            handle_points,
            outlines,
            sketch_area,
            brushed,
            selection,
            warped_grid,
            gpu_reference,
            ..
        } = self;
        let gpu_reference = *gpu_reference;
        if let Some(texture) = &texture {
            let c = area.centre();
            let s = area.size();
            plot.image(PlotImage::new(
                "heatmap",
                texture.id(),
                PlotPoint::new(c[0], c[1]),
                egui::vec2(s[0] as f32, s[1] as f32),
            ));
        }
        if let Some(a) = *sketch_area
            && a != area
        {
            plot.line(Line::new(
                "sketch area",
                vec![
                    [a.lower[0], a.lower[1]],
                    [a.upper[0], a.lower[1]],
                    [a.upper[0], a.upper[1]],
                    [a.lower[0], a.upper[1]],
                    [a.lower[0], a.lower[1]],
                ],
            ));
        }
        if let Some(landscape) = &warped_grid {
            for (i, line) in landscape.warped_grid.iter().enumerate() {
                let pts: Vec<[f64; 2]> = line.rows().map(|p| [p[0] as f64, p[1] as f64]).collect();
                plot.line(
                    Line::new(format!("z grid {i}"), pts)
                        .color(WARPED_GRID)
                        .width(0.7),
                );
            }
        }
        if view.show_data
            && let Some(d) = &data
        {
            plot.points(
                Points::new("data", plot_points(d, 5000))
                    .color(DATA)
                    .radius(1.2),
            );
        }
        if let Some(s) = &snapshot {
            if view.show_prior {
                plot.points(
                    Points::new("prior", plot_points(&s.prior_samples, 5000))
                        .color(PRIOR)
                        .radius(1.5),
                );
            }
            if view.show_reference
                && !gpu_reference
                && let Some(r) = &s.reference_samples
            {
                plot.points(
                    Points::new("reference", plot_points(r, 5000))
                        .color(REFERENCE)
                        .radius(1.5),
                );
            }
            plot.points(
                Points::new("sampler", plot_points(&s.samples, 5000))
                    .color(SAMPLER)
                    .radius(1.8),
            );
            if !brushed.is_empty() {
                plot.points(
                    Points::new("brushed", brushed_points(&s.samples, brushed))
                        .color(BRUSHED)
                        .radius(3.0),
                );
            }
            if view.show_modes
                && let Some(m) = &s.modes
            {
                plot.points(
                    Points::new("modes", plot_points(m, 1000))
                        .shape(egui_plot::MarkerShape::Cross)
                        .color(egui::Color32::BLACK)
                        .radius(4.0),
                );
            }
        }
        if let Some(outline) = selection {
            plot.line(
                Line::new("selection", outline.clone())
                    .color(HANDLE)
                    .width(1.5),
            );
        }
        for (i, o) in outlines.iter().enumerate() {
            plot.line(
                Line::new(format!("constraint {i}"), o.clone())
                    .color(HANDLE)
                    .width(1.5),
            );
        }
        if !handle_points.is_empty() {
            plot.points(
                Points::new("handles", handle_points.clone())
                    .color(HANDLE)
                    .radius(6.0)
                    .filled(true),
            );
        }
    }
}

/// The reference samples through our WGSL point shader, under the plot's frame.
fn paint_gpu_reference(
    app: &StudioApp,
    ui: &mut egui::Ui,
    bounds: ([f64; 2], [f64; 2]),
    frame: egui::Rect,
) {
    if let Some((_, points)) = &app.textures.reference_points {
        let pixels_per_point = ui.ctx().pixels_per_point();
        let callback = crate::app::gpu_points::PointsCallback {
            layer: "reference",
            points: points.clone(),
            bounds,
            radius_px: 1.2 * pixels_per_point,
            viewport_px: [
                frame.width() * pixels_per_point,
                frame.height() * pixels_per_point,
            ],
            color: egui::Rgba::from(REFERENCE).multiply(0.35),
        };
        ui.painter()
            .with_clip_rect(frame)
            .add(eframe::egui_wgpu::Callback::new_paint_callback(
                frame, callback,
            ));
    }
}

/// What the Edit and Sketch tools do with the pointer.
fn pointer_tools(app: &mut StudioApp, r: &egui::Response, pointer: Option<[f64; 2]>) {
    let area = app.area;
    match (app.tool, pointer) {
        (Tool::Edit, Some(p)) => {
            if r.drag_started() || r.clicked() {
                app.handle = nearest_handle(app, p);
            }
            if r.dragged() || r.clicked() {
                move_handle(app, app.handle, p);
            }
        }
        (Tool::Sketch, Some(p)) => {
            if r.drag_started() || r.clicked() {
                let sketch = app.sketch.get_or_insert_with(|| Sketch::new(area, 64));
                sketch.begin_stroke();
            }
            if (r.dragged() || r.clicked())
                && let Some(sketch) = app.sketch.as_mut()
            {
                sketch.dab(p, &app.view.brush);
                app.apply_sketch();
            }
        }
        _ => {}
    }
}

/// Brushing in the data view of a noise-space sampler shows in the noise view where in z the
/// chosen samples came from.
fn brush_from_data_view(
    app: &mut StudioApp,
    response: &egui::Response,
    pointer: Option<[f64; 2]>,
    width: f64,
) {
    let Some(snapshot) = app.snapshot.clone() else {
        return;
    };
    if snapshot.noise.is_none() {
        return;
    }
    let enabled = app.tool == Tool::Navigate;
    app.selection.update(
        Space::Data,
        response,
        pointer,
        &snapshot.samples,
        width,
        enabled,
    );
}
