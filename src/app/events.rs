//! The event pump: what the worker and the background jobs reported since the last frame,
//! applied to the app's state. Runs at the start of every frame and never waits.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::StudioApp;
use super::background::{Outcome, Purpose};
use super::heatmap::HeatmapKind;
use super::state::DetailView;
use crate::constraint::ConstraintKind;
use crate::constraint::sketch::Sketch;
use crate::constraint::targets::TargetShape;
use crate::experiment::config::PriorKind;
use crate::experiment::worker::{Command, Event, PriorChoice, ReadyInfo, Snapshot};
use crate::math::field::Area;

impl StudioApp {
    /// Applies everything the worker and background jobs reported since the last frame.
    pub(super) fn pump(&mut self) {
        for event in self.worker.drain() {
            match event {
                Event::Ready(info) => self.on_ready(info),
                Event::Step(record) => {
                    self.rate.record(record.iteration);
                    self.history.steps.push(record);
                }
                Event::Evaluated(metrics) => {
                    // What the numbers cannot show (dropped samples, a truncated grid, a floor
                    // that changes the target) goes to the status bar.
                    for warning in &metrics.warnings {
                        self.say(format!("warning: {warning}"));
                    }
                    self.history.evaluations.push(*metrics);
                }
                Event::PriorProgress(p) => {
                    self.prior_losses.push([p.iteration as f64, p.loss]);
                    self.prior_progress = Some(p);
                }
                Event::Paused(why) => self.say(why),
                Event::Playing(playing) => {
                    self.playing = playing;
                    self.rate.clear();
                }
                Event::Error(e) => self.fail(e),
                Event::Saved(path) => self.say(format!("saved {}", path.display())),
                Event::Autosaved(_) => {}
                Event::PriorCancelled => {
                    self.prior_progress = None;
                    self.say("prior training cancelled: the prior in use is kept");
                }
                Event::Status(s) => self.say(s),
                Event::LogRField { key, field } => {
                    if self.textures.log_r_requested.as_deref() == Some(key.as_str())
                        && let Some(field) = field
                    {
                        self.textures.log_r_field = Some((key, field));
                    }
                }
            }
        }
        if let Some(s) = self.worker.snapshot()
            && self
                .snapshot
                .as_ref()
                .is_none_or(|old| !Arc::ptr_eq(old, &s))
        {
            self.snapshot = Some(s);
            self.refresh_reference_layer();
            if matches!(
                self.view.heatmap,
                HeatmapKind::Prior | HeatmapKind::Posterior
            ) {
                self.textures.heatmap = None;
            }
        }
        for outcome in self.background.drain() {
            match outcome {
                Outcome::Picked(purpose, Some(path)) => self.on_picked(purpose, path),
                Outcome::Picked(_, None) => {}
                Outcome::Done { message, failed } => {
                    self.exports_running = self.exports_running.saturating_sub(1);
                    if failed {
                        self.fail(message)
                    } else {
                        self.say(message)
                    }
                }
            }
        }
        // Constraint edits are sent once the pointer rests, not on every frame of a drag.
        if let Some(since) = self.constraint_pending
            && since.elapsed() > Duration::from_millis(150)
        {
            self.constraint_pending = None;
            self.send(Command::SetConstraint(Box::new(
                self.config.constraint.clone(),
            )));
        }
    }

    fn on_ready(&mut self, info: Box<ReadyInfo>) {
        let fresh_experiment = self.info.as_ref().is_none_or(|old| {
            old.reference != info.reference || old.opened_from != info.opened_from
        });
        let space_switch = self.info.as_ref().is_some_and(|old| {
            old.config.prior.kind.is_generator()
                && old.config.prior.kind == info.config.prior.kind
                && old.config.prior.path == info.config.prior.path
                && old.config.sampler.space != info.config.sampler.space
        });
        if space_switch {
            if let Some(old) = &self.info
                && !self.history.evaluations.is_empty()
            {
                let name = format!("{} space", old.config.sampler.space.name());
                self.comparison = Some((name, self.history.clone()));
            }
        } else if fresh_experiment {
            self.comparison = None;
        }
        for adjustment in &info.adjustments {
            self.say(format!("adjusted {adjustment}"));
        }
        // The worker's history is the truth; events after this one extend it.
        self.history = info.history.clone();
        self.rate.clear();
        let editing = self
            .constraint_pending
            .is_some()
            .then(|| self.config.constraint.clone());
        self.config = info.config.clone();
        if let Some(constraint) = editing {
            // A constraint edit not yet sent must survive the worker's report.
            self.config.constraint = constraint;
        }
        if fresh_experiment {
            self.prior_progress = None;
            if let Some(area) = info.data.as_ref().and_then(Area::around) {
                self.area = area;
            } else if self.config.prior.kind == PriorKind::Brownian {
                let half = (3.5 * self.config.prior.sigma).max(3.0);
                self.area = Area {
                    lower: [-half, -half],
                    upper: [half, half],
                };
            }
        }
        // Keep the sketch (and its undo steps) when the worker reports the grid it came from.
        let same_sketch = self
            .sketch
            .as_ref()
            .is_some_and(|s| s.to_grid_config() == self.config.constraint.grid);
        if !same_sketch {
            self.sketch = (self.config.constraint.kind == ConstraintKind::Grid)
                .then(|| Sketch::from_grid_config(&self.config.constraint.grid))
                .flatten();
        }
        self.target_shape = info.target_shape.clone();
        if fresh_experiment && info.image_shape.is_some() {
            self.view.detail = DetailView::Images;
        } else if info.dim > 2 && fresh_experiment {
            self.view.detail = match self.target_shape {
                Some(TargetShape::Wells { .. }) => DetailView::Wells,
                _ => DetailView::Pairs,
            };
        }
        if self.view.axes.iter().any(|&a| a >= info.dim) || self.view.axes[0] == self.view.axes[1] {
            self.view.axes = [0, 1.min(info.dim.saturating_sub(1))];
        }
        self.textures.heatmap = None;
        self.textures.log_r_requested = None;
        self.time.index = self.time.index.min(self.config.sampler.steps);
        if let Some(path) = &info.opened_from {
            self.say(format!("opened {}", path.display()));
        }
        self.info = Some(info);
    }

    fn on_picked(&mut self, purpose: Purpose, path: PathBuf) {
        match purpose {
            Purpose::OpenExperiment => self.send(Command::Open(path)),
            Purpose::SaveExperiment => self.send(Command::Save(path)),
            Purpose::OpenPrior => self.send(Command::SetPrior(PriorChoice::Folder(path))),
            Purpose::SavePrior => self.send(Command::SavePrior(path)),
            Purpose::OpenCsv => self.send(Command::SetPrior(PriorChoice::Train {
                dataset: path.display().to_string(),
                kind: self.config.prior.kind.trainable(),
            })),
            Purpose::OpenImageFolder => {
                self.config.prior.dataset = path.display().to_string();
                self.say(format!(
                    "dataset: the MNIST-format folder {} (Train prior to train on it)",
                    path.display()
                ));
            }
            Purpose::OpenSketch => self.load_sketch(&path),
            Purpose::SaveSketch => match &self.sketch {
                Some(sketch) => match sketch.save_png(&path) {
                    Ok(()) => self.say(format!("saved sketch {}", path.display())),
                    Err(e) => self.fail(e.to_string()),
                },
                None => self.fail("there is no sketch to save: paint one with the Sketch tool"),
            },
            Purpose::ExportSamples => self.export_samples(path),
            Purpose::ExportFolder => self.view.export_dir = path.display().to_string(),
        }
    }
}

/// The reference samples as a flat x, y array, rebuilt only when the reference's generation
/// changes (every snapshot shares the same reference until then).
impl StudioApp {
    /// The reference samples on the view's axes as the GPU layer wants them; rebuilt only when
    /// the samples or the axes change.
    pub(super) fn refresh_reference_layer(&mut self) {
        if let Some(shown) = self.shown_snapshot() {
            self.textures.reference_points =
                reference_layer(&shown, self.textures.reference_points.take());
        }
    }
}

fn reference_layer(
    snapshot: &Snapshot,
    previous: Option<(u64, Arc<Vec<f32>>)>,
) -> Option<(u64, Arc<Vec<f32>>)> {
    let reference = snapshot
        .reference_samples
        .as_ref()
        .filter(|r| r.dim() >= 2)?;
    let key = reference.generation;
    if let Some(previous) = previous.filter(|p| p.0 == key) {
        return Some(previous);
    }
    let flat = reference.rows().flat_map(|r| [r[0], r[1]]).collect();
    Some((key, Arc::new(flat)))
}
