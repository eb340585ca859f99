//! The data view (samples over a heatmap, with the constraint's handles and the sketch brush),
//! the trajectory views with their time scrubber, and the mode-coverage bars.

use eframe::egui;
use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotImage, PlotPoint, PlotPoints, Points};

use super::exports::{paths, states_at};
use super::heatmap::{self, HeatmapKind};
use super::selection::{Space, brushed_points};
use super::sketch::Sketch;
use super::{StudioApp, Tool};
use crate::constraint::{BuildContext, ConstraintKind};
use crate::experiment::config::PriorKind;
use crate::math::Points as PointSet;

pub(super) const SAMPLER: egui::Color32 = egui::Color32::from_rgb(31, 119, 180);
pub(super) const REFERENCE: egui::Color32 = egui::Color32::from_rgb(214, 39, 40);
pub(super) const PRIOR: egui::Color32 = egui::Color32::from_rgb(150, 150, 150);
/// Samples under the pointer in either space, shown in both.
pub(super) const BRUSHED: egui::Color32 = egui::Color32::from_rgb(255, 127, 14);
const WARPED_GRID: egui::Color32 = egui::Color32::from_rgba_premultiplied(120, 120, 120, 120);
pub(super) const DATA: egui::Color32 = egui::Color32::from_rgb(90, 90, 90);
pub const HANDLE: egui::Color32 = egui::Color32::from_rgb(255, 200, 0);
const HEATMAP_CELLS: usize = 96;
const GPU_POINTS_ABOVE: usize = 5000;

pub(super) fn plot_points(points: &PointSet, max: usize) -> PlotPoints<'static> {
    points
        .rows()
        .take(max)
        .filter(|r| r.len() >= 2)
        .map(|r| [r[0] as f64, r[1] as f64])
        .collect::<Vec<_>>()
        .into()
}

/// Builds (or reuses) the heatmap texture for the current settings.
fn heatmap_texture(app: &mut StudioApp, ctx: &egui::Context) -> Option<egui::TextureHandle> {
    let kind = app.view.heatmap;
    let dim = app.info.as_ref().map_or(2, |i| i.dim);
    if kind == HeatmapKind::None || dim != 2 {
        return None;
    }
    let key = match kind {
        HeatmapKind::LogR => format!("{:?}{:?}", app.config.constraint, app.area),
        _ => format!(
            "{kind:?}{:?}{}",
            app.area,
            app.snapshot.as_ref().map_or(0, |s| s.iteration)
        ),
    };
    if let Some((k, t)) = &app.heatmap
        && *k == key
    {
        return Some(t.clone());
    }
    let field = match kind {
        HeatmapKind::LogR => {
            let context = BuildContext {
                dim,
                reference_variance: (app.config.prior.kind == PriorKind::Brownian)
                    .then(|| app.config.prior.sigma.powi(2)),
                base_dir: None,
            };
            heatmap::log_r_field(&app.config.constraint, &context, app.area, HEATMAP_CELLS).ok()?
        }
        HeatmapKind::Prior => {
            heatmap::density_field(&app.snapshot.as_ref()?.prior_samples, app.area, 64)
        }
        HeatmapKind::Posterior => heatmap::density_field(
            app.snapshot.as_ref()?.reference_samples.as_ref()?,
            app.area,
            64,
        ),
        HeatmapKind::None => return None,
    };
    let range = if kind == HeatmapKind::LogR { 12.0 } else { 6.0 };
    let rgba = heatmap::to_rgba(&field, range);
    let image = egui::ColorImage::from_rgba_unmultiplied([field.n, field.n], &rgba);
    let texture = ctx.load_texture("heatmap", image, egui::TextureOptions::LINEAR);
    app.heatmap = Some((key, texture.clone()));
    Some(texture)
}

/// Positions of the constraint's draggable handles, in data coordinates.
fn handles(app: &StudioApp) -> Vec<[f64; 2]> {
    let c = &app.config.constraint;
    match c.kind {
        ConstraintKind::GaussianObs
            if c.gaussian_obs.a.is_none() && c.gaussian_obs.y.len() == 2 =>
        {
            vec![[c.gaussian_obs.y[0], c.gaussian_obs.y[1]]]
        }
        ConstraintKind::Box if c.box_.lower.len() == 2 && c.box_.upper.len() == 2 => {
            let (l, u) = (&c.box_.lower, &c.box_.upper);
            vec![[l[0], l[1]], [u[0], l[1]], [l[0], u[1]], [u[0], u[1]]]
        }
        ConstraintKind::Annulus if c.annulus.center.len() == 2 => {
            let ctr = &c.annulus.center;
            vec![[ctr[0], ctr[1]], [ctr[0] + c.annulus.radius, ctr[1]]]
        }
        _ => Vec::new(),
    }
}

/// Moves handle `index` (or the click point, for families without handles) to `p`.
fn move_handle(app: &mut StudioApp, index: Option<usize>, p: [f64; 2]) {
    let c = &mut app.config.constraint;
    match c.kind {
        ConstraintKind::GaussianObs => {
            let o = &mut c.gaussian_obs;
            if o.a.is_some() {
                if let Some(y) = o.y.first_mut() {
                    *y = p[0];
                }
            } else {
                o.y = vec![p[0], p[1]];
            }
        }
        ConstraintKind::Box => {
            let b = &mut c.box_;
            if let Some(i) = index {
                let (xs, ys) = (i % 2, i / 2);
                if xs == 0 {
                    b.lower[0] = p[0]
                } else {
                    b.upper[0] = p[0]
                }
                if ys == 0 {
                    b.lower[1] = p[1]
                } else {
                    b.upper[1] = p[1]
                }
            }
        }
        ConstraintKind::Annulus => {
            let a = &mut c.annulus;
            match index {
                Some(0) => a.center = vec![p[0], p[1]],
                _ => {
                    let d = ((p[0] - a.center[0]).powi(2) + (p[1] - a.center[1]).powi(2)).sqrt();
                    a.radius = d.max(0.05);
                }
            }
        }
        ConstraintKind::HalfPlane => {
            let h = &mut c.half_plane;
            if h.normal.len() >= 2 {
                h.offset = h.normal[0] * p[0] + h.normal[1] * p[1];
            }
        }
        _ => return,
    }
    app.constraint_changed();
}

fn nearest_handle(app: &StudioApp, p: [f64; 2]) -> Option<usize> {
    handles(app)
        .iter()
        .enumerate()
        .map(|(i, h)| (i, (h[0] - p[0]).powi(2) + (h[1] - p[1]).powi(2)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

fn outline(app: &StudioApp) -> Vec<Vec<[f64; 2]>> {
    let c = &app.config.constraint;
    match c.kind {
        ConstraintKind::Box if c.box_.lower.len() == 2 && c.box_.upper.len() == 2 => {
            let (l, u) = (&c.box_.lower, &c.box_.upper);
            vec![vec![
                [l[0], l[1]],
                [u[0], l[1]],
                [u[0], u[1]],
                [l[0], u[1]],
                [l[0], l[1]],
            ]]
        }
        ConstraintKind::Annulus if c.annulus.center.len() == 2 => {
            let ctr = &c.annulus.center;
            let r = c.annulus.radius;
            vec![
                (0..=96)
                    .map(|i| {
                        let a = i as f64 / 96.0 * std::f64::consts::TAU;
                        [ctr[0] + r * a.cos(), ctr[1] + r * a.sin()]
                    })
                    .collect(),
            ]
        }
        ConstraintKind::HalfPlane if c.half_plane.normal.len() >= 2 => {
            let n = &c.half_plane.normal;
            let norm = (n[0] * n[0] + n[1] * n[1]).sqrt();
            if norm == 0.0 {
                return Vec::new();
            }
            let base = [
                n[0] * c.half_plane.offset / norm / norm,
                n[1] * c.half_plane.offset / norm / norm,
            ];
            let dir = [-n[1] / norm, n[0] / norm];
            let l = 100.0;
            vec![vec![
                [base[0] - l * dir[0], base[1] - l * dir[1]],
                [base[0] + l * dir[0], base[1] + l * dir[1]],
            ]]
        }
        _ => Vec::new(),
    }
}

pub fn data_view(app: &mut StudioApp, ui: &mut egui::Ui) {
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
        if app.info.as_ref().is_some_and(|i| i.dim != 2) {
            ui.label("(first two coordinates)");
        }
    });
    let texture = heatmap_texture(app, ui.ctx());
    let area = app.area;
    let snapshot = app.snapshot.clone();
    let data = app.info.as_ref().and_then(|i| i.data.clone());
    let view = app.view.clone();
    let handle_points = handles(app);
    let outlines = outline(app);
    let sketch_area = app.sketch.as_ref().map(|s| s.area);
    let brushed = app.selection.rows().to_vec();
    let selection = app.selection.outline(Space::Data);
    let shift = ui.input(|i| i.modifiers.shift);
    let warped_grid = snapshot
        .as_ref()
        .and_then(|s| s.noise.as_ref()?.landscape.clone())
        .filter(|_| view.show_warped_grid);
    // egui_plot tessellates each point every frame: beyond a few thousand, draw with our shader.
    let gpu_reference = app.gpu_points
        && view.show_reference
        && app
            .reference_points
            .as_ref()
            .is_some_and(|r| r.1.len() / 2 > GPU_POINTS_ABOVE);
    let response = Plot::new("data_view")
        .data_aspect(1.0)
        .legend(Legend::default())
        .link_axis(egui::Id::unique("space"), [true, true])
        .allow_drag(app.tool == Tool::Navigate && !shift)
        .allow_boxed_zoom(app.tool == Tool::Navigate)
        .include_x(area.lower[0])
        .include_x(area.upper[0])
        .include_y(area.lower[1])
        .include_y(area.upper[1])
        .show(ui, |plot| {
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
            if let Some(a) = sketch_area
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
                    let pts: Vec<[f64; 2]> =
                        line.rows().map(|p| [p[0] as f64, p[1] as f64]).collect();
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
                        Points::new("brushed", brushed_points(&s.samples, &brushed))
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
                plot.line(Line::new("selection", outline).color(HANDLE).width(1.5));
            }
            for (i, o) in outlines.into_iter().enumerate() {
                plot.line(
                    Line::new(format!("constraint {i}"), o)
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
            let bounds = plot.plot_bounds();
            (
                plot.pointer_coordinate().map(|p| [p.x, p.y]),
                (bounds.min(), bounds.max()),
                *plot.transform().frame(),
            )
        });
    let (pointer, bounds, frame) = response.inner;
    brush_from_data_view(app, &response.response, pointer, bounds.1[0] - bounds.0[0]);
    if gpu_reference && let Some((_, points)) = &app.reference_points {
        let pixels_per_point = ui.ctx().pixels_per_point();
        let callback = super::gpu_points::PointsCallback {
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
    let r = &response.response;
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

pub fn trajectories(app: &mut StudioApp, ui: &mut egui::Ui) {
    let steps = app.config.sampler.steps.max(1);
    ui.horizontal(|ui| {
        ui.strong("Trajectories");
        let label = if app.time_playing { "▮▮" } else { "▶" };
        if ui
            .button(label)
            .on_hover_text("play the time axis")
            .clicked()
        {
            app.time_playing = !app.time_playing;
        }
        let mut k = app.time_index.min(steps);
        ui.add(
            egui::Slider::new(&mut k, 0..=steps)
                .custom_formatter(move |v, _| format!("t = {:.2}", v / steps as f64))
                .text("← →"),
        );
        app.time_index = k;
        ui.add(
            egui::Slider::new(&mut app.view.time_speed, 0.05..=2.0)
                .logarithmic(true)
                .text("speed"),
        );
        ui.add(
            egui::DragValue::new(&mut app.view.trajectories_shown)
                .range(0..=1000)
                .suffix(" paths"),
        );
        if app.snapshot.as_ref().is_some_and(|s| s.noise.is_some()) {
            ui.selectable_value(&mut app.view.trajectories_in_noise, false, "f(z_t) in x");
            ui.selectable_value(&mut app.view.trajectories_in_noise, true, "z_t");
        }
    });
    let Some(snapshot) = app.snapshot.clone() else {
        ui.label("waiting for the first snapshot…");
        return;
    };
    let k = app.time_index;
    let shown = app.view.trajectories_shown;
    // In noise space the paths live in z; their images f(z_t) share the data view's axes.
    let in_noise = snapshot
        .noise
        .as_ref()
        .filter(|_| app.view.trajectories_in_noise);
    let (prior_paths, sampler_paths, axes) = match in_noise {
        Some(n) => (&n.prior_trajectories, &n.trajectories, "noise_space"),
        None => (
            &snapshot.prior_trajectories,
            &snapshot.trajectories,
            "space",
        ),
    };
    ui.columns(2, |columns| {
        for (col, (name, traj, color)) in columns.iter_mut().zip([
            ("prior", prior_paths, PRIOR),
            ("sampler", sampler_paths, SAMPLER),
        ]) {
            col.label(name);
            let marginal = states_at(&traj.states, traj.count, k.min(traj.steps));
            let lines = paths(&traj.states, traj.steps, traj.count, shown);
            let height = col.available_height().max(160.0);
            Plot::new(format!("traj_{name}_{axes}"))
                .data_aspect(1.0)
                .height(height)
                .link_axis(egui::Id::unique(axes), [true, true])
                .show(col, |plot| {
                    let faint = color.gamma_multiply(0.3);
                    for (i, l) in lines.into_iter().enumerate() {
                        let pts: Vec<[f64; 2]> = l.into_iter().map(|(x, y)| [x, y]).collect();
                        plot.line(
                            Line::new(format!("{name} path {i}"), pts)
                                .color(faint)
                                .width(0.8),
                        );
                    }
                    plot.points(
                        Points::new(format!("{name} at t"), plot_points(&marginal, 5000))
                            .color(egui::Color32::BLACK)
                            .radius(1.5),
                    );
                });
        }
    });
}

pub fn modes(app: &mut StudioApp, ui: &mut egui::Ui) {
    ui.strong("Mode coverage");
    let Some(last) = app.history.evaluations.last() else {
        ui.label("no evaluation yet (E evaluates now; training evaluates every 250 iterations)");
        return;
    };
    if last.mode_reference_share.is_empty() {
        ui.label("this experiment has no modes");
        return;
    }
    ui.label(format!(
        "iteration {}: {}/{} modes covered, mode TV {:.3}",
        last.iterations,
        last.modes_covered.unwrap_or(0),
        last.modes_total.unwrap_or(0),
        last.mode_tv.unwrap_or(f64::NAN)
    ));
    let sampler: Vec<Bar> = last
        .mode_sampler_share
        .iter()
        .enumerate()
        .map(|(i, &v)| Bar::new(i as f64 - 0.2, v).width(0.38))
        .collect();
    let reference: Vec<Bar> = last
        .mode_reference_share
        .iter()
        .enumerate()
        .map(|(i, &v)| Bar::new(i as f64 + 0.2, v).width(0.38))
        .collect();
    Plot::new("mode_bars")
        .legend(Legend::default())
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("sampler", sampler).color(SAMPLER));
            plot.bar_chart(BarChart::new("reference", reference).color(REFERENCE));
        });
}
