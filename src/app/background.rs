//! Work the UI thread must not wait for: native file dialogs and figure exports run on their
//! own threads and report back through a channel that the app drains every frame.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};

use eframe::egui;

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
