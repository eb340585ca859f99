//! Opening the desktop app: fonts, the shared wgpu device, the window.

use eframe::egui;

use super::StudioApp;
use super::gpu_points;
use super::lessons;
use super::state::{Persisted, ViewSettings};
use crate::backend::{self, BackendChoice};
use crate::experiment::config::ExperimentConfig;
use crate::experiment::worker::Cadence;

pub(super) const STORAGE_KEY: &str = "posterior-studio";

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
        if let Some(dir) = autosave_dir {
            app.offer_autosave(dir);
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
