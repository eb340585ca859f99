//! The app's own state that is not the experiment's: the pointer tool, view settings that
//! persist between runs, status messages, and frame timing.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::heatmap::HeatmapKind;
use super::noise_projection::NoiseAxes;
use super::pixel_brush::PixelBrush;
use crate::constraint::sketch::Brush;

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
    /// The coordinates the data and trajectory views show (d > 2).
    pub axes: [usize; 2],
    /// The coordinates of the pair plot.
    pub pair_coordinates: Vec<usize>,
    pub detail: DetailView,
    /// The kind of prior "Train prior" trains.
    pub train_kind: crate::experiment::config::PriorKind,
    /// Noise view of a latent with more than two coordinates: two chosen ones, or PCA.
    pub noise_axes: NoiseAxes,
    /// Sampler samples coloured by the classifier's class (image experiments).
    pub colour_by_class: bool,
    /// The observation editor's brush.
    pub pixel_brush: PixelBrush,
}

/// What the detail panel under the curves shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DetailView {
    Modes,
    Pairs,
    Marginals,
    Wells,
    Images,
}

impl DetailView {
    pub const ALL: [DetailView; 5] = [
        Self::Images,
        Self::Modes,
        Self::Pairs,
        Self::Marginals,
        Self::Wells,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Modes => "modes",
            Self::Pairs => "pair plot",
            Self::Marginals => "marginals",
            Self::Wells => "well balance",
            Self::Images => "images",
        }
    }
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
            axes: [0, 1],
            pair_coordinates: Vec::new(),
            detail: DetailView::Modes,
            train_kind: crate::experiment::config::PriorKind::Diffusion,
            noise_axes: NoiseAxes::Pca,
            colour_by_class: true,
            pixel_brush: PixelBrush::default(),
        }
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct Persisted {
    pub config_toml: String,
    pub view: ViewSettings,
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
    pub fn record(&mut self, now: Instant, work_ms: f32) {
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

/// The trajectory view's time scrubber: the step shown and its playback.
#[derive(Clone, Debug, Default)]
pub struct TimeScrubber {
    /// Trajectory time shown, as a step index 0..=T.
    pub index: usize,
    pub playing: bool,
    pub accumulator: f32,
}

impl TimeScrubber {
    /// Moves playback on by `dt` seconds at `speed` sweeps of the `steps` per second.
    pub fn advance(&mut self, dt: f32, speed: f32, steps: usize) {
        let steps = steps.max(1);
        self.accumulator += dt * speed * steps as f32;
        while self.accumulator >= 1.0 {
            self.accumulator -= 1.0;
            self.index = if self.index >= steps {
                0
            } else {
                self.index + 1
            };
        }
    }
}

/// GPU-side pictures kept between frames, each with the key it was made from.
#[derive(Default)]
pub struct Textures {
    pub heatmap: Option<(String, eframe::egui::TextureHandle)>,
    /// The key of the log r field last asked of the worker, and its answer once it came.
    pub log_r_requested: Option<String>,
    pub log_r_field: Option<(String, crate::math::field::Field)>,
    pub noise_heatmap: Option<(String, eframe::egui::TextureHandle)>,
    /// First two coordinates of the reference samples for the GPU points layer, with the
    /// reference's generation.
    pub reference_points: Option<(u64, std::sync::Arc<Vec<f32>>)>,
}

/// Iterations per second over the last few seconds of wall time.
#[derive(Default)]
pub struct Throughput {
    marks: VecDeque<(Instant, usize)>,
}

impl Throughput {
    pub fn record(&mut self, iteration: usize) {
        let now = Instant::now();
        self.marks.push_back((now, iteration));
        while self
            .marks
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > Duration::from_secs(3))
        {
            self.marks.pop_front();
        }
    }

    pub fn clear(&mut self) {
        self.marks.clear();
    }

    pub fn per_second(&self) -> Option<f64> {
        let (a, b) = (self.marks.front()?, self.marks.back()?);
        let dt = b.0.duration_since(a.0).as_secs_f64();
        (dt > 0.2).then(|| (b.1 - a.1) as f64 / dt)
    }
}

/// What the noise view's heatmap shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoiseHeatmap {
    None,
    /// log N(z) + β log r(f(z)).
    Posterior,
    /// log r(f(z)).
    LogR,
    /// log N(z).
    Prior,
}

impl NoiseHeatmap {
    pub const ALL: [Self; 4] = [Self::Posterior, Self::LogR, Self::Prior, Self::None];

    pub fn label(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Posterior => "posterior N(z)·r(f(z))^β",
            Self::LogR => "log r(f(z))",
            Self::Prior => "prior N(z)",
        }
    }
}
