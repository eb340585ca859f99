//! Many Well's balance: per pair of coordinates, the sampler's share of samples in the right
//! well against the exact share, from every snapshot (live), with the last evaluation's
//! `well_tv` and distinct patterns.

use eframe::egui;
use egui_plot::{Bar, BarChart, HLine, Legend, Plot};

use super::*;
use crate::app::StudioApp;
use crate::metrics::target_metrics::{PATTERN_SAMPLES, well_patterns, well_shares};

pub fn wells(app: &mut StudioApp, ui: &mut egui::Ui, pairs: usize, right_share: f64) {
    let Some(snapshot) = app.snapshot.clone() else {
        ui.label("waiting for the first snapshot…");
        return;
    };
    if snapshot.samples.dim() != 2 * pairs {
        ui.label("waiting for the first snapshot of this experiment…");
        return;
    }
    let shares = well_shares(&snapshot.samples, pairs);
    let live_tv = shares.iter().map(|s| (s - right_share).abs()).sum::<f64>() / pairs.max(1) as f64;
    let patterns = well_patterns(&snapshot.samples.head(PATTERN_SAMPLES), pairs);
    ui.label(format!(
        "iteration {}: share in the right well per pair (truth {:.3}); {} samples: well TV {:.3}, {} distinct patterns",
        snapshot.iteration,
        right_share,
        snapshot.samples.len(),
        live_tv,
        patterns
    ));
    if let Some(last) = app.history.evaluations.last()
        && let (Some(tv), Some(p)) = (last.target.fit.well_tv, last.target.fit.well_patterns)
    {
        ui.label(format!(
            "last evaluation (iteration {}): well TV {tv:.3}, {p} patterns among {PATTERN_SAMPLES} (exact samples: {})",
            last.run.iterations,
            last.target.well_patterns_ref.map_or("—".into(), |r| r.to_string())
        ));
    }
    let bars: Vec<Bar> = shares
        .iter()
        .enumerate()
        .map(|(i, &s)| Bar::new(i as f64, s).width(0.6).name(format!("pair {i}")))
        .collect();
    Plot::new("well_bars")
        .legend(Legend::default())
        .allow_scroll(false)
        .include_y(0.0)
        .include_y(1.0)
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("sampler", bars).color(SAMPLER));
            plot.hline(HLine::new("truth", right_share).color(REFERENCE).width(1.5));
        });
}
