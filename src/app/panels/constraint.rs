//! The constraint panel: the family, its parameters, β, and the data view's tools. One
//! function per family's widgets; each returns whether anything changed.

use eframe::egui;

use crate::app::background::Purpose;
use crate::app::{StudioApp, Tool};
use crate::constraint::classifier::ClassifierConfig;
use crate::constraint::gaussian_obs::GaussianObsConfig;
use crate::constraint::inpaint::{InpaintConfig, MaskShape};
use crate::constraint::shapes::{AnnulusConfig, BoxConfig, HalfPlaneConfig};
use crate::constraint::sketch::Sketch;
use crate::constraint::targets::EnergyConfig;
use crate::constraint::targets::TARGET_NAMES;
use crate::constraint::{ConstraintConfig, ConstraintKind};
use crate::experiment::presets::apply_sketch_settings;

pub(super) fn constraint(app: &mut StudioApp, ui: &mut egui::Ui) {
    // What the worker composed for these energy settings, if it has: the panel builds no
    // target of its own.
    let running_energy = app
        .info
        .as_ref()
        .filter(|i| {
            i.config.constraint.kind == ConstraintKind::Energy
                && i.config.constraint.energy == app.config.constraint.energy
        })
        .map(|i| i.constraint.clone());
    let c = &mut app.config.constraint;
    let mut changed = false;
    let combo = egui::ComboBox::from_id_salt("constraint_kind")
        .selected_text(c.kind.name())
        .show_ui(ui, |ui| {
            for kind in ConstraintKind::ALL {
                changed |= ui
                    .selectable_value(&mut c.kind, kind, kind.name())
                    .changed();
            }
        });
    let _ = combo.response.accessible_name("constraint family");
    changed |= ui
        .add(super::slider(&mut c.beta, 0.0..=4.0).text("β"))
        .changed();
    changed |= family(c, ui, running_energy.as_deref());
    if changed {
        // The worker composes the new constraint: an energy target of another size gets a
        // Brownian reference of its size there, as in the CLI.
        app.constraint_changed();
    }
    tools(app, ui);
}

/// The energy target: one of the benchmarks, with the mixture's own settings.
fn energy(e: &mut EnergyConfig, ui: &mut egui::Ui, running: Option<&str>) -> bool {
    let mut changed = false;
    let combo = egui::ComboBox::from_id_salt("energy_target")
        .selected_text(e.target.as_str())
        .show_ui(ui, |ui| {
            for name in TARGET_NAMES {
                if ui.selectable_label(e.target == name, name).clicked() && e.target != name {
                    e.target = name.into();
                    e.dim = None;
                    changed = true;
                }
            }
        });
    let _ = combo.response.accessible_name("energy target");
    if let Some(running) = running {
        ui.label(running);
    }
    let warp = ui
        .add(super::drag_value(&mut e.warp, 0.0..=10.0).prefix("warp s "))
        .on_hover_text(
            "sample u = s·asinh(x/s) instead of x (0: no warp): for targets whose scale spans \
             orders of magnitude, such as the funnel's mouth; metrics and views stay in x",
        );
    changed |= warp.changed();
    if e.target == "gmm" {
        ui.horizontal(|ui| {
            changed |= ui
                .add(super::drag_value(&mut e.components, 1..=200).prefix("components "))
                .changed();
            changed |= ui
                .add(super::drag_value(&mut e.spread, 0.0..=100.0).prefix("spread ±"))
                .changed();
        });
    }
    changed
}

/// The widgets of the chosen family.
fn family(c: &mut ConstraintConfig, ui: &mut egui::Ui, running_energy: Option<&str>) -> bool {
    match c.kind {
        ConstraintKind::GaussianObs => gaussian_obs(&mut c.gaussian_obs, ui),
        ConstraintKind::Box => box_region(&mut c.box_, ui),
        ConstraintKind::Annulus => annulus(&mut c.annulus, ui),
        ConstraintKind::HalfPlane => half_plane(&mut c.half_plane, ui),
        ConstraintKind::MixtureRatio => {
            let m = &mut c.mixture_ratio;
            text_row(ui, "numerator", &mut m.numerator)
                | text_row(ui, "denominator", &mut m.denominator)
        }
        ConstraintKind::Energy => energy(&mut c.energy, ui, running_energy),
        ConstraintKind::Classifier => classifier(&mut c.classifier, ui),
        ConstraintKind::Inpaint => inpaint(&mut c.inpaint, ui),
        ConstraintKind::Grid => {
            ui.label(match (&c.grid.path, &c.grid.values) {
                (Some(p), _) => format!("grid from {p}"),
                (None, Some(v)) => format!(
                    "sketched grid, {}×{}",
                    v.len(),
                    v.first().map_or(0, |r| r.len())
                ),
                (None, None) => "empty grid: paint one with the Sketch tool".into(),
            });
            false
        }
    }
}

fn classifier(c: &mut ClassifierConfig, ui: &mut egui::Ui) -> bool {
    let mut changed = text_row(ui, "classifier folder", &mut c.path);
    let mut classes = c.classes.join(", ");
    if text_row(ui, "classes", &mut classes) {
        c.classes = classes
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        changed = true;
    }
    ui.weak("names, indices or groups: footwear, tops, even, odd");
    changed
}

fn inpaint(c: &mut InpaintConfig, ui: &mut egui::Ui) -> bool {
    let mut changed = text_row(ui, "images", &mut c.data);
    changed |= ui
        .add(super::drag_value(&mut c.image_index, 0..=9999).prefix("test image #"))
        .changed();
    let combo = egui::ComboBox::from_id_salt("inpaint_mask")
        .selected_text(c.mask.name())
        .show_ui(ui, |ui| {
            for shape in MaskShape::ALL {
                changed |= ui
                    .selectable_value(&mut c.mask, shape, shape.name())
                    .changed();
            }
        });
    let _ = combo.response.accessible_name("inpaint mask shape");
    changed |= log_slider(ui, &mut c.noise_std, 0.01..=1.0, "noise s");
    ui.weak("paint the mask, or draw pixels to observe, on the observation beside the grids");
    changed
}

/// A labelled row of numbers (a vector).
fn vector_row(ui: &mut egui::Ui, name: &str, values: &mut [f64], speed: f64) -> bool {
    ui.horizontal(|ui| {
        let label = ui.label(name);
        let mut changed = false;
        for v in values.iter_mut() {
            changed |= ui
                .add(egui::DragValue::new(v).speed(speed))
                .labelled_by(label.id)
                .changed();
        }
        changed
    })
    .inner
}

/// A labelled text field, applied when it loses focus.
fn text_row(ui: &mut egui::Ui, name: &str, text: &mut String) -> bool {
    ui.horizontal(|ui| {
        let label = ui.label(name);
        ui.text_edit_singleline(text)
            .labelled_by(label.id)
            .lost_focus()
    })
    .inner
}

fn log_slider(
    ui: &mut egui::Ui,
    value: &mut f64,
    range: std::ops::RangeInclusive<f64>,
    name: &str,
) -> bool {
    ui.add(super::slider(value, range).logarithmic(true).text(name))
        .changed()
}

fn gaussian_obs(o: &mut GaussianObsConfig, ui: &mut egui::Ui) -> bool {
    if o.y.len() < 2 && o.a.is_none() {
        o.y.resize(2, 0.0);
    }
    let mut changed = vector_row(ui, "y", &mut o.y, 0.1);
    changed |= log_slider(ui, &mut o.noise_std, 0.05..=10.0, "noise s");
    let mut one = o.a.is_some();
    if ui.checkbox(&mut one, "observe x₀ only").changed() {
        changed = true;
        if one {
            o.a = Some(vec![vec![1.0, 0.0]]);
            o.y.truncate(1);
        } else {
            o.a = None;
            o.y.resize(2, 0.0);
        }
    }
    ui.small("Edit tool: click the data view to place y.");
    changed
}

fn box_region(b: &mut BoxConfig, ui: &mut egui::Ui) -> bool {
    b.lower.resize(2, -1.0);
    b.upper.resize(2, 1.0);
    let mut changed = vector_row(ui, "lower", &mut b.lower, 0.1);
    changed |= vector_row(ui, "upper", &mut b.upper, 0.1);
    changed |= log_slider(ui, &mut b.softness, 0.01..=5.0, "softness");
    ui.small("Edit tool: drag a corner.");
    changed
}

fn annulus(a: &mut AnnulusConfig, ui: &mut egui::Ui) -> bool {
    a.center.resize(2, 0.0);
    let mut changed = vector_row(ui, "centre", &mut a.center, 0.1);
    changed |= ui
        .add(super::slider(&mut a.radius, 0.1..=20.0).text("radius"))
        .changed();
    changed |= log_slider(ui, &mut a.width, 0.05..=10.0, "width");
    ui.small("Edit tool: drag the centre, or the rim to set the radius.");
    changed
}

fn half_plane(h: &mut HalfPlaneConfig, ui: &mut egui::Ui) -> bool {
    h.normal.resize(2, 0.0);
    let mut changed = vector_row(ui, "normal", &mut h.normal, 0.02);
    changed |= ui
        .add(
            egui::DragValue::new(&mut h.offset)
                .speed(0.1)
                .prefix("offset "),
        )
        .changed();
    changed |= log_slider(ui, &mut h.softness, 0.01..=5.0, "softness");
    ui.small("Edit tool: click to move the boundary through a point.");
    changed
}

/// The data view's pointer tool, and the sketch brush when sketching.
fn tools(app: &mut StudioApp, ui: &mut egui::Ui) {
    ui.separator();
    ui.horizontal(|ui| {
        ui.label("tool");
        ui.selectable_value(&mut app.tool, Tool::Navigate, "Navigate");
        ui.selectable_value(&mut app.tool, Tool::Edit, "Edit");
        ui.selectable_value(&mut app.tool, Tool::Sketch, "Sketch");
    });
    if app.tool == Tool::Sketch {
        let brush = &mut app.view.brush;
        ui.horizontal(|ui| {
            ui.selectable_value(&mut brush.erase, false, "add");
            ui.selectable_value(&mut brush.erase, true, "erase");
        });
        ui.add(egui::Slider::new(&mut brush.radius, 0.2..=6.0).text("radius"));
        ui.add(egui::Slider::new(&mut brush.strength, 0.02..=1.0).text("strength"));
        ui.horizontal_wrapped(|ui| {
            let has = app.sketch.is_some();
            if ui.add_enabled(has, egui::Button::new("Smooth")).clicked()
                && let Some(s) = app.sketch.as_mut()
            {
                s.smooth();
                app.apply_sketch();
            }
            if ui.add_enabled(has, egui::Button::new("Clear")).clicked()
                && let Some(s) = app.sketch.as_mut()
            {
                s.clear();
                app.apply_sketch();
            }
            let can_undo = app.sketch.as_ref().is_some_and(|s| s.can_undo());
            if ui
                .add_enabled(can_undo, egui::Button::new("Undo"))
                .clicked()
                && let Some(s) = app.sketch.as_mut()
            {
                s.undo();
                app.apply_sketch();
            }
            if ui.button("Load PNG…").clicked() {
                app.background
                    .dialog(Purpose::OpenSketch, false, &[("PNG", &["png"])], "");
            }
            if ui
                .add_enabled(has, egui::Button::new("Save PNG…"))
                .clicked()
            {
                app.background.dialog(
                    Purpose::SaveSketch,
                    true,
                    &[("PNG", &["png"])],
                    "sketch.png",
                );
            }
        });
    }
}

impl StudioApp {
    /// Loads a sketch PNG onto the data view's area; a file that is not an image changes nothing.
    pub fn load_sketch(&mut self, path: &std::path::Path) {
        match Sketch::load_png(path, self.area, 64) {
            Ok(sketch) => {
                self.sketch = Some(sketch);
                self.apply_sketch();
                self.say(format!("loaded sketch {}", path.display()));
            }
            Err(e) => self.fail(e.to_string()),
        }
    }

    pub(crate) fn apply_sketch(&mut self) {
        if let Some(grid) = self.sketch.as_ref().map(Sketch::to_grid_config) {
            if self.config.constraint.kind != ConstraintKind::Grid {
                apply_sketch_settings(&mut self.config);
                self.say(
                    "sketch: training with the sketch settings (exploration, replay buffer, β \
                     annealed from 0.1); change them in the Training panel",
                );
            }
            self.config.constraint.kind = ConstraintKind::Grid;
            self.config.constraint.grid = grid;
            self.constraint_changed();
        }
    }
}
