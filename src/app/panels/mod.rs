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

/// The σ a panel offers for Brownian motion: the 40-mode mixture ships 100.
const SIGMA_RANGE: std::ops::RangeInclusive<f64> = 0.05..=1000.0;

/// A slider over a config field: like [`drag_value`], a value from a file is kept.
fn slider(value: &mut f64, range: std::ops::RangeInclusive<f64>) -> egui::Slider<'_> {
    egui::Slider::new(value, range).clamping(egui::SliderClamping::Edits)
}

/// A drag value over a config field. A config file may set a value beyond the range the
/// panel offers (the 40-mode mixture ships σ = 100): drawing the panel shows it and keeps it,
/// where egui's default would clamp it in the first frame and change the experiment unseen.
/// Only the user's own edits are held to the range.
fn drag_value<Num: egui::emath::Numeric>(
    value: &mut Num,
    range: std::ops::RangeInclusive<Num>,
) -> egui::DragValue<'_> {
    egui::DragValue::new(value)
        .range(range)
        .clamp_existing_to_range(false)
}
