//! The left-hand controls: prior, constraint and sampler settings. Edits change the app's copy
//! of the config; the worker gets them as commands (constraint edits at once, the others with
//! Apply, since they may reset the sampler).

mod constraint;
mod prior;
mod sampler;

use eframe::egui;

use crate::app::{StudioApp, lessons};

pub fn controls(app: &mut StudioApp, ui: &mut egui::Ui) {
    if let Some(index) = app.lesson {
        let lesson = &lessons::LESSONS[index];
        ui.label(egui::RichText::new(format!("Lesson: {}", lesson.title)).strong());
        ui.separator();
    }
    egui::CollapsingHeader::new("Prior")
        .default_open(true)
        .show(ui, |ui| prior::prior(app, ui));
    egui::CollapsingHeader::new("Constraint")
        .default_open(true)
        .show(ui, |ui| constraint::constraint(app, ui));
    egui::CollapsingHeader::new("Sampler")
        .default_open(true)
        .show(ui, |ui| sampler::sampler(app, ui));
}
