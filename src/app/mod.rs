//! The desktop workbench (feature `gui`): an eframe app on top of the engine. It owns no
//! model: a [`WorkerHandle`] runs the experiment on its own thread, and the app only sends
//! commands and draws the events and snapshots that come back, so a frame never waits on
//! training or on files.

pub mod background;
mod curves;
pub mod exports;
mod gpu_points;
pub mod heatmap;
pub mod lessons;
pub mod noise_view;
mod panels;
pub mod selection;
pub mod sketch;
mod views;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;
use serde::{Deserialize, Serialize};

use background::{Background, Outcome, Purpose};
use exports::{ExportData, View};
use heatmap::{Area, HeatmapKind};
use noise_view::NoiseHeatmap;
use selection::Selection;
use sketch::{Brush, Sketch};

use crate::backend::{self, BackendChoice};
use crate::constraint::ConstraintKind;
use crate::experiment::History;
use crate::experiment::config::ExperimentConfig;
use crate::experiment::worker::{
    Cadence, Command, Event, PriorChoice, ReadyInfo, Snapshot, WorkerHandle,
};
use crate::prior::training::PriorProgress;

const STORAGE_KEY: &str = "posterior-studio";

/// What the data view's pointer does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tool {
    /// Pan and zoom.
    Navigate,
    /// Click or drag the constraint's handles (observation, box corners, annulus, half-plane).
    Edit,
    /// Paint r; the sketch becomes a grid constraint.
    Sketch,
}

/// View settings that persist between runs of the app.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct ViewSettings {
    pub heatmap: HeatmapKind,
    pub show_reference: bool,
    pub show_prior: bool,
    pub show_data: bool,
    pub show_modes: bool,
    pub trajectories_shown: usize,
    pub smoothing: usize,
    pub time_speed: f32,
    pub export_dir: String,
    pub brush: Brush,
    pub noise_heatmap: NoiseHeatmap,
    pub show_warped_grid: bool,
    /// Trajectories of a noise-space sampler shown in z rather than as f(z_t).
    pub trajectories_in_noise: bool,
}

impl Default for ViewSettings {
    fn default() -> Self {
        Self {
            heatmap: HeatmapKind::LogR,
            show_reference: false,
            show_prior: false,
            show_data: false,
            show_modes: true,
            trajectories_shown: 100,
            smoothing: 20,
            time_speed: 0.5,
            export_dir: "exports".into(),
            brush: Brush::default(),
            noise_heatmap: NoiseHeatmap::Posterior,
            show_warped_grid: true,
            trajectories_in_noise: false,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Persisted {
    config_toml: String,
    view: ViewSettings,
}

/// A line in the status bar; errors also open a message window until dismissed.
#[derive(Clone, Debug)]
pub struct Message {
    pub text: String,
    pub error: bool,
    pub at: Instant,
}

/// Frame timing of the UI thread.
#[derive(Default)]
pub struct FrameStats {
    frames: VecDeque<(Instant, f32)>,
}

impl FrameStats {
    fn record(&mut self, now: Instant, work_ms: f32) {
        self.frames.push_back((now, work_ms));
        while self
            .frames
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > Duration::from_secs(2))
        {
            self.frames.pop_front();
        }
    }

    /// Frames per second over the last two seconds.
    pub fn fps(&self) -> f32 {
        match (self.frames.front(), self.frames.back()) {
            (Some(a), Some(b)) if self.frames.len() > 1 => {
                let span = b.0.duration_since(a.0).as_secs_f32().max(1e-3);
                (self.frames.len() - 1) as f32 / span
            }
            _ => 0.0,
        }
    }

    /// The slowest frame's UI work in the last two seconds, in ms.
    pub fn worst_ms(&self) -> f32 {
        self.frames.iter().map(|f| f.1).fold(0.0, f32::max)
    }
}

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
    heatmap: Option<(String, egui::TextureHandle)>,
    noise_heatmap: Option<(String, egui::TextureHandle)>,
    /// The previous run's name ("data space" / "noise space") and history after the sampler
    /// moved between the spaces of one generator prior, so that the curves can be compared.
    pub comparison: Option<(String, History)>,
    /// Linked brushing of the sampler's z and x samples.
    pub selection: Selection,
    /// Trajectory time shown, as a step index 0..=T.
    time_index: usize,
    time_playing: bool,
    time_accumulator: f32,
    constraint_pending: Option<Instant>,
    lesson: Option<usize>,
    show_help: bool,
    autosave_dir: Option<PathBuf>,
    pub frames: FrameStats,
    last_frame_cpu_ms: Option<f32>,
    rate: VecDeque<(Instant, usize)>,
    exports_running: usize,
    /// Whether the points pipeline is installed (the app runs on wgpu).
    gpu_points: bool,
    /// The wgpu device the app draws with, to tell whether training shares it.
    render_device: Option<eframe::wgpu::Device>,
    /// First two coordinates of the reference samples, for the GPU points layer.
    reference_points: Option<(u64, Arc<Vec<f32>>)>,
}

impl StudioApp {
    /// The app as eframe starts it: the last session's experiment if there is one, else the
    /// default (25GMM prior, 9-of-25 constraint).
    pub fn new(cc: &eframe::CreationContext<'_>, backend: Option<BackendChoice>) -> Self {
        let persisted: Option<Persisted> =
            cc.storage.and_then(|s| eframe::get_value(s, STORAGE_KEY));
        let autosave_dir =
            eframe::storage_dir("Posterior Studio").map(|d| d.join("last_experiment"));
        let (mut config, view) = match persisted {
            Some(p) => (
                ExperimentConfig::from_toml(&p.config_toml, "the saved app state")
                    .unwrap_or_else(|_| lessons::default_config()),
                p.view,
            ),
            None => (lessons::default_config(), ViewSettings::default()),
        };
        if let Some(backend) = backend {
            config.backend = backend;
        }
        let mut app = Self::with_config(&cc.egui_ctx, config, None, Cadence::default());
        app.view = view;
        if let Some(render_state) = cc.wgpu_render_state.as_ref() {
            app.gpu_points = gpu_points::install(render_state);
            app.render_device = Some(render_state.device.clone());
        }
        app.autosave_dir = autosave_dir.clone();
        if let Some(dir) = autosave_dir.filter(|d| d.join("config.toml").is_file()) {
            app.worker.send(Command::Open(dir));
        }
        app
    }

    /// Tells the app which wgpu device it draws with (eframe's or a test renderer's).
    pub fn set_render_device(&mut self, device: eframe::wgpu::Device) {
        self.render_device = Some(device);
    }

    /// Whether training runs on the very wgpu device the app draws with (one device, as
    /// when `run` hands burn's device to eframe).
    pub fn trains_on_render_device(&self) -> bool {
        match (
            &self.render_device,
            self.info.as_ref().and_then(|i| i.wgpu_device.as_ref()),
        ) {
            (Some(render), Some(training)) => render == training,
            _ => false,
        }
    }

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
            prior_progress: None,
            prior_losses: Vec::new(),
            messages: Vec::new(),
            error: None,
            view: ViewSettings::default(),
            tool: Tool::Navigate,
            handle: None,
            area: Area {
                lower: [-14.0, -14.0],
                upper: [14.0, 14.0],
            },
            sketch: None,
            heatmap: None,
            noise_heatmap: None,
            comparison: None,
            selection: Selection::default(),
            time_index: 0,
            time_playing: false,
            time_accumulator: 0.0,
            constraint_pending: None,
            lesson: None,
            show_help: false,
            autosave_dir: None,
            frames: FrameStats::default(),
            last_frame_cpu_ms: None,
            rate: VecDeque::new(),
            exports_running: 0,
            gpu_points: false,
            render_device: None,
            reference_points: None,
        }
    }

    pub fn iteration(&self) -> usize {
        self.history.steps.last().map_or(0, |s| s.iteration)
    }

    pub fn is_ready(&self) -> bool {
        self.info.is_some()
    }

    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snapshot.as_deref()
    }

    /// Iterations per second over the last few seconds of wall time.
    pub fn it_per_s(&self) -> Option<f64> {
        let (a, b) = (self.rate.front()?, self.rate.back()?);
        let dt = b.0.duration_since(a.0).as_secs_f64();
        (dt > 0.2 && self.playing).then(|| (b.1 - a.1) as f64 / dt)
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

    /// Applies everything the worker and background jobs reported since the last frame.
    fn pump(&mut self) {
        for event in self.worker.drain() {
            match event {
                Event::Ready(info) => self.on_ready(info),
                Event::Step(record) => {
                    let now = Instant::now();
                    self.rate.push_back((now, record.iteration));
                    while self
                        .rate
                        .front()
                        .is_some_and(|(t, _)| now.duration_since(*t) > Duration::from_secs(3))
                    {
                        self.rate.pop_front();
                    }
                    self.history.steps.push(record);
                }
                Event::Evaluated(metrics) => self.history.evaluations.push(*metrics),
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
                Event::Status(s) => self.say(s),
            }
        }
        if let Some(s) = self.worker.snapshot()
            && self
                .snapshot
                .as_ref()
                .is_none_or(|old| !Arc::ptr_eq(old, &s))
        {
            self.reference_points = reference_layer(&s, self.reference_points.take());
            self.snapshot = Some(s);
            if matches!(
                self.view.heatmap,
                HeatmapKind::Prior | HeatmapKind::Posterior
            ) {
                self.heatmap = None;
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
            } else if self.config.prior.kind == crate::experiment::config::PriorKind::Brownian {
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
        self.heatmap = None;
        self.time_index = self.time_index.min(self.config.sampler.steps);
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
            })),
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

    /// Loads a sketch PNG onto the data view's area; a file that is not an image changes nothing.
    pub fn load_sketch(&mut self, path: &std::path::Path) {
        match Sketch::load_png(path, self.area, 64) {
            Ok(sketch) => {
                self.sketch = Some(sketch);
                self.apply_sketch();
                self.say(format!("loaded sketch {}", path.display()));
            }
            Err(e) => self.fail(e.to_string()),
        }
    }

    fn apply_sketch(&mut self) {
        if let Some(sketch) = &self.sketch {
            self.config.constraint.kind = ConstraintKind::Grid;
            self.config.constraint.grid = sketch.to_grid_config();
            self.constraint_changed();
        }
    }

    /// The constraint in the panels changed: redraw its heatmap now, re-target soon.
    pub fn constraint_changed(&mut self) {
        self.heatmap = None;
        self.constraint_pending = Some(Instant::now());
    }

    pub fn export_data(&self) -> ExportData {
        ExportData {
            title: self.config.name.clone(),
            snapshot: self.snapshot.clone(),
            history: self.history.clone(),
            time_index: self.time_index,
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

    fn export_samples(&mut self, path: PathBuf) {
        let Some(snapshot) = self.snapshot.clone() else {
            self.fail("there are no samples to export yet");
            return;
        };
        self.exports_running += 1;
        self.background.run(move || {
            let mut sets = vec![("sampler", &snapshot.samples)];
            if let Some(r) = &snapshot.reference_samples {
                sets.push(("reference", r));
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

    pub fn start_lesson(&mut self, index: usize) {
        let Some(lesson) = lessons::LESSONS.get(index) else {
            return;
        };
        let config = (lesson.config)();
        self.lesson = Some(index);
        self.history = History::default();
        self.info = None;
        self.send(Command::Configure(Box::new(config.clone())));
        self.config = config;
        // A lesson always starts from a fresh experiment, even with the same prior.
        self.send(Command::Reset);
        self.say(format!("lesson: {}", lesson.title));
    }

    fn toggle_play(&self) {
        self.send(if self.playing {
            Command::Pause
        } else {
            Command::Play
        });
    }

    fn keyboard(&mut self, ctx: &egui::Context) {
        if ctx.memory(|m| m.focused().is_some()) {
            return;
        }
        use egui::{Key, Modifiers};
        let (space, s, r, e, left, right, f1, save, open, escape) = ctx.input_mut(|i| {
            (
                i.consume_key(Modifiers::NONE, Key::Space),
                i.consume_key(Modifiers::NONE, Key::S),
                i.consume_key(Modifiers::NONE, Key::R),
                i.consume_key(Modifiers::NONE, Key::E),
                i.consume_key(Modifiers::NONE, Key::ArrowLeft),
                i.consume_key(Modifiers::NONE, Key::ArrowRight),
                i.consume_key(Modifiers::NONE, Key::F1),
                i.consume_key(Modifiers::COMMAND, Key::S),
                i.consume_key(Modifiers::COMMAND, Key::O),
                i.consume_key(Modifiers::NONE, Key::Escape),
            )
        });
        if escape {
            self.selection.clear();
        }
        if space {
            self.toggle_play();
        }
        if s {
            self.send(Command::Step);
        }
        if r {
            self.history = History::default();
            self.send(Command::Reset);
        }
        if e {
            self.send(Command::Evaluate);
        }
        if left {
            self.time_index = self.time_index.saturating_sub(1);
        }
        if right {
            self.time_index = (self.time_index + 1).min(self.config.sampler.steps);
        }
        if f1 {
            self.show_help = !self.show_help;
        }
        if save {
            self.background
                .dialog(Purpose::SaveExperiment, true, &[], "");
        }
        if open {
            self.background
                .dialog(Purpose::OpenExperiment, false, &[], "");
        }
    }

    fn advance_time(&mut self, ctx: &egui::Context) {
        if !self.time_playing {
            return;
        }
        let dt = ctx.input(|i| i.stable_dt).min(0.1);
        let steps = self.config.sampler.steps.max(1);
        self.time_accumulator += dt * self.view.time_speed * steps as f32;
        while self.time_accumulator >= 1.0 {
            self.time_accumulator -= 1.0;
            self.time_index = if self.time_index >= steps {
                0
            } else {
                self.time_index + 1
            };
        }
        ctx.request_repaint();
    }

    /// The whole UI, one frame.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let started = Instant::now();
        let ctx = ui.ctx().clone();
        self.pump();
        self.keyboard(&ctx);
        self.advance_time(&ctx);

        egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        egui::Panel::left("controls")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| panels::controls(self, ui));
            });
        egui::Panel::right("curves")
            .resizable(true)
            .default_size(420.0)
            .show(ui, |ui| {
                egui::Panel::bottom("modes")
                    .resizable(true)
                    .default_size(220.0)
                    .show(ui, |ui| views::modes(self, ui));
                egui::CentralPanel::default().show(ui, |ui| curves::curves(self, ui));
            });
        egui::CentralPanel::default().show(ui, |ui| {
            egui::Panel::bottom("trajectories")
                .resizable(true)
                .default_size(300.0)
                .min_size(220.0)
                .show(ui, |ui| views::trajectories(self, ui));
            if self.snapshot.as_ref().is_some_and(|s| s.noise.is_some()) {
                let half = ui.available_width() / 2.0;
                egui::Panel::left("noise_view")
                    .resizable(true)
                    .default_size(half)
                    .show(ui, |ui| noise_view::noise_view(self, ui));
            }
            egui::CentralPanel::default().show(ui, |ui| views::data_view(self, ui));
        });
        self.windows(&ctx);
        if self.playing {
            // Paced by vsync: the views follow training at the display's rate.
            ctx.request_repaint();
        } else if self.constraint_pending.is_some() || self.background_busy() {
            ctx.request_repaint_after(Duration::from_millis(30));
        }
        // eframe's figure for the previous frame includes tessellation and rendering.
        let ui_ms = started.elapsed().as_secs_f32() * 1000.0;
        let frame_ms = self.last_frame_cpu_ms.take().unwrap_or(0.0).max(ui_ms);
        self.frames.record(Instant::now(), frame_ms);
        log::debug!(target: "frames", "frame work {frame_ms:.1} ms, ui {ui_ms:.1} ms");
    }

    fn menu_bar(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("Open experiment…  (Ctrl+O)").clicked() {
                    self.background
                        .dialog(Purpose::OpenExperiment, false, &[], "");
                }
                if ui.button("Save experiment…  (Ctrl+S)").clicked() {
                    self.background
                        .dialog(Purpose::SaveExperiment, true, &[], "");
                }
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
            if ui.button("Help (F1)").clicked() {
                self.show_help = !self.show_help;
            }
            ui.separator();
            let play = if self.playing {
                "▮▮ Pause"
            } else {
                "▶ Play"
            };
            if ui.button(play).on_hover_text("Space").clicked() {
                self.toggle_play();
            }
            if ui.button("Step").on_hover_text("S").clicked() {
                self.send(Command::Step);
            }
            if ui.button("Reset").on_hover_text("R").clicked() {
                self.history = History::default();
                self.send(Command::Reset);
            }
            if ui.button("Evaluate").on_hover_text("E").clicked() {
                self.send(Command::Evaluate);
            }
            ui.separator();
            ui.label(format!("iteration {}", self.iteration()));
            if let Some(rate) = self.it_per_s() {
                ui.label(format!("{rate:.1} it/s"));
            }
        });
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
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

    fn windows(&mut self, ctx: &egui::Context) {
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
                    ui.label(HELP);
                });
        }
    }
}

const HELP: &str = "Posterior Studio trains a diffusion sampler of p(x)·r(x)^β.\n\n\
Space  play / pause training\n\
S      one training step\n\
R      reset the sampler (the prior is kept)\n\
E      evaluate now (metrics, mode bars)\n\
← / →  move the trajectory time\n\
Ctrl+S save the experiment (a folder)\n\
Ctrl+O open an experiment\n\
F1     this help\n\
Esc    clear the brushed selection\n\n\
Data view tools: Navigate (drag to pan, scroll to zoom), Edit (click to place an observation, \
drag box corners, the annulus centre or rim, the half-plane boundary), Sketch (paint r; \
the sketch becomes a grid constraint).\n\n\
Generator priors: hover a view, or Shift + drag a box in it, to highlight the same samples in \
the noise view (z) and the data view (x = f(z)); a click or Esc clears the box.";

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

    fn on_exit(&mut self) {
        // Queued behind any running step; the worker finishes it before it shuts down.
        if let Some(dir) = &self.autosave_dir
            && self.info.is_some()
        {
            self.send(Command::Save(dir.clone()));
        }
    }
}

/// The reference samples as a flat x, y array, reused while they are the same samples (a
/// new snapshot carries a copy of the same reference every time).
fn reference_layer(
    snapshot: &Snapshot,
    previous: Option<(u64, Arc<Vec<f32>>)>,
) -> Option<(u64, Arc<Vec<f32>>)> {
    let reference = snapshot
        .reference_samples
        .as_ref()
        .filter(|r| r.dim() >= 2)?;
    let head = reference.as_slice().iter().take(256);
    let key = head.fold(reference.len() as u64, |h, v| {
        h.wrapping_mul(0x100000001b3)
            .wrapping_add(v.to_bits() as u64)
    });
    if let Some(previous) = previous.filter(|p| p.0 == key) {
        return Some(previous);
    }
    let flat = reference.rows().flat_map(|r| [r[0], r[1]]).collect();
    Some((key, Arc::new(flat)))
}

/// egui's built-in font lacks symbols the app uses (▶ ▮▮ σ β x₀ …): DejaVu Sans, which the
/// exported figures use too, fills them in.
pub fn install_fonts(ctx: &egui::Context) {
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        ctx.add_font(egui::epaint::text::FontInsert {
            name: format!("dejavu-{family:?}"),
            data: egui::FontData::from_static(include_bytes!("../../assets/fonts/DejaVuSans.ttf")),
            families: vec![egui::epaint::text::InsertFontFamily {
                family,
                priority: egui::epaint::text::FontPriority::Lowest,
            }],
        });
    }
}

/// A renderer setup that draws on the wgpu device burn trains on, instead of a second device.
pub fn render_on(setup: burn::tensor::wgpu::WgpuSetup) -> eframe::egui_wgpu::WgpuSetup {
    eframe::egui_wgpu::WgpuSetup::Existing(eframe::egui_wgpu::WgpuSetupExisting {
        instance: setup.instance,
        adapter: setup.adapter,
        device: setup.device,
        queue: setup.queue,
    })
}

/// Opens the desktop app; `backend` overrides where the experiments train. When training
/// runs on a wgpu device, eframe draws on that same device (one device, one queue, as brush
/// does) instead of opening a second one on the same GPU.
pub fn run(backend: Option<BackendChoice>) -> anyhow::Result<()> {
    let mut options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Posterior Studio")
            .with_inner_size([1500.0, 920.0]),
        ..Default::default()
    };
    if let Some(setup) = backend::select(backend.unwrap_or_default()).wgpu_setup {
        options.wgpu_options.wgpu_setup = render_on(setup);
    }
    if std::env::var_os("POSTERIOR_STUDIO_NO_VSYNC").is_some() {
        options.wgpu_options.surface.present_mode = eframe::wgpu::PresentMode::AutoNoVsync;
    }
    eframe::run_native(
        "Posterior Studio",
        options,
        Box::new(move |cc| Ok(Box::new(StudioApp::new(cc, backend)))),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}
