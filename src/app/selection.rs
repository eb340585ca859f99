//! Linked brushing between the noise view and the data view. Row i of the sampler's z samples
//! maps to row i of its x samples, so a selection made in one view shows in both. Hovering
//! brushes the samples near the pointer; Shift + drag draws a box that stays until a click or
//! Esc clears it. The box lives in the space it was drawn in and picks its rows again from
//! every new snapshot, so it keeps following the sampler as it trains.

use eframe::egui;

use crate::math::Points;

/// The space a selection was made in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Space {
    Noise,
    Data,
    /// A tile of the image grids.
    Images,
}

/// Hovering picks at most this many rows (a dense cluster would otherwise hide the view).
const HOVER_LIMIT: usize = 500;
/// The hover radius as a fraction of the plot's visible width.
const HOVER_RADIUS: f64 = 0.04;

#[derive(Clone, Debug, Default)]
pub struct Selection {
    rows: Vec<usize>,
    /// The view whose pointer chose the rows.
    owner: Option<Space>,
    /// A box being drawn or kept: its space and two corners, in plot coordinates.
    region: Option<(Space, [f64; 2], [f64; 2])>,
    /// The box is finished and stays until cleared.
    pinned: bool,
}

impl Selection {
    /// The selected rows (shown highlighted in both views).
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// Selects rows directly (tests, scripted lessons).
    pub fn set_rows(&mut self, rows: Vec<usize>) {
        self.rows = rows;
        self.owner = None;
        self.region = None;
        self.pinned = false;
    }

    pub fn clear(&mut self) {
        *self = Self::default();
    }

    pub fn is_pinned(&self) -> bool {
        self.pinned
    }

    /// The view whose pointer chose the rows.
    pub fn owner(&self) -> Option<Space> {
        self.owner
    }

    /// Hovering a tile of an image grid brushes its sample (`None`: the pointer left); a box
    /// drawn in another view wins.
    pub fn hover_rows(&mut self, space: Space, rows: Option<Vec<usize>>) {
        if self.region.is_some() {
            return;
        }
        match rows {
            Some(rows) => {
                self.rows = rows;
                self.owner = Some(space);
            }
            None if self.owner == Some(space) => self.clear(),
            None => {}
        }
    }

    /// The box's outline if it belongs to `space`.
    pub fn outline(&self, space: Space) -> Option<Vec<[f64; 2]>> {
        let (s, a, b) = self.region?;
        (s == space).then(|| {
            vec![
                [a[0], a[1]],
                [b[0], a[1]],
                [b[0], b[1]],
                [a[0], b[1]],
                [a[0], a[1]],
            ]
        })
    }

    /// Follows the pointer over the view of `space`, whose samples are `points` and whose
    /// visible width is `width`. `enabled` is false while a tool owns the view's drags.
    pub fn update(
        &mut self,
        space: Space,
        response: &egui::Response,
        pointer: Option<[f64; 2]>,
        points: &Points,
        width: f64,
        enabled: bool,
    ) {
        if !enabled {
            if self.owner == Some(space) && !self.pinned {
                self.clear();
            }
            return;
        }
        let shift = response.ctx.input(|i| i.modifiers.shift);
        if let Some(p) = pointer {
            if shift && response.drag_started() {
                self.region = Some((space, p, p));
                self.pinned = false;
                self.owner = Some(space);
            } else if response.dragged()
                && let Some((s, _, end)) = self.region.as_mut()
                && *s == space
                && !self.pinned
            {
                *end = p;
            }
        }
        if response.drag_stopped() && self.owner == Some(space) && self.region.is_some() {
            self.pinned = true;
        }
        if response.clicked() && self.pinned {
            self.clear();
            return;
        }
        if let Some((s, a, b)) = self.region {
            if s == space {
                self.rows = rows_in_box(points, a, b);
            }
            return;
        }
        match pointer {
            Some(p) if response.hovered() => {
                self.rows = rows_near(points, p, HOVER_RADIUS * width, HOVER_LIMIT);
                self.owner = Some(space);
            }
            _ if self.owner == Some(space) => self.clear(),
            _ => {}
        }
    }
}

/// Rows of `points` within `radius` of `centre` (at most `limit`).
pub fn rows_near(points: &Points, centre: [f64; 2], radius: f64, limit: usize) -> Vec<usize> {
    let r2 = radius * radius;
    points
        .rows()
        .enumerate()
        .filter(|(_, p)| {
            p.len() >= 2 && {
                let dx = p[0] as f64 - centre[0];
                let dy = p[1] as f64 - centre[1];
                dx * dx + dy * dy <= r2
            }
        })
        .map(|(i, _)| i)
        .take(limit)
        .collect()
}

/// Rows of `points` inside the box with corners `a` and `b` (in any order).
pub fn rows_in_box(points: &Points, a: [f64; 2], b: [f64; 2]) -> Vec<usize> {
    let (x0, x1) = (a[0].min(b[0]), a[0].max(b[0]));
    let (y0, y1) = (a[1].min(b[1]), a[1].max(b[1]));
    points
        .rows()
        .enumerate()
        .filter(|(_, p)| {
            p.len() >= 2 && {
                let (x, y) = (p[0] as f64, p[1] as f64);
                (x0..=x1).contains(&x) && (y0..=y1).contains(&y)
            }
        })
        .map(|(i, _)| i)
        .collect()
}

/// The chosen rows of `points`.
pub fn brushed_points(points: &Points, rows: &[usize]) -> Vec<[f64; 2]> {
    rows.iter()
        .filter(|&&i| i < points.len())
        .map(|&i| {
            let p = points.row(i);
            [p[0] as f64, p[1] as f64]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_picks_the_rows_inside_it_whatever_the_corner_order() {
        let points = Points::from_rows(2, [[0.0f32, 0.0], [1.0, 1.0], [2.0, -1.0], [0.5, 0.2]]);
        assert_eq!(
            rows_in_box(&points, [1.1, 1.1], [-0.1, -0.1]),
            vec![0, 1, 3]
        );
        assert_eq!(rows_near(&points, [0.0, 0.0], 0.6, 10), vec![0, 3]);
        assert_eq!(rows_near(&points, [0.0, 0.0], 0.6, 1), vec![0]);
    }
}
