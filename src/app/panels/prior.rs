//! The prior panel: a built-in dataset, Fashion-MNIST or an MNIST-format folder to train a
//! prior of a chosen kind on, a saved prior, a CSV of your own.

use eframe::egui;

use crate::app::background::Purpose;
use crate::app::{StudioApp, lessons};
use crate::experiment::config::PriorKind;
use crate::experiment::worker::{Command, PriorChoice};
use crate::prior::datasets::BuiltinDataset;

/// Fashion-MNIST as Debian installs it, at 14×14 and at 28×28.
const FASHION_14: &str = "fashion_mnist@2";
const FASHION_MNIST: &str = crate::images::FASHION_MNIST;

pub(super) fn prior(app: &mut StudioApp, ui: &mut egui::Ui) {
    if let Some(info) = &app.info {
        ui.label(&info.reference);
    }
    // An energy benchmark has no prior: its reference is Brownian motion. The training
    // controls would only suggest that a dataset takes part, so they wait behind a header.
    let brownian = app
        .info
        .as_ref()
        .is_some_and(|info| info.config.prior.kind == PriorKind::Brownian);
    if brownian {
        ui.label("no prior: the target alone defines the posterior (σ is the sampler's)");
        egui::CollapsingHeader::new("Train or open a prior instead")
            .default_open(false)
            .show(ui, |ui| prior_sources(app, ui, false));
    } else {
        prior_sources(app, ui, true);
    }
    progress(app, ui);
    ui.horizontal(|ui| {
        ui.checkbox(&mut app.view.show_data, "data");
        ui.checkbox(&mut app.view.show_prior, "prior samples");
    });
}

/// Where a prior comes from: a dataset to train on, a saved prior, a CSV, or none (Brownian
/// motion). `can_save`: there is a trained prior to save.
fn prior_sources(app: &mut StudioApp, ui: &mut egui::Ui, can_save: bool) {
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
                for name in [FASHION_14, FASHION_MNIST] {
                    ui.selectable_value(&mut app.config.prior.dataset, name.to_string(), name);
                }
            });
        let _ = combo.response.accessible_name("dataset");
        if ui
            .button("Image folder…")
            .on_hover_text(
                "an MNIST-format folder (MNIST, Fashion-MNIST, KMNIST, EMNIST: the four IDX \
                 files); add @2 to the name to train at half the resolution",
            )
            .clicked()
        {
            app.background
                .dialog(Purpose::OpenImageFolder, false, &[], "");
        }
    });
    ui.horizontal(|ui| {
        ui.label("train as");
        let combo = egui::ComboBox::from_id_salt("prior kind")
            .selected_text(app.view.train_kind.name())
            .show_ui(ui, |ui| {
                for kind in PriorKind::TRAINABLE {
                    ui.selectable_value(&mut app.view.train_kind, kind, kind.name());
                }
            });
        let _ = combo.response.accessible_name("prior kind").on_hover_text(
            "a diffusion or flow prior has a density (the sampler lives in x); a VAE or GAN \
                 prior is a generator x = f(z) and its sampler lives in z",
        );
    });
    ui.horizontal(|ui| {
        let label = ui.label("iterations");
        ui.add(super::drag_value(&mut app.config.prior.iterations, 100..=200_000).speed(100))
            .labelled_by(label.id);
        let label = ui.label("σ");
        ui.add(super::drag_value(&mut app.config.prior.sigma, super::SIGMA_RANGE).speed(0.05))
            .labelled_by(label.id)
            .on_hover_text(
                "σ of the next prior trained here and of Brownian motion; a loaded diffusion prior \
             keeps its own σ (shown above)",
            );
    });
    ui.horizontal_wrapped(|ui| {
        if ui.button("Train prior").clicked() {
            app.history = Default::default();
            app.prior_losses.clear();
            let dataset = app.config.prior.dataset.clone();
            let kind = app.view.train_kind.trainable();
            app.send(Command::Configure(Box::new(app.config.clone())));
            app.send(Command::SetPrior(PriorChoice::Train { dataset, kind }));
        }
        if ui.button("Open prior…").clicked() {
            app.background.dialog(Purpose::OpenPrior, false, &[], "");
        }
        if ui.button("Train on CSV…").clicked() {
            app.background
                .dialog(Purpose::OpenCsv, false, &[("CSV", &["csv"])], "");
        }
        if can_save && ui.button("Save prior…").clicked() {
            app.background.dialog(Purpose::SavePrior, true, &[], "");
        }
        if ui
            .button("Brownian")
            .on_hover_text("no prior: Brownian motion N(0, σ²I)")
            .clicked()
        {
            app.history = Default::default();
            let dim = app
                .info
                .as_ref()
                .map_or(app.config.prior.dim, |info| info.dim);
            app.send(Command::SetPrior(PriorChoice::Brownian {
                dim,
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
}

/// The progress and loss of a prior in training, with its Cancel button.
fn progress(app: &mut StudioApp, ui: &mut egui::Ui) {
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
}
