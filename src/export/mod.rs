//! Getting results out: samples as CSV, figures as PNG or SVG (plotters), the workbench's
//! views as figures, and the colours of heatmaps.

pub mod colour;
pub mod figure;
pub mod image_grid;
pub mod samples_csv;
pub mod views;
