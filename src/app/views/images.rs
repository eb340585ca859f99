//! Images: in the data view's place, grids of prior, reference-posterior and sampler samples
//! from the newest snapshot (live), with the inpainting observation editor when there is one;
//! in the trajectory panel's place, strips of x_t (or f(z_t)) over t; in the detail panel, the
//! class histogram of the last evaluation, sampler against reference.
//!
//! Brushing is linked with the noise view: samples brushed there fill the sampler grid, and
//! hovering a sampler tile brushes that sample in the noise view.

use eframe::egui;
use egui_plot::{Bar, BarChart, Legend, Plot};

use super::*;
use crate::app::StudioApp;
use crate::app::selection::Space;
use crate::export::image_grid::{
    GridLayout, ImagePanel, STRIP_FRAMES, render_grid, trajectory_strips,
};
use crate::math::Points;

/// Tiles per side of each grid in the view.
const SIDE: usize = 6;
/// Trajectories per strip panel.
const STRIP_ROWS: usize = 6;

/// Textures of the grids, remade when the snapshot changes.
pub struct ImageTextures {
    key: usize,
    grids: Vec<(String, egui::TextureHandle)>,
    /// Prior and sampler trajectories, side by side.
    strips: Option<egui::TextureHandle>,
    /// The sampler grid of the brushed rows, with the rows it shows.
    brushed: Option<(Vec<usize>, egui::TextureHandle)>,
}

fn texture(ctx: &egui::Context, name: &str, image: &image::GrayImage) -> egui::TextureHandle {
    let size = [image.width() as usize, image.height() as usize];
    ctx.load_texture(
        name,
        egui::ColorImage::from_gray(size, image.as_raw()),
        egui::TextureOptions::NEAREST,
    )
}

fn layout((width, height): (usize, usize)) -> GridLayout {
    GridLayout {
        width,
        height,
        columns: SIDE,
        rows: SIDE,
        zoom: (28 / width.max(height).max(1)).max(1),
    }
}

/// The snapshot when its samples are images of this shape.
fn image_snapshot(
    app: &StudioApp,
    ui: &mut egui::Ui,
    (width, height): (usize, usize),
) -> Option<Arc<crate::experiment::worker::Snapshot>> {
    let Some(snapshot) = app.snapshot.clone() else {
        ui.label("waiting for the first snapshot…");
        return None;
    };
    if snapshot.samples.dim() != width * height {
        ui.label("waiting for the first snapshot of this experiment…");
        return None;
    }
    Some(snapshot)
}

/// Makes the grid and strip textures of a new snapshot.
fn refresh(
    app: &mut StudioApp,
    ctx: &egui::Context,
    snapshot: &Arc<crate::experiment::worker::Snapshot>,
    shape: (usize, usize),
) {
    let key = Arc::as_ptr(snapshot) as usize;
    if app.image_textures.as_ref().is_some_and(|t| t.key == key) {
        return;
    }
    let layout = layout(shape);
    let mut grids = Vec::new();
    let reference = snapshot
        .reference_samples
        .as_ref()
        .map(|r| r.points.clone());
    let sets = [
        ("prior", Some(&snapshot.prior_samples)),
        ("reference", reference.as_deref()),
        ("sampler", Some(&snapshot.samples)),
    ];
    for (name, points) in sets {
        if let Some(points) = points
            && let Ok(image) = render_grid(&[ImagePanel { points }], layout)
        {
            grids.push((name.to_string(), texture(ctx, name, &image)));
        }
    }
    let strips =
        strip_points(&snapshot.prior_trajectories).zip(strip_points(&snapshot.trajectories));
    let strips = strips.and_then(|(prior, sampler)| {
        render_grid(
            &[
                ImagePanel { points: &prior },
                ImagePanel { points: &sampler },
            ],
            GridLayout {
                columns: STRIP_FRAMES,
                rows: STRIP_ROWS,
                ..layout
            },
        )
        .ok()
        .map(|image| texture(ctx, "strips", &image))
    });
    app.image_textures = Some(ImageTextures {
        key,
        grids,
        strips,
        brushed: None,
    });
}

fn strip_points(t: &crate::experiment::evaluation::TrajectorySnapshot) -> Option<Points> {
    (t.count > 0 && t.steps > 0).then(|| trajectory_strips(&t.states, t.count, t.steps, STRIP_ROWS))
}

/// The data view of an image experiment: the observation editor (inpainting) and the grids.
pub fn image_space(app: &mut StudioApp, ui: &mut egui::Ui, shape: (usize, usize)) {
    let inpainting = app.info.as_ref().and_then(|i| i.inpainting.clone());
    let Some(snapshot) = image_snapshot(app, ui, shape) else {
        if let Some(observation) = &inpainting {
            super::observation::editor(app, ui, observation);
        }
        return;
    };
    refresh(app, ui.ctx(), &snapshot, shape);
    let brushed: Vec<usize> = match app.selection.owner() {
        Some(Space::Images) => Vec::new(),
        _ => app.selection.rows().to_vec(),
    };
    ui.label(format!(
        "iteration {}: the first {} samples of each; hover a sampler tile to find it in the noise \
         view, brush there to see those samples here",
        snapshot.iteration,
        SIDE * SIDE
    ));
    let full_width = ui.available_width();
    egui::ScrollArea::vertical().show(ui, |ui| {
        if let Some(observation) = &inpainting {
            super::observation::editor(app, ui, observation);
            ui.separator();
        }
        let Some(textures) = app.image_textures.as_mut() else {
            return;
        };
        if brushed.is_empty() {
            textures.brushed = None;
        } else if textures
            .brushed
            .as_ref()
            .is_none_or(|(rows, _)| *rows != brushed)
        {
            let rows: Vec<usize> = brushed
                .iter()
                .copied()
                .filter(|&i| i < snapshot.samples.len())
                .take(SIDE * SIDE)
                .collect();
            let points = snapshot.samples.select(&rows);
            textures.brushed = render_grid(&[ImagePanel { points: &points }], layout(shape))
                .ok()
                .map(|image| (brushed.clone(), texture(ui.ctx(), "brushed", &image)));
        }
        let columns = textures.grids.len().max(1) as f32;
        let side = ((full_width - 12.0 * columns) / columns).clamp(60.0, 420.0);
        let mut hovered_tile = None;
        ui.horizontal(|ui| {
            for (name, handle) in &textures.grids {
                ui.vertical(|ui| {
                    let (title, handle) = match (&textures.brushed, name.as_str()) {
                        (Some((rows, brushed)), "sampler") => {
                            (format!("sampler: {} brushed", rows.len()), brushed)
                        }
                        _ => (name.clone(), handle),
                    };
                    ui.strong(title);
                    let response = ui.add(
                        egui::Image::new((handle.id(), handle.size_vec2()))
                            .fit_to_exact_size(egui::vec2(side, side))
                            .sense(egui::Sense::hover()),
                    );
                    response.widget_info(|| {
                        egui::WidgetInfo::labeled(egui::Role::Image, true, format!("{name} grid"))
                    });
                    if name == "sampler" && textures.brushed.is_none() {
                        hovered_tile = hovered(&response).map(|tile| (tile, response.rect));
                    }
                });
            }
        });
        if snapshot.reference_samples.is_none() {
            ui.label("reference: computed at the first evaluation (E)");
        }
        match hovered_tile {
            Some((tile, rect)) if tile < snapshot.samples.len() => {
                let cell = rect.width() / SIDE as f32;
                let corner =
                    rect.min + egui::vec2((tile % SIDE) as f32 * cell, (tile / SIDE) as f32 * cell);
                ui.painter().rect_stroke(
                    egui::Rect::from_min_size(corner, egui::vec2(cell, cell)),
                    0.0,
                    egui::Stroke::new(2.0, HANDLE),
                    egui::StrokeKind::Inside,
                );
                app.selection.hover_rows(Space::Images, Some(vec![tile]));
            }
            _ => app.selection.hover_rows(Space::Images, None),
        }
    });
}

/// The tile of a grid under the pointer.
fn hovered(response: &egui::Response) -> Option<usize> {
    let p = response.hover_pos()?;
    let rect = response.rect;
    let fx = ((p.x - rect.min.x) / rect.width()).clamp(0.0, 0.999);
    let fy = ((p.y - rect.min.y) / rect.height()).clamp(0.0, 0.999);
    Some((fy * SIDE as f32) as usize * SIDE + (fx * SIDE as f32) as usize)
}

/// The trajectory panel of an image experiment: prior and sampler trajectories as strips.
pub fn strips(app: &mut StudioApp, ui: &mut egui::Ui, shape: (usize, usize)) {
    ui.horizontal(|ui| {
        ui.strong("Trajectories");
        ui.label(format!(
            "x_t from t = 0 (left) to 1 (right), {STRIP_FRAMES} frames; {STRIP_ROWS} prior \
             (left) and {STRIP_ROWS} sampler trajectories (right){}",
            if app.snapshot.as_ref().is_some_and(|s| s.noise.is_some()) {
                "; in noise space, f(z_t)"
            } else {
                ""
            }
        ));
    });
    let Some(snapshot) = image_snapshot(app, ui, shape) else {
        return;
    };
    refresh(app, ui.ctx(), &snapshot, shape);
    if let Some(strip) = app.image_textures.as_ref().and_then(|t| t.strips.as_ref()) {
        let size = strip.size_vec2();
        let scale = (ui.available_width() / size.x)
            .min(ui.available_height() / size.y)
            .max(0.2);
        ui.add(egui::Image::new((strip.id(), size)).fit_to_exact_size(size * scale));
    }
}

/// The detail panel of an image experiment: the last evaluation's class histogram.
pub fn images(app: &mut StudioApp, ui: &mut egui::Ui) {
    if let Some(line) = class_line(app) {
        ui.label(line);
    }
    class_bars(app, ui);
}

/// The last evaluation's class TV and Fréchet distance.
fn class_line(app: &StudioApp) -> Option<String> {
    let last = app.history.evaluations.last()?;
    let tv = last.images.class_tv?;
    let mut line = format!("iteration {}: class TV {tv:.3}", last.run.iterations);
    if let (Some(f), Some(floor)) = (last.images.frechet, last.images.frechet_floor) {
        line.push_str(&format!(", Fréchet {f:.3} (floor {floor:.3})"));
    }
    Some(line)
}

/// The classifier's histogram of the last evaluation's samples against the reference's.
fn class_bars(app: &StudioApp, ui: &mut egui::Ui) {
    let Some(last) = app.history.evaluations.last() else {
        ui.label("no evaluation yet: class coverage appears after the first");
        return;
    };
    if last.images.class_tv.is_none() {
        return;
    }
    let names = app
        .info
        .as_ref()
        .map(|i| i.classes.clone())
        .unwrap_or_default();
    let axis_names = names.clone();
    let bars = |shares: &[f64], offset: f64| -> Vec<Bar> {
        shares
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let name = names.get(i).cloned().unwrap_or_else(|| i.to_string());
                Bar::new(i as f64 + offset, v).width(0.38).name(name)
            })
            .collect()
    };
    Plot::new("class_bars")
        .legend(Legend::default())
        .allow_scroll(false)
        .height(ui.available_height().clamp(140.0, 320.0))
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                axis_names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .show(ui, |plot| {
            plot.bar_chart(
                BarChart::new("sampler", bars(&last.images.class_shares, -0.2)).color(SAMPLER),
            );
            plot.bar_chart(
                BarChart::new("reference", bars(&last.images.class_shares_ref, 0.2))
                    .color(REFERENCE),
            );
        });
}
