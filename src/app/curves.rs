//! Training curves, x = iteration. Long runs are drawn bucketed: a smoothed line plus the
//! bucket's min and max, so that spikes stay visible however far one zooms out.

use eframe::egui;
use egui_plot::{HLine, Legend, Line, Plot, Points};

use super::StudioApp;

type Series = Vec<[f64; 2]>;

/// At most this many buckets are drawn per curve.
const BUCKETS: usize = 600;

/// The legend entry of the IW log Z error bars.
const INTERVAL: &str = "IW log Z ± 2 SE";

/// What a plot draws besides its series.
#[derive(Default)]
struct Marks<'a> {
    /// A horizontal line: (name, value).
    reference: Option<(&'a str, f64)>,
    /// Error bars: (x, low, high).
    intervals: &'a [[f64; 3]],
}

/// (smoothed, lower envelope, upper envelope) of finite points.
pub fn envelope(points: &[[f64; 2]], window: usize) -> (Series, Series, Series) {
    let finite: Vec<[f64; 2]> = points
        .iter()
        .copied()
        .filter(|p| p[1].is_finite())
        .collect();
    if finite.is_empty() {
        return (Vec::new(), Vec::new(), Vec::new());
    }
    // Moving average over `window` points, with a running sum.
    let window = window.max(1);
    let mut smooth = Vec::with_capacity(finite.len());
    let mut sum = 0.0;
    for (i, p) in finite.iter().enumerate() {
        sum += p[1];
        if i >= window {
            sum -= finite[i - window][1];
        }
        let n = (i + 1).min(window) as f64;
        smooth.push([p[0], sum / n]);
    }
    let per = finite.len().div_ceil(BUCKETS).max(1);
    let mut line = Vec::new();
    let mut lo = Vec::new();
    let mut hi = Vec::new();
    for (chunk, s) in finite.chunks(per).zip(smooth.chunks(per)) {
        let x = chunk[chunk.len() / 2][0];
        let min = chunk.iter().map(|p| p[1]).fold(f64::INFINITY, f64::min);
        let max = chunk.iter().map(|p| p[1]).fold(f64::NEG_INFINITY, f64::max);
        line.push([x, s[s.len() / 2][1]]);
        lo.push([x, min]);
        hi.push([x, max]);
    }
    (line, lo, hi)
}

fn series_plot(
    ui: &mut egui::Ui,
    id: &str,
    title: &str,
    height: f32,
    series: Vec<(String, Vec<[f64; 2]>, bool)>,
    marks: Marks,
    smoothing: usize,
) {
    ui.label(egui::RichText::new(title).small().strong());
    Plot::new(id)
        .height(height)
        .legend(Legend::default())
        .link_axis(egui::Id::unique("curves_x"), [true, false])
        .link_cursor(egui::Id::unique("curves_x"), [true, false])
        .allow_scroll(false)
        .show(ui, |plot| {
            for (name, points, smooth) in series {
                let name = name.as_str();
                if smooth {
                    let (line, lo, hi) = envelope(&points, smoothing);
                    let faint = plot_color(name).gamma_multiply(0.35);
                    plot.line(Line::new(name, lo).color(faint).width(1.0));
                    plot.line(Line::new(name, hi).color(faint).width(1.0));
                    plot.line(Line::new(name, line).color(plot_color(name)).width(1.5));
                } else {
                    if name.ends_with(" space)") {
                        // Evaluations are sparse: mark them, so that even one shows.
                        plot.points(
                            Points::new(name, points.clone())
                                .color(plot_color(name))
                                .radius(2.5),
                        );
                    }
                    plot.line(Line::new(name, points).color(plot_color(name)).width(1.5));
                }
            }
            // (x, low, high): one vertical bar per evaluation, in the colour of IW log Z.
            for &[x, low, high] in marks.intervals {
                plot.line(
                    Line::new(INTERVAL, vec![[x, low], [x, high]])
                        .color(plot_color("IW log Z").gamma_multiply(0.6))
                        .width(3.0),
                );
            }
            if let Some((name, value)) = marks.reference {
                plot.hline(HLine::new(name, value).color(egui::Color32::from_rgb(214, 39, 40)));
            }
        });
}

fn plot_color(name: &str) -> egui::Color32 {
    match name {
        "loss" | "IW log Z" | "modes covered" => egui::Color32::from_rgb(31, 119, 180),
        "learned log Z" | "mode TV" => egui::Color32::from_rgb(255, 127, 14),
        "ELBO" => egui::Color32::from_rgb(44, 160, 44),
        "ESS" => egui::Color32::from_rgb(148, 103, 189),
        // The previous run of a space switch, for comparison.
        n if n.ends_with(" space)") => egui::Color32::from_rgb(188, 189, 34),
        _ => egui::Color32::GRAY,
    }
}

/// `series` plus the previous run's `what` (named "what (… space)"), when there is one.
fn with_previous(
    mut series: Vec<(String, Vec<[f64; 2]>, bool)>,
    what: &str,
    points: Vec<[f64; 2]>,
    previous: Option<&str>,
) -> Vec<(String, Vec<[f64; 2]>, bool)> {
    if let Some(name) = previous
        && !points.is_empty()
    {
        series.push((format!("{what} ({name})"), points, false));
    }
    series
}

pub fn curves(app: &mut StudioApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        ui.strong("Training curves");
        ui.add(
            egui::Slider::new(&mut app.view.smoothing, 1..=500)
                .logarithmic(true)
                .text("smoothing"),
        );
    });
    let steps = &app.history.steps;
    let evals = &app.history.evaluations;
    let smoothing = app.view.smoothing;
    let eval = |f: &dyn Fn(&crate::metrics::Metrics) -> Option<f64>| -> Vec<[f64; 2]> {
        evals
            .iter()
            .filter_map(|m| f(m).map(|v| [m.run.iterations as f64, v]))
            .collect()
    };
    let loss: Vec<[f64; 2]> = steps
        .iter()
        .map(|s| [s.iteration as f64, s.loss.max(1e-12).log10()])
        .collect();
    let log_z: Vec<[f64; 2]> = steps
        .iter()
        .map(|s| [s.iteration as f64, s.log_z])
        .collect();
    let rate: Vec<[f64; 2]> = steps
        .iter()
        .map(|s| [s.iteration as f64, 1.0 / s.seconds.max(1e-6)])
        .collect();
    let reference = evals.iter().rev().find_map(|m| m.log_z.log_z_ref);
    // The delta method's standard error says how far IW log Z may move by chance alone.
    let intervals: Vec<[f64; 3]> = evals
        .iter()
        .filter_map(|m| {
            let (z, se) = (m.log_z.log_z_iw?, m.log_z.log_z_iw_se?);
            (z.is_finite() && se.is_finite()).then_some([
                m.run.iterations as f64,
                z - 2.0 * se,
                z + 2.0 * se,
            ])
        })
        .collect();
    let (elbo, iw, ess) = (
        eval(&|m| m.log_z.elbo),
        eval(&|m| m.log_z.log_z_iw),
        eval(&|m| m.log_z.ess),
    );
    let (covered, tv) = (
        eval(&|m| m.modes.fit.modes_covered.map(|v| v as f64)),
        eval(&|m| m.modes.fit.mode_tv),
    );
    // After a switch between data and noise space, the previous run's curves stay beside.
    let previous_name = app.comparison.as_ref().map(|(name, _)| name.clone());
    let previous = |f: &dyn Fn(&crate::metrics::Metrics) -> Option<f64>| -> Vec<[f64; 2]> {
        app.comparison.as_ref().map_or_else(Vec::new, |(_, h)| {
            h.evaluations
                .iter()
                .filter_map(|m| f(m).map(|v| [m.run.iterations as f64, v]))
                .collect()
        })
    };
    let (previous_iw, previous_tv) = (
        previous(&|m| m.log_z.log_z_iw),
        previous(&|m| m.modes.fit.mode_tv),
    );
    let previous_name = previous_name.as_deref();
    let h = ((ui.available_height() - 5.0 * 24.0) / 5.0).max(70.0);
    egui::ScrollArea::vertical().show(ui, |ui| {
        series_plot(
            ui,
            "loss",
            "log₁₀ loss",
            h,
            vec![("loss".into(), loss, true)],
            Marks::default(),
            smoothing,
        );
        series_plot(
            ui,
            "log_z",
            "log Z: learned, ELBO, IW ± 2 SE (red: reference)",
            h,
            with_previous(
                vec![
                    ("learned log Z".into(), log_z, true),
                    ("ELBO".into(), elbo, false),
                    ("IW log Z".into(), iw, false),
                ],
                "IW log Z",
                previous_iw,
                previous_name,
            ),
            Marks {
                reference: reference.map(|r| ("reference log Z", r)),
                intervals: &intervals,
            },
            smoothing,
        );
        series_plot(
            ui,
            "ess",
            "effective sample size (fraction)",
            h,
            vec![("ESS".into(), ess, false)],
            Marks::default(),
            smoothing,
        );
        series_plot(
            ui,
            "modes",
            "modes covered, mode TV",
            h,
            with_previous(
                vec![
                    ("modes covered".into(), covered, false),
                    ("mode TV".into(), tv, false),
                ],
                "mode TV",
                previous_tv,
                previous_name,
            ),
            Marks::default(),
            smoothing,
        );
        series_plot(
            ui,
            "rate",
            "iterations / s",
            h,
            vec![("it/s".into(), rate, true)],
            Marks::default(),
            smoothing,
        );
    });
}

#[cfg(test)]
mod tests {
    use super::envelope;

    #[test]
    fn the_envelope_keeps_a_single_spike() {
        let mut points: Vec<[f64; 2]> = (0..10_000).map(|i| [i as f64, 1.0]).collect();
        points[4321][1] = 100.0;
        let (line, _lo, hi) = envelope(&points, 50);
        assert!(line.len() <= 600);
        assert!(
            hi.iter().any(|p| p[1] == 100.0),
            "the spike survives bucketing"
        );
        assert!(
            line.iter().all(|p| p[1] < 100.0),
            "but the smoothed line damps it"
        );
    }
}
