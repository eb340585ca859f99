//! Where each panel of the workbench sits, and what one frame does: drain the worker's
//! events, answer the keyboard, lay out the panels, and pace the next repaint.

use std::time::{Duration, Instant};

use eframe::egui;

use super::{StudioApp, commands, curves, noise_view, panels, views};

impl StudioApp {
    /// The whole UI, one frame.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let started = Instant::now();
        let ctx = ui.ctx().clone();
        self.pump();
        commands::keyboard(self, &ctx);
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
                // In d > 2 the panel holds the pair plot and the well bars: its own, taller one.
                let high_d = self.info.as_ref().is_some_and(|i| i.dim > 2);
                egui::Panel::bottom(if high_d { "detail_high_d" } else { "modes" })
                    .resizable(true)
                    .default_size(if high_d { 440.0 } else { 220.0 })
                    .min_size(if high_d { 340.0 } else { 120.0 })
                    .show(ui, |ui| views::detail(self, ui));
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
}
