//! The prior panel: a built-in dataset to train on, a saved prior, a CSV of your own.

use eframe::egui;

use crate::app::background::Purpose;
use crate::app::{StudioApp, lessons};
use crate::experiment::worker::{Command, PriorChoice};
use crate::prior::datasets::BuiltinDataset;

pub(super) fn prior(app: &mut StudioApp, ui: &mut egui::Ui) {
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
        .labelled_by(label.id)
        .on_hover_text(
            "σ of the next prior trained here and of Brownian motion; a loaded diffusion prior \
             keeps its own σ (shown above)",
        );
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
