//! Work the UI thread must not wait for: native file dialogs and the exports (figures of the
//! views, samples as CSV) run on their own threads and report back through a channel that the
//! app drains every frame.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};

use eframe::egui;

use super::StudioApp;
use crate::export::views::{self as exports, ExportData, View};

/// What a file dialog was opened for; its answer is routed by this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    OpenExperiment,
    SaveExperiment,
    OpenPrior,
    OpenCsv,
    /// An MNIST-format folder to train a prior on.
    OpenImageFolder,
    SavePrior,
    OpenSketch,
    SaveSketch,
    ExportSamples,
    ExportFolder,
}

pub enum Outcome {
    /// A dialog closed: the chosen path, or none when cancelled.
    Picked(Purpose, Option<PathBuf>),
    /// A background job finished: a line for the status bar, and whether it failed.
    Done { message: String, failed: bool },
}

pub struct Background {
    tx: Sender<Outcome>,
    rx: Receiver<Outcome>,
    ctx: egui::Context,
    pub dialog_open: bool,
}

impl Background {
    pub fn new(ctx: egui::Context) -> Self {
        let (tx, rx) = channel();
        Self {
            tx,
            rx,
            ctx,
            dialog_open: false,
        }
    }

    pub fn drain(&mut self) -> Vec<Outcome> {
        let outcomes: Vec<Outcome> = self.rx.try_iter().collect();
        if outcomes.iter().any(|o| matches!(o, Outcome::Picked(..))) {
            self.dialog_open = false;
        }
        outcomes
    }

    /// Opens a native dialog on its own thread (one at a time).
    pub fn dialog(
        &mut self,
        purpose: Purpose,
        save: bool,
        filters: &[(&str, &[&str])],
        name: &str,
    ) {
        if self.dialog_open {
            return;
        }
        self.dialog_open = true;
        let tx = self.tx.clone();
        let ctx = self.ctx.clone();
        let filters: Vec<(String, Vec<String>)> = filters
            .iter()
            .map(|(n, e)| (n.to_string(), e.iter().map(|s| s.to_string()).collect()))
            .collect();
        let name = name.to_string();
        let folder = matches!(
            purpose,
            Purpose::OpenExperiment
                | Purpose::SaveExperiment
                | Purpose::OpenPrior
                | Purpose::OpenImageFolder
                | Purpose::SavePrior
                | Purpose::ExportFolder
        );
        std::thread::spawn(move || {
            let mut dialog = rfd::FileDialog::new();
            for (n, e) in &filters {
                dialog = dialog.add_filter(n, e);
            }
            if !name.is_empty() {
                dialog = dialog.set_file_name(&name);
            }
            let picked = match (folder, save) {
                (true, _) => dialog.pick_folder(),
                (false, true) => dialog.save_file(),
                (false, false) => dialog.pick_file(),
            };
            let _ = tx.send(Outcome::Picked(purpose, picked));
            ctx.request_repaint();
        });
    }

    /// Runs `job` on its own thread; its result becomes a status line.
    pub fn run(&self, job: impl FnOnce() -> Result<String, String> + Send + 'static) {
        let tx = self.tx.clone();
        let ctx = self.ctx.clone();
        std::thread::spawn(move || {
            let outcome = match job() {
                Ok(message) => Outcome::Done {
                    message,
                    failed: false,
                },
                Err(message) => Outcome::Done {
                    message,
                    failed: true,
                },
            };
            let _ = tx.send(outcome);
            ctx.request_repaint();
        });
    }
}

impl StudioApp {
    pub fn export_data(&self) -> ExportData {
        ExportData {
            title: self.config.name.clone(),
            snapshot: self.snapshot.clone(),
            history: self.history.clone(),
            time_index: self.time.index,
            image_shape: self.info.as_ref().and_then(|i| i.image_shape),
        }
    }

    /// Writes every view as PNG and SVG into the export folder, off the UI thread.
    pub fn export_all_views(&mut self) {
        let data = self.export_data();
        let folder = PathBuf::from(&self.view.export_dir);
        self.exports_running += 1;
        self.background.run(move || {
            exports::export_all(&data, &folder)
                .map(|files| format!("exported {} figures to {}", files.len(), folder.display()))
                .map_err(|e| e.to_string())
        });
    }

    pub fn export_view(&mut self, view: View, path: PathBuf) {
        let data = self.export_data();
        self.exports_running += 1;
        self.background.run(move || {
            exports::export_view(view, &data, &path)
                .map(|()| format!("exported the {} to {}", view.label(), path.display()))
                .map_err(|e| e.to_string())
        });
    }

    pub(super) fn export_samples(&mut self, path: PathBuf) {
        let Some(snapshot) = self.snapshot.clone() else {
            self.fail("there are no samples to export yet");
            return;
        };
        self.exports_running += 1;
        self.background.run(move || {
            let mut sets = vec![("sampler", &snapshot.samples)];
            if let Some(r) = &snapshot.reference_samples {
                sets.push(("reference", r.points.as_ref()));
            }
            sets.push(("prior", &snapshot.prior_samples));
            crate::export::samples_csv::write_csv(&path, &sets)
                .map(|()| format!("wrote samples to {}", path.display()))
                .map_err(|e| e.to_string())
        });
    }

    /// Jobs (exports, dialogs) still running in the background.
    pub fn background_busy(&self) -> bool {
        self.exports_running > 0 || self.background.dialog_open
    }
}
