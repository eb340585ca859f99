//! The constraint's handles in the data view: where they are, what dragging them changes,
//! and the outline of the constrained region.

use crate::app::StudioApp;
use crate::constraint::ConstraintKind;

/// Positions of the constraint's draggable handles, in data coordinates.
pub(super) fn handles(app: &StudioApp) -> Vec<[f64; 2]> {
    let c = &app.config.constraint;
    match c.kind {
        ConstraintKind::GaussianObs
            if c.gaussian_obs.a.is_none() && c.gaussian_obs.y.len() == 2 =>
        {
            vec![[c.gaussian_obs.y[0], c.gaussian_obs.y[1]]]
        }
        ConstraintKind::Box if c.box_.lower.len() == 2 && c.box_.upper.len() == 2 => {
            let (l, u) = (&c.box_.lower, &c.box_.upper);
            vec![[l[0], l[1]], [u[0], l[1]], [l[0], u[1]], [u[0], u[1]]]
        }
        ConstraintKind::Annulus if c.annulus.center.len() == 2 => {
            let ctr = &c.annulus.center;
            vec![[ctr[0], ctr[1]], [ctr[0] + c.annulus.radius, ctr[1]]]
        }
        _ => Vec::new(),
    }
}

/// Moves handle `index` (or the click point, for families without handles) to `p`.
pub(super) fn move_handle(app: &mut StudioApp, index: Option<usize>, p: [f64; 2]) {
    let c = &mut app.config.constraint;
    match c.kind {
        ConstraintKind::GaussianObs => {
            let o = &mut c.gaussian_obs;
            if o.a.is_some() {
                if let Some(y) = o.y.first_mut() {
                    *y = p[0];
                }
            } else {
                o.y = vec![p[0], p[1]];
            }
        }
        ConstraintKind::Box => {
            let b = &mut c.box_;
            // The panel pads a box to two coordinates, but it may never have been shown (a
            // collapsed panel, a config from a file): pad here too.
            b.lower.resize(b.lower.len().max(2), -1.0);
            b.upper.resize(b.upper.len().max(2), 1.0);
            if let Some(i) = index {
                let (xs, ys) = (i % 2, i / 2);
                if xs == 0 {
                    b.lower[0] = p[0]
                } else {
                    b.upper[0] = p[0]
                }
                if ys == 0 {
                    b.lower[1] = p[1]
                } else {
                    b.upper[1] = p[1]
                }
            }
        }
        ConstraintKind::Annulus => {
            let a = &mut c.annulus;
            match (index, a.center.as_slice()) {
                (Some(0), _) | (_, [] | [_]) => a.center = vec![p[0], p[1]],
                (_, [cx, cy, ..]) => {
                    let d = ((p[0] - cx).powi(2) + (p[1] - cy).powi(2)).sqrt();
                    a.radius = d.max(0.05);
                }
            }
        }
        ConstraintKind::HalfPlane => {
            let h = &mut c.half_plane;
            if h.normal.len() >= 2 {
                h.offset = h.normal[0] * p[0] + h.normal[1] * p[1];
            }
        }
        _ => return,
    }
    app.constraint_changed();
}

pub(super) fn nearest_handle(app: &StudioApp, p: [f64; 2]) -> Option<usize> {
    handles(app)
        .iter()
        .enumerate()
        .map(|(i, h)| (i, (h[0] - p[0]).powi(2) + (h[1] - p[1]).powi(2)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

pub(super) fn outline(app: &StudioApp) -> Vec<Vec<[f64; 2]>> {
    let c = &app.config.constraint;
    match c.kind {
        ConstraintKind::Box if c.box_.lower.len() == 2 && c.box_.upper.len() == 2 => {
            let (l, u) = (&c.box_.lower, &c.box_.upper);
            vec![vec![
                [l[0], l[1]],
                [u[0], l[1]],
                [u[0], u[1]],
                [l[0], u[1]],
                [l[0], l[1]],
            ]]
        }
        ConstraintKind::Annulus if c.annulus.center.len() == 2 => {
            let ctr = &c.annulus.center;
            let r = c.annulus.radius;
            vec![
                (0..=96)
                    .map(|i| {
                        let a = i as f64 / 96.0 * std::f64::consts::TAU;
                        [ctr[0] + r * a.cos(), ctr[1] + r * a.sin()]
                    })
                    .collect(),
            ]
        }
        ConstraintKind::HalfPlane if c.half_plane.normal.len() >= 2 => {
            let n = &c.half_plane.normal;
            let norm = (n[0] * n[0] + n[1] * n[1]).sqrt();
            if norm == 0.0 {
                return Vec::new();
            }
            let base = [
                n[0] * c.half_plane.offset / norm / norm,
                n[1] * c.half_plane.offset / norm / norm,
            ];
            let dir = [-n[1] / norm, n[0] / norm];
            let l = 100.0;
            vec![vec![
                [base[0] - l * dir[0], base[1] - l * dir[1]],
                [base[0] + l * dir[0], base[1] + l * dir[1]],
            ]]
        }
        _ => Vec::new(),
    }
}
