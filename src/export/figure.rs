//! Clean figures for papers, drawn with plotters: scatter panels of 2-D samples (sampler vs
//! reference) and line plots of training curves. The file extension picks PNG or SVG. Text
//! uses the bundled DejaVu Sans, so figures look the same on every machine.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::math::Points;

static FONT: Once = Once::new();

fn register_font() {
    FONT.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        // The bundled font is known good; if registration ever failed, text would be missing,
        // never the figure.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, bytes);
    });
}

/// One panel of points with a title.
pub struct ScatterPanel<'a> {
    pub title: String,
    pub points: &'a Points,
    pub color: RGBColor,
    /// Optional mode centres drawn as crosses.
    pub markers: Option<&'a Points>,
}

/// One named curve.
pub struct Curve {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
}

/// A line plot, optionally with a logarithmic y axis.
pub struct LinePlot {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub curves: Vec<Curve>,
    pub log_y: bool,
}

pub const SAMPLER_COLOR: RGBColor = RGBColor(31, 119, 180);
pub const REFERENCE_COLOR: RGBColor = RGBColor(214, 39, 40);
pub const PRIOR_COLOR: RGBColor = RGBColor(127, 127, 127);

fn is_svg(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
}

fn plot_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::bad_file(path, format!("cannot draw the figure: {e}"))
}

/// Something that draws itself on any plotters backend.
trait Draw {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()>;
}

/// A chart of one kind that draws itself on any backend (`path` names it in errors).
trait Chart {
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, path: &Path)
    -> Result<()>;
}

impl Chart for LinePlot {
    fn draw_on<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        path: &Path,
    ) -> Result<()> {
        draw_lines(area, path, self)
    }
}

impl Chart for BarPlot {
    fn draw_on<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        path: &Path,
    ) -> Result<()> {
        draw_bars(area, path, self)
    }
}

/// One chart to render into the file at `path`.
struct PlotJob<'a, C> {
    path: &'a Path,
    plot: &'a C,
}

impl<C: Chart> Draw for PlotJob<'_, C> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        self.plot.draw_on(area, self.path)
    }
}

/// Renders with the backend the extension asks for, into memory, then writes atomically.
fn render(path: &Path, size: (u32, u32), job: &impl Draw) -> Result<()> {
    register_font();
    if is_svg(path) {
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
            root.fill(&WHITE).map_err(|e| plot_error(path, e))?;
            job.draw(&root)?;
            root.present().map_err(|e| plot_error(path, e))?;
        }
        crate::files::write_atomic(path, svg.as_bytes())
    } else {
        let mut pixels = vec![0u8; (size.0 * size.1 * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
            root.fill(&WHITE).map_err(|e| plot_error(path, e))?;
            job.draw(&root)?;
            root.present().map_err(|e| plot_error(path, e))?;
        }
        let image = image::RgbImage::from_raw(size.0, size.1, pixels)
            .ok_or_else(|| plot_error(path, "pixel buffer size"))?;
        let mut bytes = Vec::new();
        image
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .map_err(|e| plot_error(path, e))?;
        crate::files::write_atomic(path, &bytes)
    }
}

/// Square bounds that hold every panel's points (first two coordinates), with a margin.
pub fn common_bounds(panels: &[ScatterPanel<'_>]) -> ((f64, f64), (f64, f64)) {
    let mut lo = [f64::INFINITY; 2];
    let mut hi = [f64::NEG_INFINITY; 2];
    for panel in panels {
        for row in panel.points.rows() {
            for j in 0..2.min(row.len()) {
                let v = row[j] as f64;
                if v.is_finite() {
                    lo[j] = lo[j].min(v);
                    hi[j] = hi[j].max(v);
                }
            }
        }
    }
    if !lo[0].is_finite() {
        return ((-1.0, 1.0), (-1.0, 1.0));
    }
    let centre = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
    let half = ((hi[0] - lo[0]).max(hi[1] - lo[1]) / 2.0 * 1.08).max(1e-3);
    (
        (centre[0] - half, centre[0] + half),
        (centre[1] - half, centre[1] + half),
    )
}

fn draw_scatter<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    path: &Path,
    title: &str,
    panels: &[ScatterPanel<'_>],
    bounds: ((f64, f64), (f64, f64)),
) -> Result<()> {
    let area = area
        .titled(title, ("sans-serif", 26))
        .map_err(|e| plot_error(path, e))?;
    let cells = area.split_evenly((1, panels.len().max(1)));
    for (cell, panel) in cells.iter().zip(panels) {
        let mut chart = ChartBuilder::on(cell)
            .caption(&panel.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(44)
            .build_cartesian_2d(bounds.0.0..bounds.0.1, bounds.1.0..bounds.1.1)
            .map_err(|e| plot_error(path, e))?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .label_style(("sans-serif", 14))
            .x_desc("x₀")
            .y_desc("x₁")
            .draw()
            .map_err(|e| plot_error(path, e))?;
        let style = panel.color.mix(0.35).filled();
        chart
            .draw_series(
                panel
                    .points
                    .rows()
                    .filter(|r| r.len() >= 2)
                    .map(|r| Circle::new((r[0] as f64, r[1] as f64), 2, style)),
            )
            .map_err(|e| plot_error(path, e))?;
        if let Some(markers) = panel.markers {
            chart
                .draw_series(
                    markers
                        .rows()
                        .map(|r| Cross::new((r[0] as f64, r[1] as f64), 5, BLACK.stroke_width(2))),
                )
                .map_err(|e| plot_error(path, e))?;
        }
    }
    Ok(())
}

/// Writes side-by-side scatter panels (2-D points) sharing one set of axes.
pub fn write_scatter(path: &Path, title: &str, panels: &[ScatterPanel<'_>]) -> Result<()> {
    if panels.iter().any(|p| p.points.dim() < 2) {
        return Err(Error::Unsupported(
            "scatter figures need points of dimension ≥ 2 (the first two are drawn)".into(),
        ));
    }
    struct Job<'a, 'b> {
        path: &'a Path,
        title: &'a str,
        panels: &'a [ScatterPanel<'b>],
        bounds: ((f64, f64), (f64, f64)),
    }
    impl Draw for Job<'_, '_> {
        fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
            draw_scatter(area, self.path, self.title, self.panels, self.bounds)
        }
    }
    let width = 480 * panels.len().max(1) as u32;
    let job = Job {
        path,
        title,
        panels,
        bounds: common_bounds(panels),
    };
    render(path, (width, 520), &job)
}

fn draw_lines<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    path: &Path,
    plot: &LinePlot,
) -> Result<()> {
    let finite = plot
        .curves
        .iter()
        .flat_map(|c| c.points.iter())
        .filter(|(x, y)| x.is_finite() && y.is_finite() && (!plot.log_y || *y > 0.0));
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for &(x, y) in finite {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if !x0.is_finite() {
        (x0, x1, y0, y1) = (0.0, 1.0, if plot.log_y { 0.1 } else { 0.0 }, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if y1 <= y0 {
        y1 = y0 + y0.abs().max(1.0) * 0.1;
    }
    let pad = (y1 - y0) * 0.05;
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(&plot.title, ("sans-serif", 22))
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(64);
    macro_rules! finish {
        ($chart:expr, $keep:expr) => {{
            let mut chart = $chart.map_err(|e| plot_error(path, e))?;
            chart
                .configure_mesh()
                .light_line_style(WHITE)
                .bold_line_style(RGBColor(225, 225, 225))
                .label_style(("sans-serif", 14))
                .x_desc(plot.x_label.as_str())
                .y_desc(plot.y_label.as_str())
                .draw()
                .map_err(|e| plot_error(path, e))?;
            for curve in &plot.curves {
                let color = curve.color;
                chart
                    .draw_series(LineSeries::new(
                        curve.points.iter().copied().filter($keep),
                        color.stroke_width(2),
                    ))
                    .map_err(|e| plot_error(path, e))?
                    .label(curve.name.as_str())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                    });
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(200, 200, 200))
                .label_font(("sans-serif", 14))
                .draw()
                .map_err(|e| plot_error(path, e))?;
        }};
    }
    if plot.log_y {
        finish!(
            builder.build_cartesian_2d(x0..x1, (y0 * 0.9..y1 * 1.1).log_scale()),
            |(x, y): &(f64, f64)| x.is_finite() && y.is_finite() && *y > 0.0
        );
    } else {
        finish!(
            builder.build_cartesian_2d(x0..x1, y0 - pad..y1 + pad),
            |(x, y): &(f64, f64)| x.is_finite() && y.is_finite()
        );
    }
    Ok(())
}

/// Writes a line plot.
pub fn write_lines(path: &Path, plot: &LinePlot) -> Result<()> {
    render(path, (900, 520), &PlotJob { path, plot })
}

/// Grouped bars: one group per category, one bar of each series in it.
pub struct BarPlot {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub categories: Vec<String>,
    /// (name, colour, one value per category)
    pub series: Vec<(String, RGBColor, Vec<f64>)>,
}

fn draw_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    path: &Path,
    plot: &BarPlot,
) -> Result<()> {
    let n = plot.categories.len().max(1);
    let top = plot
        .series
        .iter()
        .flat_map(|(_, _, v)| v.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.1;
    let mut chart = ChartBuilder::on(area)
        .caption(&plot.title, ("sans-serif", 22))
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5..n as f64 - 0.5, 0.0..top)
        .map_err(|e| plot_error(path, e))?;
    let categories = plot.categories.clone();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225))
        .label_style(("sans-serif", 14))
        .x_labels(n.min(30))
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                categories.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .x_desc(plot.x_label.as_str())
        .y_desc(plot.y_label.as_str())
        .draw()
        .map_err(|e| plot_error(path, e))?;
    let groups = plot.series.len().max(1) as f64;
    let width = 0.8 / groups;
    for (s, (name, color, values)) in plot.series.iter().enumerate() {
        let color = *color;
        let left = -0.4 + s as f64 * width;
        chart
            .draw_series(
                values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_finite())
                    .map(|(i, &v)| {
                        let x = i as f64 + left;
                        Rectangle::new([(x, 0.0), (x + width * 0.92, v)], color.filled())
                    }),
            )
            .map_err(|e| plot_error(path, e))?
            .label(name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(|e| plot_error(path, e))?;
    Ok(())
}

/// Writes a grouped bar chart.
pub fn write_bars(path: &Path, plot: &BarPlot) -> Result<()> {
    render(path, (900, 520), &PlotJob { path, plot })
}

/// One panel of particle paths (first two coordinates) and their positions at one time.
pub struct PathPanel<'a> {
    pub title: String,
    pub paths: Vec<Vec<(f64, f64)>>,
    pub color: RGBColor,
    /// The particles' positions at the time shown.
    pub marginal: &'a Points,
}

/// Writes side-by-side panels of particle paths sharing one set of axes.
pub fn write_paths(path: &Path, title: &str, panels: &[PathPanel<'_>]) -> Result<()> {
    struct Job<'a, 'b> {
        path: &'a Path,
        title: &'a str,
        panels: &'a [PathPanel<'b>],
        bounds: ((f64, f64), (f64, f64)),
    }
    impl Draw for Job<'_, '_> {
        fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
            let area = area
                .titled(self.title, ("sans-serif", 26))
                .map_err(|e| plot_error(self.path, e))?;
            let cells = area.split_evenly((1, self.panels.len().max(1)));
            let (bx, by) = self.bounds;
            for (cell, panel) in cells.iter().zip(self.panels) {
                let mut chart = ChartBuilder::on(cell)
                    .caption(&panel.title, ("sans-serif", 20))
                    .margin(12)
                    .x_label_area_size(34)
                    .y_label_area_size(44)
                    .build_cartesian_2d(bx.0..bx.1, by.0..by.1)
                    .map_err(|e| plot_error(self.path, e))?;
                chart
                    .configure_mesh()
                    .light_line_style(WHITE)
                    .bold_line_style(RGBColor(225, 225, 225))
                    .label_style(("sans-serif", 14))
                    .draw()
                    .map_err(|e| plot_error(self.path, e))?;
                for p in &panel.paths {
                    chart
                        .draw_series(LineSeries::new(p.iter().copied(), panel.color.mix(0.25)))
                        .map_err(|e| plot_error(self.path, e))?;
                }
                chart
                    .draw_series(
                        panel
                            .marginal
                            .rows()
                            .filter(|r| r.len() >= 2)
                            .map(|r| Circle::new((r[0] as f64, r[1] as f64), 2, BLACK.filled())),
                    )
                    .map_err(|e| plot_error(self.path, e))?;
            }
            Ok(())
        }
    }
    let mut all = Points::with_capacity(0, 2);
    for panel in panels {
        for p in &panel.paths {
            for &(x, y) in p {
                all.push(&[x as f32, y as f32]);
            }
        }
    }
    let bounds = common_bounds(&[ScatterPanel {
        title: String::new(),
        points: &all,
        color: BLACK,
        markers: None,
    }]);
    let width = 480 * panels.len().max(1) as u32;
    render(
        path,
        (width, 520),
        &Job {
            path,
            title,
            panels,
            bounds,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_and_svg_scatter_files_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let a = Points::new(2, vec![0.0, 0.0, 1.0, 1.0, -1.0, 0.5]).unwrap();
        let panels = [ScatterPanel {
            title: "reference".into(),
            points: &a,
            color: REFERENCE_COLOR,
            markers: Some(&a),
        }];
        let png = dir.path().join("f.png");
        let svg = dir.path().join("f.svg");
        write_scatter(&png, "test", &panels).unwrap();
        write_scatter(&svg, "test", &panels).unwrap();
        let image = image::open(&png).unwrap();
        assert_eq!(image.width(), 480);
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.starts_with("<svg") && text.contains("reference"));
    }
}
