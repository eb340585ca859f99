//! The workbench's views as clean figures (PNG or SVG by extension) through the engine's
//! plotters code: no UI chrome, shared axes, readable labels. The app exports its views with
//! these; the CLI draws its log Z curves with the same function.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::experiment::History;
use crate::experiment::worker::Snapshot;
use crate::export::figure::{
    self, BarPlot, Curve, LinePlot, PRIOR_COLOR, PathPanel, REFERENCE_COLOR, SAMPLER_COLOR,
    ScatterPanel,
};
use crate::math::Points;
use plotters::style::RGBColor;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Data,
    /// The noise space z of a generator prior's sampler.
    Noise,
    Trajectories,
    Curves,
    Modes,
    /// Image grids of prior, reference and sampler samples (image experiments, PNG only).
    Images,
    /// Sampler trajectories as strips of images over t (image experiments, PNG only).
    ImageStrips,
}

impl View {
    pub const ALL: [View; 7] = [
        Self::Data,
        Self::Noise,
        Self::Trajectories,
        Self::Curves,
        Self::Modes,
        Self::Images,
        Self::ImageStrips,
    ];

    pub fn file_stem(self) -> &'static str {
        match self {
            Self::Data => "data_view",
            Self::Noise => "noise_view",
            Self::Trajectories => "trajectories",
            Self::Curves => "training_curves",
            Self::Modes => "mode_coverage",
            Self::Images => "image_grids",
            Self::ImageStrips => "image_trajectories",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Data => "data view",
            Self::Noise => "noise view",
            Self::Trajectories => "trajectories",
            Self::Curves => "training curves",
            Self::Modes => "mode coverage",
            Self::Images => "image grids",
            Self::ImageStrips => "image trajectories",
        }
    }
}

/// Everything a figure needs, copied out of the app so that drawing runs off the UI thread.
#[derive(Clone)]
pub struct ExportData {
    pub title: String,
    pub snapshot: Option<Arc<Snapshot>>,
    pub history: History,
    /// Time step shown by the trajectory view.
    pub time_index: usize,
    /// Width and height when the data are images.
    pub image_shape: Option<(usize, usize)>,
}

/// The image size of an image experiment, for a PNG; `Unsupported` otherwise (export-all
/// skips the view).
fn image_export(data: &ExportData, path: &Path) -> Result<(usize, usize)> {
    let is_png = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    match data.image_shape {
        Some(shape) if is_png => Ok(shape),
        Some(_) => Err(Error::Unsupported("image grids are written as PNG".into())),
        None => Err(Error::Unsupported(
            "this experiment's samples are not images".into(),
        )),
    }
}

use super::image_grid::{self, ImagePanel};

/// Rows k of time-major trajectory states: the particles' positions at step k.
pub fn states_at(states: &Points, count: usize, k: usize) -> Points {
    let dim = states.dim();
    let start = k * count * dim;
    let end = (start + count * dim).min(states.as_slice().len());
    Points::new(dim, states.as_slice()[start.min(end)..end].to_vec())
        .unwrap_or_else(|_| Points::zeros(0, dim))
}

/// Paths of the first `max` particles (first two coordinates).
pub fn paths(states: &Points, steps: usize, count: usize, max: usize) -> Vec<Vec<(f64, f64)>> {
    let dim = states.dim();
    if dim < 2 {
        return Vec::new();
    }
    (0..count.min(max))
        .map(|i| {
            (0..=steps)
                .filter_map(|k| {
                    let row = k * count + i;
                    (row < states.len()).then(|| {
                        let r = states.row(row);
                        (r[0] as f64, r[1] as f64)
                    })
                })
                .collect()
        })
        .collect()
}

fn need_snapshot(data: &ExportData) -> Result<&Snapshot> {
    data.snapshot
        .as_deref()
        .ok_or_else(|| Error::Unsupported("there are no samples to export yet".into()))
}

/// Writes one view to `path` (.png or .svg).
pub fn export_view(view: View, data: &ExportData, path: &Path) -> Result<()> {
    match view {
        View::Images => {
            let (width, height) = image_export(data, path)?;
            let snapshot = need_snapshot(data)?;
            let mut panels = vec![ImagePanel {
                points: &snapshot.prior_samples,
            }];
            if let Some(reference) = &snapshot.reference_samples {
                panels.push(ImagePanel { points: reference });
            }
            panels.push(ImagePanel {
                points: &snapshot.samples,
            });
            image_grid::write_grid(path, &panels, image_grid::standard_layout(width, height))
        }
        View::ImageStrips => {
            let (width, height) = image_export(data, path)?;
            let t = &need_snapshot(data)?.trajectories;
            let rows = t.count.min(8);
            let strips = image_grid::trajectory_strips(&t.states, t.count, t.steps, rows);
            let layout = image_grid::GridLayout {
                columns: image_grid::STRIP_FRAMES,
                rows,
                ..image_grid::standard_layout(width, height)
            };
            image_grid::write_grid(path, &[ImagePanel { points: &strips }], layout)
        }
        View::Data => {
            let snapshot = need_snapshot(data)?;
            let mut panels = vec![ScatterPanel {
                title: "sampler".into(),
                points: &snapshot.samples,
                color: SAMPLER_COLOR,
                markers: snapshot.modes.as_ref(),
            }];
            if let Some(reference) = &snapshot.reference_samples {
                panels.push(ScatterPanel {
                    title: "reference posterior".into(),
                    points: reference,
                    color: REFERENCE_COLOR,
                    markers: snapshot.modes.as_ref(),
                });
            }
            panels.push(ScatterPanel {
                title: "prior".into(),
                points: &snapshot.prior_samples,
                color: PRIOR_COLOR,
                markers: None,
            });
            figure::write_scatter(path, &data.title, &panels)
        }
        View::Noise => {
            let snapshot = need_snapshot(data)?;
            let noise = snapshot.noise.as_ref().ok_or_else(|| {
                Error::Unsupported("the sampler lives in data space: there is no noise view".into())
            })?;
            let mut panels = vec![ScatterPanel {
                title: "sampler in z".into(),
                points: &noise.samples,
                color: SAMPLER_COLOR,
                markers: None,
            }];
            if let Some(reference) = &noise.reference_samples {
                panels.push(ScatterPanel {
                    title: "reference posterior in z".into(),
                    points: reference,
                    color: REFERENCE_COLOR,
                    markers: None,
                });
            }
            panels.push(ScatterPanel {
                title: "prior N(0, I)".into(),
                points: &noise.prior_samples,
                color: PRIOR_COLOR,
                markers: None,
            });
            figure::write_scatter(path, &format!("{} (noise space)", data.title), &panels)
        }
        View::Trajectories => {
            let snapshot = need_snapshot(data)?;
            let sampler = &snapshot.trajectories;
            let prior = &snapshot.prior_trajectories;
            let k = data.time_index.min(sampler.steps);
            let t = k as f64 / sampler.steps.max(1) as f64;
            let sampler_at = states_at(&sampler.states, sampler.count, k);
            let prior_at = states_at(&prior.states, prior.count, k.min(prior.steps));
            let panels = [
                PathPanel {
                    title: format!("prior, t = {t:.2}"),
                    paths: paths(&prior.states, prior.steps, prior.count, 150),
                    color: PRIOR_COLOR,
                    marginal: &prior_at,
                },
                PathPanel {
                    title: format!("sampler, t = {t:.2}"),
                    paths: paths(&sampler.states, sampler.steps, sampler.count, 150),
                    color: SAMPLER_COLOR,
                    marginal: &sampler_at,
                },
            ];
            figure::write_paths(path, &data.title, &panels)
        }
        View::Curves => {
            let steps = &data.history.steps;
            let loss: Vec<(f64, f64)> =
                steps.iter().map(|s| (s.iteration as f64, s.loss)).collect();
            let mut curves = vec![Curve {
                name: "loss".into(),
                points: loss,
                color: SAMPLER_COLOR,
            }];
            let log_z = log_z_curves(&data.history);
            let stem = path.with_extension("");
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("png");
            // One file with the loss (log scale), one beside it with the log Z estimates.
            curves.retain(|c| !c.points.is_empty());
            figure::write_lines(
                path,
                &LinePlot {
                    title: format!("{}: loss", data.title),
                    x_label: "iteration".into(),
                    y_label: "loss".into(),
                    curves,
                    log_y: true,
                },
            )?;
            figure::write_lines(
                &PathBuf::from(format!("{}_log_z.{ext}", stem.display())),
                &LinePlot {
                    title: format!("{}: log Z", data.title),
                    x_label: "iteration".into(),
                    y_label: "log Z".into(),
                    curves: log_z,
                    log_y: false,
                },
            )
        }
        View::Modes => {
            let last = data.history.evaluations.last().ok_or_else(|| {
                Error::Unsupported("no evaluation yet: press E or wait for one".into())
            })?;
            if last.modes.mode_reference_share.is_empty() {
                return Err(Error::Unsupported(
                    "this experiment has no modes to show".into(),
                ));
            }
            figure::write_bars(
                path,
                &BarPlot {
                    title: format!(
                        "{}: mode weights at iteration {} ({}/{} covered, TV {:.3})",
                        data.title,
                        last.run.iterations,
                        last.modes.fit.modes_covered.unwrap_or(0),
                        last.modes.modes_total.unwrap_or(0),
                        last.modes.fit.mode_tv.unwrap_or(f64::NAN)
                    ),
                    x_label: "mode".into(),
                    y_label: "share of samples".into(),
                    categories: (0..last.modes.mode_reference_share.len())
                        .map(|i| i.to_string())
                        .chain(last.modes.fit.outside_share.map(|_| "outside".to_string()))
                        .collect(),
                    series: vec![
                        (
                            "sampler".into(),
                            SAMPLER_COLOR,
                            with_outside(
                                &last.modes.mode_sampler_share,
                                last.modes.fit.outside_share,
                            ),
                        ),
                        (
                            "reference".into(),
                            REFERENCE_COLOR,
                            with_outside(
                                &last.modes.mode_reference_share,
                                last.modes.outside_share_ref,
                            ),
                        ),
                    ],
                },
            )
        }
    }
}

fn with_outside(shares: &[f64], outside: Option<f64>) -> Vec<f64> {
    shares.iter().copied().chain(outside).collect()
}

/// The log Z estimates of a run against the iteration: learned log Z at every step, ELBO and
/// IW log Z at every evaluation, and the reference log Z as a line.
pub fn log_z_curves(history: &History) -> Vec<Curve> {
    let steps = &history.steps;
    let evals = &history.evaluations;
    let series = |f: &dyn Fn(&crate::metrics::Metrics) -> Option<f64>| -> Vec<(f64, f64)> {
        evals
            .iter()
            .filter_map(|m| f(m).map(|v| (m.run.iterations as f64, v)))
            .collect()
    };
    let mut curves = vec![
        Curve {
            name: "learned log Z".into(),
            points: steps
                .iter()
                .map(|s| (s.iteration as f64, s.log_z))
                .collect(),
            color: PRIOR_COLOR,
        },
        Curve {
            name: "ELBO".into(),
            points: series(&|m| m.log_z.elbo),
            color: RGBColor(44, 160, 44),
        },
        Curve {
            name: "IW log Z".into(),
            points: series(&|m| m.log_z.log_z_iw),
            color: SAMPLER_COLOR,
        },
    ];
    if let Some(reference) = evals.iter().rev().find_map(|m| m.log_z.log_z_ref) {
        let x1 = steps
            .last()
            .map(|s| s.iteration as f64)
            .or_else(|| evals.last().map(|m| m.run.iterations as f64))
            .unwrap_or(1.0);
        curves.push(Curve {
            name: "reference log Z".into(),
            points: vec![(0.0, reference), (x1, reference)],
            color: REFERENCE_COLOR,
        });
    }
    curves.retain(|c| !c.points.is_empty());
    curves
}

/// The log Z curves of a run as one figure.
pub fn write_log_z_curves(path: &Path, title: &str, history: &History) -> Result<()> {
    figure::write_lines(
        path,
        &LinePlot {
            title: format!("{title}: log Z during training"),
            x_label: "iteration".into(),
            y_label: "log Z".into(),
            curves: log_z_curves(history),
            log_y: false,
        },
    )
}

/// Writes every view as PNG and SVG into `folder`; returns the files written.
pub fn export_all(data: &ExportData, folder: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(folder).map_err(|e| Error::bad_file(folder, e.to_string()))?;
    let mut written = Vec::new();
    for view in View::ALL {
        for ext in ["png", "svg"] {
            let path = folder.join(format!("{}.{ext}", view.file_stem()));
            match export_view(view, data, &path) {
                Ok(()) => written.push(path),
                Err(Error::Unsupported(_)) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(written)
}
