//! The inpainting observation editor's brush, a view setting that persists between runs.

use serde::{Deserialize, Serialize};

/// What painting on the inpainting observation does.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PixelBrush {
    pub mode: PixelMode,
    /// 0: one pixel; 1: a 3×3 square.
    pub radius: usize,
    /// The value `Draw` observes.
    pub ink: f32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PixelMode {
    /// Add pixels to the mask (they observe the test image).
    Observe,
    /// Take pixels out of the mask.
    Hide,
    /// Draw a value that becomes an observed pixel.
    Draw,
}

impl Default for PixelBrush {
    fn default() -> Self {
        Self {
            mode: PixelMode::Hide,
            radius: 1,
            ink: 1.0,
        }
    }
}
