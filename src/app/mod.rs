//! The desktop workbench (feature `gui`): an eframe app on top of the engine. It owns no
//! model: a [`WorkerHandle`] runs the experiment on its own thread, and the app only sends
//! commands and draws the events and snapshots that come back, so a frame never waits on
//! training or on files.

pub mod background;
mod chrome;
pub mod commands;
mod curves;
mod events;
mod gpu_points;
pub mod heatmap;
mod launch;
mod layout;
pub mod lessons;
pub mod noise_projection;
pub mod noise_view;
mod panels;
pub mod pixel_brush;
mod projection;
mod recovery;
pub mod selection;
mod state;
mod views;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use eframe::egui;

use crate::constraint::sketch::Sketch;
use background::Background;
pub use launch::{install_fonts, render_on, run};
use selection::Selection;
use state::Persisted;
pub use state::{FrameStats, Message, Tool, ViewSettings};
use state::{Textures, Throughput, TimeScrubber};

use crate::experiment::History;
use crate::experiment::config::ExperimentConfig;
use crate::experiment::worker::{Cadence, Command, ReadyInfo, Snapshot, WorkerHandle};
use crate::math::field::Area;
use crate::prior::training::PriorProgress;

use launch::STORAGE_KEY;

pub struct StudioApp {
    worker: WorkerHandle,
    background: Background,
    /// The settings being edited in the panels.
    pub config: ExperimentConfig,
    /// What the worker last reported as running.
    pub info: Option<Box<ReadyInfo>>,
    pub history: History,
    pub playing: bool,
    snapshot: Option<Arc<Snapshot>>,
    /// The snapshot on the data view's two coordinates.
    projection: projection::Projection,
    /// The noise view's plane for a latent of more than two coordinates.
    noise_projection: noise_projection::NoiseProjection,
    /// The energy target's structure, for its views (Many Well's balance).
    pub target_shape: Option<crate::constraint::targets::TargetShape>,
    prior_progress: Option<PriorProgress>,
    prior_losses: Vec<[f64; 2]>,
    pub messages: Vec<Message>,
    /// An error waiting to be acknowledged.
    pub error: Option<String>,
    pub view: ViewSettings,
    pub tool: Tool,
    /// The constraint handle being dragged.
    handle: Option<usize>,
    area: Area,
    sketch: Option<Sketch>,
    textures: Textures,
    image_textures: Option<views::ImageTextures>,
    /// The previous run's name ("data space" / "noise space") and history after the sampler
    /// moved between the spaces of one generator prior, so that the curves can be compared.
    pub comparison: Option<(String, History)>,
    /// Linked brushing of the sampler's z and x samples.
    pub selection: Selection,
    time: TimeScrubber,
    constraint_pending: Option<Instant>,
    lesson: Option<usize>,
    show_help: bool,
    /// Where the running experiment is autosaved (the app's storage folder).
    autosave_dir: Option<PathBuf>,
    /// An autosave left by a session that did not end cleanly, with its iteration, waiting
    /// for the user to restore or discard it; autosaving starts only after that choice.
    restore_offer: Option<(PathBuf, usize)>,
    pub frames: FrameStats,
    last_frame_cpu_ms: Option<f32>,
    rate: Throughput,
    exports_running: usize,
    /// Whether the points pipeline is installed (the app runs on wgpu).
    gpu_points: bool,
    /// The wgpu device the app draws with, to tell whether training shares it.
    render_device: Option<eframe::wgpu::Device>,
}

impl StudioApp {
    /// An app around a fresh worker on `config` (tests use this directly).
    pub fn with_config(
        ctx: &egui::Context,
        config: ExperimentConfig,
        base_dir: Option<PathBuf>,
        cadence: Cadence,
    ) -> Self {
        install_fonts(ctx);
        let repaint = ctx.clone();
        let worker = WorkerHandle::spawn(
            config.clone(),
            base_dir,
            cadence,
            Arc::new(move || repaint.request_repaint()),
        );
        Self {
            worker,
            background: Background::new(ctx.clone()),
            config,
            info: None,
            history: History::default(),
            playing: false,
            snapshot: None,
            projection: Default::default(),
            noise_projection: Default::default(),
            target_shape: None,
            prior_progress: None,
            prior_losses: Vec::new(),
            messages: Vec::new(),
            error: None,
            view: ViewSettings::default(),
            tool: Tool::Navigate,
            handle: None,
            image_textures: None,
            area: Area {
                lower: [-14.0, -14.0],
                upper: [14.0, 14.0],
            },
            sketch: None,
            textures: Textures::default(),
            comparison: None,
            selection: Selection::default(),
            time: TimeScrubber::default(),
            constraint_pending: None,
            lesson: None,
            show_help: false,
            autosave_dir: None,
            restore_offer: None,
            frames: FrameStats::default(),
            last_frame_cpu_ms: None,
            rate: Throughput::default(),
            exports_running: 0,
            gpu_points: false,
            render_device: None,
        }
    }

    /// The snapshot as the 2-D views show it: on the chosen coordinates.
    fn shown_snapshot(&mut self) -> Option<Arc<Snapshot>> {
        let snapshot = self.snapshot.clone()?;
        Some(self.projection.project(&snapshot, self.view.axes))
    }

    /// The sampler's samples as the data view shows them (tests check the projection).
    pub fn shown_samples(&mut self) -> Option<crate::math::Points> {
        self.shown_snapshot().map(|s| s.samples.clone())
    }

    pub fn iteration(&self) -> usize {
        self.history.steps.last().map_or(0, |s| s.iteration)
    }

    pub fn is_ready(&self) -> bool {
        self.info.is_some()
    }

    /// The key of the heatmap on screen (for tests: the log r field is the worker's answer).
    pub fn heatmap_key(&self) -> Option<&str> {
        self.textures.heatmap.as_ref().map(|(key, _)| key.as_str())
    }

    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snapshot.as_deref()
    }

    /// Iterations per second over the last few seconds of wall time.
    pub fn it_per_s(&self) -> Option<f64> {
        self.rate.per_second().filter(|_| self.playing)
    }

    pub fn send(&self, command: Command) {
        if !self.worker.send(command) {
            log::error!("the training worker has stopped");
        }
    }

    fn say(&mut self, text: impl Into<String>) {
        self.messages.push(Message {
            text: text.into(),
            error: false,
            at: Instant::now(),
        });
    }

    fn fail(&mut self, text: impl Into<String>) {
        let text = text.into();
        self.messages.push(Message {
            text: text.clone(),
            error: true,
            at: Instant::now(),
        });
        self.error = Some(text);
    }

    /// The constraint in the panels changed: its heatmap is asked for at once (the old one
    /// stays up until it comes), the worker re-targets once the edit rests.
    pub fn constraint_changed(&mut self) {
        self.constraint_pending = Some(Instant::now());
    }

    fn advance_time(&mut self, ctx: &egui::Context) {
        if self.time.playing {
            let dt = ctx.input(|i| i.stable_dt).min(0.1);
            self.time
                .advance(dt, self.view.time_speed, self.config.sampler.steps);
            ctx.request_repaint();
        }
    }
}

impl eframe::App for StudioApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.last_frame_cpu_ms = frame.info().cpu_usage.map(|s| s * 1000.0);
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(
            storage,
            STORAGE_KEY,
            &Persisted {
                config_toml: self.config.to_toml(),
                view: self.view.clone(),
            },
        );
    }

    // No `on_exit`: dropping the app shuts the worker down, which writes a last autosave
    // and marks the session as ended cleanly.
}
