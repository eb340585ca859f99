//! Getting results out: samples as CSV, figures as PNG or SVG (plotters).

pub mod figure;
pub mod samples_csv;
