//! Work the app hands to background threads (figure and sample exports, sketch files), so
//! that a frame never waits on a file.

use std::path::PathBuf;

use super::StudioApp;
use crate::constraint::ConstraintKind;
use crate::constraint::sketch::Sketch;
use crate::experiment::presets::apply_sketch_settings;
use crate::export::views::{self as exports, ExportData, View};

impl StudioApp {
    /// Loads a sketch PNG onto the data view's area; a file that is not an image changes nothing.
    pub fn load_sketch(&mut self, path: &std::path::Path) {
        match Sketch::load_png(path, self.area, 64) {
            Ok(sketch) => {
                self.sketch = Some(sketch);
                self.apply_sketch();
                self.say(format!("loaded sketch {}", path.display()));
            }
            Err(e) => self.fail(e.to_string()),
        }
    }

    pub(super) fn apply_sketch(&mut self) {
        if let Some(grid) = self.sketch.as_ref().map(Sketch::to_grid_config) {
            if self.config.constraint.kind != ConstraintKind::Grid {
                apply_sketch_settings(&mut self.config);
                self.say(
                    "sketch: training with the sketch settings (exploration, replay buffer, β \
                     annealed from 0.1); change them in the Training panel",
                );
            }
            self.config.constraint.kind = ConstraintKind::Grid;
            self.config.constraint.grid = grid;
            self.constraint_changed();
        }
    }

    pub fn export_data(&self) -> ExportData {
        ExportData {
            title: self.config.name.clone(),
            snapshot: self.snapshot.clone(),
            history: self.history.clone(),
            time_index: self.time.index,
            image_shape: self.info.as_ref().and_then(|i| i.image_shape),
        }
    }

    /// Writes every view as PNG and SVG into the export folder, off the UI thread.
    pub fn export_all_views(&mut self) {
        let data = self.export_data();
        let folder = PathBuf::from(&self.view.export_dir);
        self.exports_running += 1;
        self.background.run(move || {
            exports::export_all(&data, &folder)
                .map(|files| format!("exported {} figures to {}", files.len(), folder.display()))
                .map_err(|e| e.to_string())
        });
    }

    pub fn export_view(&mut self, view: View, path: PathBuf) {
        let data = self.export_data();
        self.exports_running += 1;
        self.background.run(move || {
            exports::export_view(view, &data, &path)
                .map(|()| format!("exported the {} to {}", view.label(), path.display()))
                .map_err(|e| e.to_string())
        });
    }

    pub(super) fn export_samples(&mut self, path: PathBuf) {
        let Some(snapshot) = self.snapshot.clone() else {
            self.fail("there are no samples to export yet");
            return;
        };
        self.exports_running += 1;
        self.background.run(move || {
            let mut sets = vec![("sampler", &snapshot.samples)];
            if let Some(r) = &snapshot.reference_samples {
                sets.push(("reference", r.points.as_ref()));
            }
            sets.push(("prior", &snapshot.prior_samples));
            crate::export::samples_csv::write_csv(&path, &sets)
                .map(|()| format!("wrote samples to {}", path.display()))
                .map_err(|e| e.to_string())
        });
    }

    /// Jobs (exports, dialogs) still running in the background.
    pub fn background_busy(&self) -> bool {
        self.exports_running > 0 || self.background.dialog_open
    }
}
