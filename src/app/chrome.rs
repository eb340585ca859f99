//! The frame around the views: the menu bar, the status bar and the windows (errors,
//! lessons, help, the offer to restore a session that ended uncleanly).

use std::path::PathBuf;

use eframe::egui;

use super::StudioApp;
use super::background::Purpose;
use super::commands::{AppCommand, help_text};
use super::lessons;
use crate::experiment::worker::Command;
use crate::export::views::View;

impl StudioApp {
    pub(super) fn menu_bar(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                AppCommand::Open.button(self, ui);
                AppCommand::Save.button(self, ui);
                ui.separator();
                if ui.button("Copy config as TOML").clicked() {
                    ui.ctx().copy_text(self.config.to_toml());
                    self.say("config copied to the clipboard");
                }
                if ui.button("Export samples (CSV)…").clicked() {
                    self.background.dialog(
                        Purpose::ExportSamples,
                        true,
                        &[("CSV", &["csv"])],
                        "samples.csv",
                    );
                }
            });
            ui.menu_button("Export", |ui| {
                ui.horizontal(|ui| {
                    ui.label("Folder");
                    ui.text_edit_singleline(&mut self.view.export_dir);
                    if ui.button("…").clicked() {
                        self.background
                            .dialog(Purpose::ExportFolder, false, &[], "");
                    }
                });
                if ui.button("Export all views (PNG + SVG)").clicked() {
                    self.export_all_views();
                    ui.close();
                }
                ui.separator();
                let has_noise = self.snapshot.as_ref().is_some_and(|s| s.noise.is_some());
                for view in View::ALL {
                    if view == View::Noise && !has_noise {
                        continue;
                    }
                    for ext in ["png", "svg"] {
                        let label = format!("{} as {}", view.label(), ext.to_uppercase());
                        if ui.button(label).clicked() {
                            let path = PathBuf::from(&self.view.export_dir)
                                .join(format!("{}.{ext}", view.file_stem()));
                            self.export_view(view, path);
                            ui.close();
                        }
                    }
                }
            });
            ui.menu_button("Lessons", |ui| {
                for (i, lesson) in lessons::LESSONS.iter().enumerate() {
                    if ui.button(lesson.title).clicked() {
                        self.start_lesson(i);
                        ui.close();
                    }
                }
            });
            AppCommand::Help.button(self, ui);
            ui.separator();
            for command in [
                AppCommand::PlayPause,
                AppCommand::Step,
                AppCommand::Reset,
                AppCommand::Evaluate,
            ] {
                command.button(self, ui);
            }
            ui.separator();
            ui.label(format!("iteration {}", self.iteration()));
            if let Some(rate) = self.it_per_s() {
                ui.label(format!("{rate:.1} it/s"));
            }
        });
    }

    pub(super) fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label(format!(
                "{:.0} fps · slowest frame {:.0} ms (2 s)",
                self.frames.fps(),
                self.frames.worst_ms()
            ));
            ui.separator();
            match &self.info {
                Some(info) if self.trains_on_render_device() => {
                    ui.label(format!("{} · drawn on the same device", info.backend))
                }
                Some(info) => ui.label(&info.backend),
                None => ui.label("starting the experiment…"),
            };
            ui.separator();
            if let Some(m) = self.messages.last() {
                let color = if m.error {
                    ui.visuals().error_fg_color
                } else {
                    ui.visuals().text_color()
                };
                ui.colored_label(color, &m.text);
            }
        });
    }

    pub(super) fn windows(&mut self, ctx: &egui::Context) {
        if let Some(error) = self.error.clone() {
            let mut open = true;
            egui::Window::new("Something went wrong")
                .collapsible(false)
                .open(&mut open)
                .show(ctx, |ui| {
                    ui.label(&error);
                    ui.label("Nothing else was changed.");
                    if ui.button("OK").clicked() {
                        self.error = None;
                    }
                });
            if !open {
                self.error = None;
            }
        }
        if let Some(index) = self.lesson {
            let lesson = &lessons::LESSONS[index];
            let mut open = true;
            egui::Window::new(lesson.title)
                .open(&mut open)
                .default_width(360.0)
                .show(ctx, |ui| {
                    ui.label(lesson.text);
                });
            if !open {
                self.lesson = None;
            }
        }
        if self.show_help {
            egui::Window::new("Help")
                .open(&mut self.show_help)
                .show(ctx, |ui| {
                    ui.label(help_text());
                });
        }
        if let Some((dir, iteration)) = self.restore_offer.clone() {
            egui::Window::new("Restore the last session?")
                .collapsible(false)
                .resizable(false)
                .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
                .show(ctx, |ui| {
                    ui.label(format!(
                        "The last session did not end cleanly. Its experiment was autosaved at \
                         iteration {iteration} in {}.",
                        dir.display()
                    ));
                    ui.horizontal(|ui| {
                        if ui.button("Restore").clicked() {
                            self.send(Command::Open(dir.clone()));
                            self.start_autosave();
                        }
                        if ui.button("Start afresh").clicked() {
                            self.start_autosave();
                        }
                    });
                });
        }
    }
}
