//! The constraint panel: the family, its parameters, β, and the data view's tools.

use eframe::egui;

use crate::app::background::Purpose;
use crate::app::{StudioApp, Tool};
use crate::constraint::ConstraintKind;

pub(super) fn constraint(app: &mut StudioApp, ui: &mut egui::Ui) {
    let mut changed = false;
    let c = &mut app.config.constraint;
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
    let beta = ui.add(egui::Slider::new(&mut c.beta, 0.0..=4.0).text("β"));
    changed |= beta.changed();
    match c.kind {
        ConstraintKind::GaussianObs => {
            let o = &mut c.gaussian_obs;
            if o.y.len() < 2 && o.a.is_none() {
                o.y.resize(2, 0.0);
            }
            ui.horizontal(|ui| {
                let label = ui.label("y");
                for v in o.y.iter_mut() {
                    changed |= ui
                        .add(egui::DragValue::new(v).speed(0.1))
                        .labelled_by(label.id)
                        .changed();
                }
            });
            changed |= ui
                .add(
                    egui::Slider::new(&mut o.noise_std, 0.05..=10.0)
                        .logarithmic(true)
                        .text("noise s"),
                )
                .changed();
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
        }
        ConstraintKind::Box => {
            let b = &mut c.box_;
            b.lower.resize(2, -1.0);
            b.upper.resize(2, 1.0);
            for (name, v) in [("lower", &mut b.lower), ("upper", &mut b.upper)] {
                ui.horizontal(|ui| {
                    let label = ui.label(name);
                    for x in v.iter_mut() {
                        changed |= ui
                            .add(egui::DragValue::new(x).speed(0.1))
                            .labelled_by(label.id)
                            .changed();
                    }
                });
            }
            changed |= ui
                .add(
                    egui::Slider::new(&mut b.softness, 0.01..=5.0)
                        .logarithmic(true)
                        .text("softness"),
                )
                .changed();
            ui.small("Edit tool: drag a corner.");
        }
        ConstraintKind::Annulus => {
            let a = &mut c.annulus;
            a.center.resize(2, 0.0);
            ui.horizontal(|ui| {
                let label = ui.label("centre");
                for x in a.center.iter_mut() {
                    changed |= ui
                        .add(egui::DragValue::new(x).speed(0.1))
                        .labelled_by(label.id)
                        .changed();
                }
            });
            changed |= ui
                .add(egui::Slider::new(&mut a.radius, 0.1..=20.0).text("radius"))
                .changed();
            changed |= ui
                .add(
                    egui::Slider::new(&mut a.width, 0.05..=10.0)
                        .logarithmic(true)
                        .text("width"),
                )
                .changed();
            ui.small("Edit tool: drag the centre, or the rim to set the radius.");
        }
        ConstraintKind::HalfPlane => {
            let h = &mut c.half_plane;
            h.normal.resize(2, 0.0);
            ui.horizontal(|ui| {
                let label = ui.label("normal");
                for x in h.normal.iter_mut() {
                    changed |= ui
                        .add(egui::DragValue::new(x).speed(0.02))
                        .labelled_by(label.id)
                        .changed();
                }
            });
            changed |= ui
                .add(
                    egui::DragValue::new(&mut h.offset)
                        .speed(0.1)
                        .prefix("offset "),
                )
                .changed();
            changed |= ui
                .add(
                    egui::Slider::new(&mut h.softness, 0.01..=5.0)
                        .logarithmic(true)
                        .text("softness"),
                )
                .changed();
            ui.small("Edit tool: click to move the boundary through a point.");
        }
        ConstraintKind::MixtureRatio => {
            let m = &mut c.mixture_ratio;
            ui.horizontal(|ui| {
                let label = ui.label("numerator");
                changed |= ui
                    .text_edit_singleline(&mut m.numerator)
                    .labelled_by(label.id)
                    .lost_focus();
            });
            ui.horizontal(|ui| {
                let label = ui.label("denominator");
                changed |= ui
                    .text_edit_singleline(&mut m.denominator)
                    .labelled_by(label.id)
                    .lost_focus();
            });
        }
        ConstraintKind::Energy => {
            ui.horizontal(|ui| {
                let label = ui.label("target");
                changed |= ui
                    .text_edit_singleline(&mut c.energy.target)
                    .labelled_by(label.id)
                    .lost_focus();
            });
        }
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
        }
    }
    if changed {
        app.constraint_changed();
    }
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
