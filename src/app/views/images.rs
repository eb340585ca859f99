//! Images: grids of prior, reference-posterior and sampler samples from the newest snapshot
//! (live), a strip of one trajectory's x_t (or f(z_t)) over t, and the class histogram of the
//! last evaluation, sampler against reference.

use eframe::egui;
use egui_plot::{Bar, BarChart, Legend, Plot};

use super::*;
use crate::app::StudioApp;
use crate::export::image_grid::{
    GridLayout, ImagePanel, STRIP_FRAMES, render_grid, trajectory_strips,
};

/// Tiles per side of each grid in the view.
const SIDE: usize = 6;

/// Textures of the grids, remade when the snapshot changes.
pub struct ImageTextures {
    key: usize,
    grids: Vec<(String, egui::TextureHandle)>,
    strip: Option<egui::TextureHandle>,
}

fn texture(ctx: &egui::Context, name: &str, image: &image::GrayImage) -> egui::TextureHandle {
    let size = [image.width() as usize, image.height() as usize];
    ctx.load_texture(
        name,
        egui::ColorImage::from_gray(size, image.as_raw()),
        egui::TextureOptions::NEAREST,
    )
}

pub fn images(app: &mut StudioApp, ui: &mut egui::Ui, (width, height): (usize, usize)) {
    let Some(snapshot) = app.snapshot.clone() else {
        ui.label("waiting for the first snapshot…");
        return;
    };
    if snapshot.samples.dim() != width * height {
        ui.label("waiting for the first snapshot of this experiment…");
        return;
    }
    let key = Arc::as_ptr(&snapshot) as usize;
    if app.image_textures.as_ref().is_none_or(|t| t.key != key) {
        let layout = GridLayout {
            width,
            height,
            columns: SIDE,
            rows: SIDE,
            zoom: 2,
        };
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
                grids.push((name.to_string(), texture(ui.ctx(), name, &image)));
            }
        }
        let t = &snapshot.trajectories;
        let strip = (t.count > 0 && t.steps > 0).then(|| {
            let points = trajectory_strips(&t.states, t.count, t.steps, 1);
            render_grid(
                &[ImagePanel { points: &points }],
                GridLayout {
                    columns: STRIP_FRAMES,
                    rows: 1,
                    ..layout
                },
            )
            .ok()
            .map(|image| texture(ui.ctx(), "strip", &image))
        });
        app.image_textures = Some(ImageTextures {
            key,
            grids,
            strip: strip.flatten(),
        });
    }
    let Some(textures) = &app.image_textures else {
        return;
    };
    if let Some(line) = class_line(app) {
        ui.label(line);
    }
    if let Some(strip) = &textures.strip {
        ui.label("one sampler trajectory, t = 0 → 1 (in noise space: f(z_t))");
        ui.image((strip.id(), strip.size_vec2()));
    }
    ui.label(format!(
        "iteration {}: first {} samples of each",
        snapshot.iteration,
        SIDE * SIDE
    ));
    egui::ScrollArea::vertical().show(ui, |ui| {
        // Three grids side by side, shrunk to the panel's width.
        let side = ((ui.available_width() - 24.0) / 3.0)
            .min(textures_side(textures))
            .max(60.0);
        ui.horizontal(|ui| {
            for (name, handle) in &textures.grids {
                ui.vertical(|ui| {
                    ui.strong(name);
                    ui.add(
                        egui::Image::new((handle.id(), handle.size_vec2()))
                            .fit_to_exact_size(egui::vec2(side, side)),
                    );
                });
            }
            if snapshot.reference_samples.is_none() {
                ui.label("reference: computed at the first evaluation (E)");
            }
        });
        class_bars(app, ui);
    });
}

/// The natural side of the grid textures, in points.
fn textures_side(textures: &ImageTextures) -> f32 {
    textures
        .grids
        .first()
        .map_or(180.0, |(_, handle)| handle.size_vec2().x)
}

/// The last evaluation's class TV and Fréchet distance.
fn class_line(app: &StudioApp) -> Option<String> {
    let last = app.history.evaluations.last()?;
    let tv = last.class_tv?;
    let mut line = format!("iteration {}: class TV {tv:.3}", last.iterations);
    if let (Some(f), Some(floor)) = (last.frechet, last.frechet_floor) {
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
    if last.class_tv.is_none() {
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
        .height(160.0)
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                axis_names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("sampler", bars(&last.class_shares, -0.2)).color(SAMPLER));
            plot.bar_chart(
                BarChart::new("reference", bars(&last.class_shares_ref, 0.2)).color(REFERENCE),
            );
        });
}
