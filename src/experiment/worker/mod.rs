//! The training worker: a thread that owns one experiment (models, optimiser, reference
//! posterior) and talks to a front end only through messages. Commands go in over a channel;
//! events (every iteration's record, evaluations, progress, errors) come out over another;
//! large, frequently replaced data (samples, trajectories) sit in a latest-value slot that the
//! front end reads when it draws. `notify` is called whenever there is something new, so a GUI
//! can request a repaint; the worker never knows what the front end is.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::config::{ExperimentConfig, PriorKind};
use autosave::Autosave;
mod prior_choice;

pub mod autosave;
pub mod protocol;
mod snapshot;

use super::composition::{Composition, PriorSource, compose, parts, prepare_prior};
use super::trainer::Trainer;
use crate::backend::{self, ComputeDevice};
use crate::constraint::ConstraintConfig;
use crate::error::{Error, Result};
use crate::math::rng::seeded;
use crate::prior::training::PriorProgress;
use crate::prior::{DataSource, ReferenceProcess};
pub use protocol::{
    Cadence, Command, Event, LogRRequest, Notify, PriorChoice, ReadyInfo, SharedPoints, Snapshot,
};
use snapshot::SnapshotMaker;

/// The front end's handle on the worker.
pub struct WorkerHandle {
    commands: Sender<Command>,
    events: Receiver<Event>,
    snapshot: Arc<Mutex<Option<Arc<Snapshot>>>>,
    cancel_prior: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl WorkerHandle {
    /// Starts a worker on `config`. The experiment is built on the worker's thread; its
    /// `Ready` (or `Error`) event says when it is there.
    pub fn spawn(
        config: ExperimentConfig,
        base_dir: Option<PathBuf>,
        cadence: Cadence,
        notify: Notify,
    ) -> Self {
        let (commands, command_rx) = channel();
        let (event_tx, events) = channel();
        let snapshot = Arc::new(Mutex::new(None));
        let cancel_prior = Arc::new(AtomicBool::new(false));
        let failure = event_tx.clone();
        let worker = Worker {
            commands: command_rx,
            events: event_tx,
            snapshot: snapshot.clone(),
            cancel_prior: cancel_prior.clone(),
            notify,
            snapshots: SnapshotMaker::new(cadence.clone()),
            autosave: cadence
                .autosave_dir
                .clone()
                .map(|dir| Autosave::new(dir, cadence.autosave_interval)),
            autosave_failed: false,
            cadence,
            trainer: None,
            compute: None,
            base_dir,
            playing: false,
            adjustments: Vec::new(),
        };
        let thread = match std::thread::Builder::new()
            .name("posterior-studio-worker".into())
            .spawn(move || worker.run(config))
        {
            Ok(thread) => Some(thread),
            Err(e) => {
                let _ = failure.send(Event::Error(format!(
                    "cannot start the training thread: {e}"
                )));
                None
            }
        };
        Self {
            commands,
            events,
            snapshot,
            cancel_prior,
            thread,
        }
    }

    /// Sends a command; false when the worker is gone.
    pub fn send(&self, command: Command) -> bool {
        if matches!(command, Command::CancelPrior) {
            self.cancel_prior.store(true, Ordering::SeqCst);
        }
        self.commands.send(command).is_ok()
    }

    /// Events that arrived since the last call, without waiting.
    pub fn drain(&self) -> Vec<Event> {
        self.events.try_iter().collect()
    }

    /// The newest snapshot, if any.
    pub fn snapshot(&self) -> Option<Arc<Snapshot>> {
        self.snapshot.lock().ok().and_then(|s| s.clone())
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Shutdown);
        self.cancel_prior.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Worker {
    commands: Receiver<Command>,
    events: Sender<Event>,
    snapshot: Arc<Mutex<Option<Arc<Snapshot>>>>,
    cancel_prior: Arc<AtomicBool>,
    notify: Notify,
    cadence: Cadence,
    trainer: Option<Trainer>,
    compute: Option<ComputeDevice>,
    base_dir: Option<PathBuf>,
    playing: bool,
    snapshots: SnapshotMaker,
    autosave: Option<Autosave>,
    /// An autosave failure is reported once, not at every interval.
    autosave_failed: bool,
    /// What the composer changed in the config of the experiment in use, one line each.
    adjustments: Vec<String>,
}

impl Worker {
    fn emit(&self, event: Event) {
        let _ = self.events.send(event);
        (self.notify)();
    }

    fn run(mut self, config: ExperimentConfig) {
        self.build(config, None);
        loop {
            let command = if self.playing {
                match self.commands.try_recv() {
                    Ok(c) => Some(c),
                    Err(std::sync::mpsc::TryRecvError::Empty) => None,
                    Err(std::sync::mpsc::TryRecvError::Disconnected) => return,
                }
            } else {
                // Idle: wait for a command, but wake to deliver a pending snapshot.
                match self.commands.recv_timeout(Duration::from_millis(100)) {
                    Ok(c) => Some(c),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            };
            if let Some(command) = command {
                if matches!(command, Command::Shutdown) {
                    self.finish_autosave();
                    return;
                }
                self.handle(command);
                continue;
            }
            if self.playing {
                self.train_once();
            }
            self.maybe_snapshot();
        }
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Play => self.set_playing(true),
            Command::Pause => {
                self.set_playing(false);
                self.autosave(true);
            }
            Command::Step => {
                self.set_playing(false);
                self.train_once();
                self.force_snapshot();
            }
            Command::Reset => {
                if let Some(trainer) = self.trainer.take() {
                    self.rebuild_with(trainer.config.clone(), trainer.reference.clone());
                }
            }
            Command::Configure(config) => self.configure(*config),
            Command::SetConstraint(constraint) => self.set_constraint(*constraint),
            Command::SetPrior(choice) => self.set_prior(choice),
            Command::CancelPrior => {}
            Command::SavePrior(path) => self.save_prior(path),
            Command::Evaluate => self.evaluate(),
            Command::LogRField(request) => {
                if let Some(trainer) = &self.trainer {
                    let plane = (request.area, request.n, request.axes, &request.through[..]);
                    let field = parts::log_r_plane(
                        &request.constraint,
                        &trainer.reference,
                        self.base_dir.as_deref(),
                        plane,
                    )
                    .ok();
                    let key = request.key;
                    self.emit(Event::LogRField { key, field });
                }
            }
            Command::Save(path) => self.save(path),
            Command::Open(path) => self.open(path),
            Command::SetAutosave(dir) => {
                self.autosave = dir.map(|d| Autosave::new(d, self.cadence.autosave_interval));
                self.autosave_failed = false;
            }
            Command::Shutdown => {}
        }
    }

    fn set_playing(&mut self, playing: bool) {
        let can_train = self.trainer.as_ref().is_some_and(|t| !t.is_done());
        self.playing = playing && can_train;
        self.emit(Event::Playing(self.playing));
    }

    fn compute(&mut self, config: &ExperimentConfig) -> ComputeDevice {
        self.compute
            .get_or_insert_with(|| backend::select(config.backend))
            .clone()
    }

    fn ready(&self, opened_from: Option<PathBuf>) {
        let Some(trainer) = &self.trainer else {
            return;
        };
        let data = trainer
            .reference
            .dataset()
            .and_then(|name| DataSource::resolve(name).ok())
            .map(|d| d.sample(&mut seeded(1), 2000));
        let encoded_data = match (&data, trainer.reference.noise_generator()) {
            (Some(data), Some(generator)) => generator.encode(data),
            _ => None,
        };
        self.emit(Event::Ready(Box::new(ReadyInfo {
            config: trainer.config.clone(),
            history: trainer.history.clone(),
            backend: trainer.compute.describe(),
            wgpu_device: trainer
                .compute
                .wgpu_setup
                .as_ref()
                .map(|s| s.device.clone()),
            reference: trainer.reference.describe(),
            constraint: trainer.constraint.describe(),
            dim: trainer.reference.dim(),
            data,
            encoded_data,
            opened_from,
            image_shape: trainer.image_shape(),
            classes: trainer
                .constraint
                .image_classifier()
                .map(|c| c.meta.classes.clone())
                .unwrap_or_default(),
            inpainting: trainer.constraint.inpainting().cloned(),
            target_shape: trainer.target_shape(),
            adjustments: self.adjustments.clone(),
        })));
    }

    /// Builds a trainer from scratch: trains the prior first when the config names none
    /// (reporting progress; cancellable), then composes.
    fn build(&mut self, config: ExperimentConfig, opened_from: Option<PathBuf>) {
        let compute = self.compute(&config);
        let base_dir = self.base_dir.clone();
        let result = (|| -> Result<Composition> {
            config.validate()?;
            let events = self.events.clone();
            let notify = self.notify.clone();
            let cancel = self.cancel_prior.clone();
            cancel.store(false, Ordering::SeqCst);
            let mut on_progress = |p: &PriorProgress| {
                let _ = events.send(Event::PriorProgress(p.clone()));
                notify();
                !cancel.load(Ordering::SeqCst)
            };
            let prior = prepare_prior(&config, base_dir.as_deref(), &compute, &mut on_progress)?;
            compose(config, prior, base_dir.as_deref(), &compute)
        })();
        self.install(result, opened_from);
    }

    /// Builds a fresh trainer around an existing reference (no prior work).
    fn rebuild_with(&mut self, config: ExperimentConfig, reference: ReferenceProcess) {
        let compute = self.compute(&config);
        let result = compose(
            config,
            PriorSource::Given(reference),
            self.base_dir.as_deref(),
            &compute,
        );
        self.install(result, None);
    }

    fn install(&mut self, composition: Result<Composition>, opened_from: Option<PathBuf>) {
        let adjustments = composition.as_ref().map_or(Vec::new(), |c| {
            c.adjustments.iter().map(ToString::to_string).collect()
        });
        let compute = self.compute.clone();
        let base_dir = self.base_dir.clone();
        let result = composition.and_then(|c| {
            let compute = compute.unwrap_or_else(|| backend::select(c.config.backend));
            Trainer::from_composition(c, compute, base_dir.as_deref())
        });
        self.install_trainer(result, opened_from, adjustments);
    }

    fn install_trainer(
        &mut self,
        result: Result<Trainer>,
        opened_from: Option<PathBuf>,
        adjustments: Vec<String>,
    ) {
        match result {
            Ok(trainer) => {
                let prior_changed = match (&self.trainer, &trainer.reference) {
                    (Some(old), new) => {
                        old.reference.describe() != new.describe()
                            || old.config.sampler.steps != trainer.config.sampler.steps
                    }
                    (None, _) => true,
                };
                if prior_changed {
                    self.snapshots.forget_prior();
                }
                self.trainer = Some(trainer);
                self.adjustments = adjustments;
                self.playing = false;
                self.emit(Event::Playing(false));
                self.ready(opened_from);
                self.force_snapshot();
            }
            Err(e) => self.emit(Event::Error(e.to_string())),
        }
    }

    fn configure(&mut self, config: ExperimentConfig) {
        let Some(trainer) = self.trainer.as_mut() else {
            self.build(config, None);
            return;
        };
        if let Err(e) = config.validate() {
            self.emit(Event::Error(e.to_string()));
            return;
        }
        // A new kind of prior, or a Brownian reference of another dimension or σ, is a new
        // experiment with the new constraint (a lesson moving from the plane to d = 32 must not
        // first try its constraint on the old reference, nor keep the old one).
        let old = &trainer.config.prior;
        let new_reference = config.prior.kind != old.kind
            || (config.prior.kind == PriorKind::Brownian
                && (config.prior.dim != old.dim || config.prior.sigma != old.sigma));
        if new_reference {
            self.build(config, None);
            return;
        }
        if config.constraint != trainer.config.constraint {
            let constraint = config.constraint.clone();
            self.set_constraint(constraint);
        }
        let Some(trainer) = self.trainer.as_mut() else {
            return;
        };
        let mut config = config;
        config.constraint = trainer.config.constraint.clone();
        // The same generator, with the sampler moved between data and noise space: the
        // composer puts its reference in the new space.
        if config.sampler.space != trainer.config.sampler.space
            && let ReferenceProcess::Generated(_) = &trainer.reference
        {
            let reference = trainer.reference.clone();
            config.prior = trainer.config.prior.clone();
            self.rebuild_with(config, reference);
            return;
        }
        // The prior section only matters when a prior is (re)made; keep the one in use.
        config.prior = trainer.config.prior.clone();
        match trainer.update_settings(config.clone()) {
            Ok(()) => {
                self.emit(Event::Status("settings applied".into()));
                self.ready(None);
            }
            Err(Error::Unsupported(_)) => {
                let reference = trainer.reference.clone();
                let was_playing = self.playing;
                self.rebuild_with(config, reference);
                if was_playing {
                    self.set_playing(true);
                }
            }
            Err(e) => self.emit(Event::Error(e.to_string())),
        }
    }

    fn set_constraint(&mut self, constraint: ConstraintConfig) {
        let Some(trainer) = self.trainer.as_mut() else {
            return;
        };
        let mut config = trainer.config.clone();
        config.constraint = constraint;
        let compute = trainer.compute.clone();
        let composition = compose(
            config,
            PriorSource::Given(trainer.reference.clone()),
            self.base_dir.as_deref(),
            &compute,
        );
        // A constraint that needs another reference (an energy target of another size) is a
        // new experiment, not a re-target.
        if let Ok(c) = &composition
            && c.config.prior != trainer.config.prior
        {
            self.install(composition, None);
            return;
        }
        match composition.and_then(|c| trainer.set_constraint(c.constraint, c.config.constraint)) {
            Ok(()) => {
                // The noise landscape is drawn from the constraint.
                if trainer.reference.noise_generator().is_some() {
                    self.snapshots.forget_prior();
                }
                self.ready(None);
                self.force_snapshot();
            }
            Err(e) => self.emit(Event::Error(e.to_string())),
        }
    }

    fn train_once(&mut self) {
        let Some(trainer) = self.trainer.as_mut() else {
            self.playing = false;
            return;
        };
        if trainer.is_done() {
            self.playing = false;
            self.emit(Event::Paused("training finished".into()));
            self.emit(Event::Playing(false));
            self.evaluate();
            return;
        }
        match trainer.step() {
            Ok(record) => {
                let iteration = record.iteration;
                self.snapshots.mark_dirty();
                self.emit(Event::Step(record));
                let every = self.cadence.evaluate_every;
                if every > 0 && iteration % every == 0 {
                    self.evaluate();
                } else {
                    self.autosave(false);
                }
            }
            Err(e) => {
                self.playing = false;
                self.emit(Event::Paused(e.to_string()));
                self.emit(Event::Playing(false));
            }
        }
    }

    fn evaluate(&mut self) {
        let Some(trainer) = self.trainer.as_mut() else {
            return;
        };
        match trainer.evaluate() {
            Ok(metrics) => self.emit(Event::Evaluated(Box::new(metrics))),
            Err(e) => self.emit(Event::Error(e.to_string())),
        }
        self.snapshots.mark_dirty();
        self.autosave(true);
    }

    /// Checkpoints the experiment when the autosave interval has passed, or now (`force`).
    fn autosave(&mut self, force: bool) {
        let (Some(autosave), Some(trainer)) = (self.autosave.as_mut(), self.trainer.as_ref())
        else {
            return;
        };
        match autosave.tick(trainer, force) {
            Ok(true) => {
                self.autosave_failed = false;
                self.emit(Event::Autosaved(trainer.iteration()));
            }
            Ok(false) => {}
            Err(e) if !self.autosave_failed => {
                self.autosave_failed = true;
                self.emit(Event::Error(format!("autosave failed: {e}")));
            }
            Err(_) => {}
        }
    }

    /// A clean exit: a last checkpoint, then the session marked as ended.
    fn finish_autosave(&mut self) {
        self.autosave(true);
        if let Some(autosave) = &self.autosave
            && self.trainer.is_some()
            && let Err(e) = autosave.finish()
        {
            log::warn!("cannot mark the autosave as clean: {e}");
        }
    }

    fn save(&mut self, path: PathBuf) {
        let Some(trainer) = self.trainer.as_ref() else {
            return;
        };
        match trainer.save(&path) {
            Ok(()) => self.emit(Event::Saved(path)),
            Err(e) => self.emit(Event::Error(e.to_string())),
        }
    }

    fn save_prior(&mut self, path: PathBuf) {
        let Some(trainer) = self.trainer.as_ref() else {
            return;
        };
        match trainer.reference.save_prior(&path) {
            Ok(()) => self.emit(Event::Saved(path)),
            Err(e) => self.emit(Event::Error(e.to_string())),
        }
    }

    fn open(&mut self, path: PathBuf) {
        match Trainer::load(&path, &[]) {
            Ok(trainer) => {
                self.base_dir = Some(path.clone());
                self.install_trainer(Ok(trainer), Some(path), Vec::new());
            }
            Err(e) => self.emit(Event::Error(e.to_string())),
        }
    }

    fn force_snapshot(&mut self) {
        self.snapshots.invalidate();
        self.maybe_snapshot();
    }

    fn maybe_snapshot(&mut self) {
        let Some(trainer) = self.trainer.as_mut() else {
            return;
        };
        if let Some(snapshot) = self.snapshots.maybe_make(trainer) {
            if let Ok(mut slot) = self.snapshot.lock() {
                *slot = Some(Arc::new(snapshot));
            }
            (self.notify)();
        }
    }
}
