//! The mode-coverage bars: sampler vs reference share per mode, and outside every mode.

use eframe::egui;
use egui_plot::{Bar, BarChart, Legend, Plot};

use super::*;
use crate::app::StudioApp;

pub fn modes(app: &mut StudioApp, ui: &mut egui::Ui) {
    ui.strong("Mode coverage");
    let Some(last) = app.history.evaluations.last() else {
        ui.label("no evaluation yet (E evaluates now; training evaluates every 250 iterations)");
        return;
    };
    if last.modes.mode_reference_share.is_empty() {
        ui.label("this experiment has no modes");
        return;
    }
    ui.label(format!(
        "iteration {}: {}/{} modes covered, mode TV {:.3}",
        last.run.iterations,
        last.modes.fit.modes_covered.unwrap_or(0),
        last.modes.modes_total.unwrap_or(0),
        last.modes.fit.mode_tv.unwrap_or(f64::NAN)
    ));
    // The last bar of each side is the share outside every mode.
    let bars = |shares: &[f64], outside: Option<f64>, offset: f64| -> Vec<Bar> {
        shares
            .iter()
            .copied()
            .chain(outside)
            .enumerate()
            .map(|(i, v)| Bar::new(i as f64 + offset, v).width(0.38))
            .collect()
    };
    let sampler = bars(
        &last.modes.mode_sampler_share,
        last.modes.fit.outside_share,
        -0.2,
    );
    let reference = bars(
        &last.modes.mode_reference_share,
        last.modes.outside_share_ref,
        0.2,
    );
    if let Some(outside) = last.modes.fit.outside_share {
        ui.label(format!(
            "last bar (at {}): outside every mode, sampler {:.1}% vs reference {:.1}%",
            last.modes.mode_sampler_share.len(),
            100.0 * outside,
            100.0 * last.modes.outside_share_ref.unwrap_or(f64::NAN)
        ));
    }
    Plot::new("mode_bars")
        .legend(Legend::default())
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("sampler", sampler).color(SAMPLER));
            plot.bar_chart(BarChart::new("reference", reference).color(REFERENCE));
        });
}
