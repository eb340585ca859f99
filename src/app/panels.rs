//! The left-hand controls: prior, constraint and sampler settings. Edits change the app's copy
//! of the config; the worker gets them as commands (constraint edits at once, the others with
//! Apply, since they may reset the sampler).

use eframe::egui;

use super::background::Purpose;
use super::{StudioApp, Tool, lessons};
use crate::constraint::ConstraintKind;
use crate::experiment::config::{ObjectiveKind, PriorKind};
use crate::experiment::worker::{Command, PriorChoice};
use crate::prior::SamplerSpace;
use crate::prior::datasets::BuiltinDataset;

pub fn controls(app: &mut StudioApp, ui: &mut egui::Ui) {
    if let Some(index) = app.lesson {
        let lesson = &lessons::LESSONS[index];
        ui.label(egui::RichText::new(format!("Lesson: {}", lesson.title)).strong());
        ui.separator();
    }
    egui::CollapsingHeader::new("Prior")
        .default_open(true)
        .show(ui, |ui| prior(app, ui));
    egui::CollapsingHeader::new("Constraint")
        .default_open(true)
        .show(ui, |ui| constraint(app, ui));
    egui::CollapsingHeader::new("Sampler")
        .default_open(true)
        .show(ui, |ui| sampler(app, ui));
}

fn prior(app: &mut StudioApp, ui: &mut egui::Ui) {
    if let Some(info) = &app.info {
        ui.label(&info.reference);
    }
    ui.horizontal(|ui| {
        ui.label("dataset");
        let combo = egui::ComboBox::from_id_salt("dataset")
            .selected_text(app.config.prior.dataset.clone())
            .show_ui(ui, |ui| {
                for d in BuiltinDataset::ALL {
                    ui.selectable_value(
                        &mut app.config.prior.dataset,
                        d.name().to_string(),
                        d.name(),
                    );
                }
            });
        let _ = combo.response.accessible_name("dataset");
    });
    ui.horizontal(|ui| {
        let label = ui.label("iterations");
        ui.add(
            egui::DragValue::new(&mut app.config.prior.iterations)
                .range(100..=200_000)
                .speed(100),
        )
        .labelled_by(label.id);
        let label = ui.label("σ");
        ui.add(
            egui::DragValue::new(&mut app.config.prior.sigma)
                .range(0.1..=50.0)
                .speed(0.05),
        )
        .labelled_by(label.id);
    });
    ui.horizontal_wrapped(|ui| {
        if ui.button("Train prior").clicked() {
            app.history = Default::default();
            let dataset = app.config.prior.dataset.clone();
            app.send(Command::Configure(Box::new(app.config.clone())));
            app.send(Command::SetPrior(PriorChoice::Train { dataset }));
        }
        if ui.button("Open prior…").clicked() {
            app.background.dialog(Purpose::OpenPrior, false, &[], "");
        }
        if ui.button("Train on CSV…").clicked() {
            app.background
                .dialog(Purpose::OpenCsv, false, &[("CSV", &["csv"])], "");
        }
        if ui.button("Save prior…").clicked() {
            app.background.dialog(Purpose::SavePrior, true, &[], "");
        }
        if ui
            .button("Brownian")
            .on_hover_text("no prior: Brownian motion N(0, σ²I)")
            .clicked()
        {
            app.history = Default::default();
            app.send(Command::SetPrior(PriorChoice::Brownian {
                dim: 2,
                sigma: app.config.prior.sigma,
            }));
        }
        if ui.button("Shipped 25GMM").clicked()
            && let Some(path) = lessons::shipped_prior("gmm25")
        {
            app.history = Default::default();
            app.send(Command::SetPrior(PriorChoice::Folder(path)));
        }
    });
    if let Some(p) = &app.prior_progress {
        let done = p.iteration as f32 / p.iterations.max(1) as f32;
        ui.add(egui::ProgressBar::new(done).text(format!(
            "prior {}/{} · loss {:.3}",
            p.iteration, p.iterations, p.loss
        )));
        if done < 1.0 && ui.button("Cancel").clicked() {
            app.send(Command::CancelPrior);
        }
        let losses = app.prior_losses.clone();
        egui_plot::Plot::new("prior_loss")
            .height(90.0)
            .show_axes([false, true])
            .allow_scroll(false)
            .show(ui, |plot| {
                plot.line(egui_plot::Line::new("prior loss", losses));
            });
    }
    ui.horizontal(|ui| {
        ui.checkbox(&mut app.view.show_data, "data");
        ui.checkbox(&mut app.view.show_prior, "prior samples");
    });
}

fn constraint(app: &mut StudioApp, ui: &mut egui::Ui) {
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

fn sampler(app: &mut StudioApp, ui: &mut egui::Ui) {
    let applied = app.info.as_ref().map(|i| i.config.clone());
    let config = &mut app.config;
    let objectives = [
        (ObjectiveKind::Rtb, "RTB (TB for an energy)"),
        (ObjectiveKind::VarGrad, "VarGrad"),
        (ObjectiveKind::Guidance, "classifier guidance"),
        (ObjectiveKind::Dps, "DPS"),
        (ObjectiveKind::KlPolicyGradient, "KL-regularised RL"),
        (ObjectiveKind::Sir, "SIR"),
        (ObjectiveKind::Mala, "MALA (non-amortised)"),
        (ObjectiveKind::Hmc, "HMC (non-amortised)"),
    ];
    let combo = egui::ComboBox::from_id_salt("objective")
        .selected_text(
            objectives
                .iter()
                .find(|o| o.0 == config.train.objective)
                .map_or("?", |o| o.1),
        )
        .show_ui(ui, |ui| {
            for (kind, name) in objectives {
                ui.selectable_value(&mut config.train.objective, kind, name);
            }
        });
    let _ = combo.response.accessible_name("objective");
    egui::Grid::new("sampler_grid")
        .num_columns(2)
        .show(ui, |ui| {
            if config.prior.kind.is_generator() {
                ui.label("sampler lives in");
                ui.horizontal(|ui| {
                    ui.selectable_value(&mut config.sampler.space, SamplerSpace::Noise, "noise z")
                        .on_hover_text("z, against Brownian motion with σ = 1, reward r(f(z))");
                    ui.add_enabled_ui(config.prior.kind.has_density(), |ui| {
                        ui.selectable_value(&mut config.sampler.space, SamplerSpace::Data, "data x")
                            .on_hover_text("x, with the prior's density in the target (flows only)")
                    });
                });
                ui.end_row();
            }
            let label = ui.label("steps T");
            ui.add(egui::DragValue::new(&mut config.sampler.steps).range(2..=1000))
                .labelled_by(label.id);
            ui.end_row();
            if config.prior.kind == PriorKind::Brownian {
                let label = ui.label("σ");
                ui.add(
                    egui::DragValue::new(&mut config.prior.sigma)
                        .range(0.05..=50.0)
                        .speed(0.05),
                )
                .labelled_by(label.id);
                ui.end_row();
            }
            let label = ui.label("batch");
            ui.add(egui::DragValue::new(&mut config.train.batch).range(1..=10_000))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("iterations");
            ui.add(
                egui::DragValue::new(&mut config.train.iterations)
                    .range(1..=1_000_000)
                    .speed(50),
            )
            .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("learning rate");
            ui.add(
                egui::DragValue::new(&mut config.train.lr)
                    .range(1e-6..=1.0)
                    .speed(1e-5),
            )
            .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("log Z learning rate");
            ui.add(
                egui::DragValue::new(&mut config.train.lr_log_z)
                    .range(0.0..=10.0)
                    .speed(1e-3),
            )
            .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("final lr fraction");
            ui.add(
                egui::DragValue::new(&mut config.train.lr_final_fraction)
                    .range(0.01..=1.0)
                    .speed(0.01),
            )
            .labelled_by(label.id)
            .on_hover_text(
                "both learning rates fall by a cosine to this fraction over the iterations",
            );
            ui.end_row();
            let label = ui.label("hidden width");
            ui.add(egui::DragValue::new(&mut config.sampler.net.hidden).range(4..=1024))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("depth");
            ui.add(egui::DragValue::new(&mut config.sampler.net.depth).range(1..=8))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("exploration std");
            ui.add(
                egui::DragValue::new(&mut config.train.exploration.std)
                    .range(0.0..=5.0)
                    .speed(0.01),
            )
            .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("replay buffer");
            ui.checkbox(&mut config.train.buffer.enabled, "")
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("local search");
            ui.checkbox(&mut config.train.local_search.enabled, "")
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("β annealing");
            ui.checkbox(&mut config.train.beta_anneal.enabled, "")
                .labelled_by(label.id);
            ui.end_row();
            if config.train.beta_anneal.enabled {
                let label = ui.label("  from β =");
                ui.add(
                    egui::DragValue::new(&mut config.train.beta_anneal.start)
                        .range(0.0..=1.0)
                        .speed(0.01),
                )
                .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("  over iterations");
                ui.add(
                    egui::DragValue::new(&mut config.train.beta_anneal.iterations)
                        .range(1..=1_000_000),
                )
                .labelled_by(label.id);
                ui.end_row();
            }
            let label = ui.label("Langevin term");
            ui.checkbox(&mut config.sampler.langevin, "")
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("guidance scale");
            ui.add(
                egui::DragValue::new(&mut config.train.guidance_scale)
                    .range(0.0..=100.0)
                    .speed(0.05),
            )
            .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("KL weight");
            ui.add(
                egui::DragValue::new(&mut config.train.kl_weight)
                    .range(0.0..=100.0)
                    .speed(0.05),
            )
            .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("seed");
            ui.add(egui::DragValue::new(&mut config.seed))
                .labelled_by(label.id);
            ui.end_row();
        });
    let pending = applied.as_ref().is_some_and(|a| {
        let mut a = a.clone();
        a.constraint = config.constraint.clone();
        a != *config
    });
    ui.horizontal(|ui| {
        let apply = egui::Button::new(if pending { "Apply ●" } else { "Apply" });
        if ui.add_enabled(pending, apply).clicked() {
            app.send(Command::Configure(Box::new(app.config.clone())));
        }
        if pending
            && ui.button("Revert").clicked()
            && let Some(a) = applied
        {
            let constraint = app.config.constraint.clone();
            app.config = a;
            app.config.constraint = constraint;
        }
    });
}
