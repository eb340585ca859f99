//! The trajectory view: prior and sampler paths side by side with a time scrubber.

use eframe::egui;
use egui_plot::{Line, Plot, Points};

use super::*;
use crate::app::StudioApp;
use crate::export::views::{paths, states_at};

pub fn trajectories(app: &mut StudioApp, ui: &mut egui::Ui) {
    if let Some(shape) = app.info.as_ref().and_then(|i| i.image_shape) {
        super::strips(app, ui, shape);
        return;
    }
    let steps = app.config.sampler.steps.max(1);
    ui.horizontal(|ui| {
        ui.strong("Trajectories");
        let label = if app.time.playing { "▮▮" } else { "▶" };
        if ui
            .button(label)
            .on_hover_text("play the time axis")
            .clicked()
        {
            app.time.playing = !app.time.playing;
        }
        let mut k = app.time.index.min(steps);
        ui.add(
            egui::Slider::new(&mut k, 0..=steps)
                .custom_formatter(move |v, _| format!("t = {:.2}", v / steps as f64))
                .text("← →"),
        );
        app.time.index = k;
        ui.add(
            egui::Slider::new(&mut app.view.time_speed, 0.05..=2.0)
                .logarithmic(true)
                .text("speed"),
        );
        ui.add(
            egui::DragValue::new(&mut app.view.trajectories_shown)
                .range(0..=1000)
                .suffix(" paths"),
        );
        if app.snapshot.as_ref().is_some_and(|s| s.noise.is_some()) {
            ui.selectable_value(&mut app.view.trajectories_in_noise, false, "f(z_t) in x");
            ui.selectable_value(&mut app.view.trajectories_in_noise, true, "z_t");
        }
    });
    let Some(snapshot) = app.shown_snapshot() else {
        ui.label("waiting for the first snapshot…");
        return;
    };
    let k = app.time.index;
    let shown = app.view.trajectories_shown;
    // In noise space the paths live in z; their images f(z_t) share the data view's axes.
    let in_noise = snapshot
        .noise
        .as_ref()
        .filter(|_| app.view.trajectories_in_noise);
    let (prior_paths, sampler_paths, axes) = match in_noise {
        Some(n) => (&n.prior_trajectories, &n.trajectories, "noise_space"),
        None => (
            &snapshot.prior_trajectories,
            &snapshot.trajectories,
            "space",
        ),
    };
    ui.columns(2, |columns| {
        for (col, (name, traj, color)) in columns.iter_mut().zip([
            ("prior", prior_paths, PRIOR),
            ("sampler", sampler_paths, SAMPLER),
        ]) {
            col.label(name);
            let marginal = states_at(&traj.states, traj.count, k.min(traj.steps));
            let lines = paths(&traj.states, traj.steps, traj.count, shown);
            let height = col.available_height().max(160.0);
            Plot::new(format!("traj_{name}_{axes}"))
                .data_aspect(1.0)
                .height(height)
                .link_axis(egui::Id::unique(axes), [true, true])
                .show(col, |plot| {
                    let faint = color.gamma_multiply(0.3);
                    for (i, l) in lines.into_iter().enumerate() {
                        let pts: Vec<[f64; 2]> = l.into_iter().map(|(x, y)| [x, y]).collect();
                        plot.line(
                            Line::new(format!("{name} path {i}"), pts)
                                .color(faint)
                                .width(0.8),
                        );
                    }
                    plot.points(
                        Points::new(format!("{name} at t"), plot_points(&marginal, 5000))
                            .color(egui::Color32::BLACK)
                            .radius(1.5),
                    );
                });
        }
    });
}
