//! Background images of the data view: log r of the constraint evaluated on a grid, or a
//! smoothed histogram of samples (prior, reference posterior), coloured for display.

use crate::constraint::{BuildContext, ConstraintConfig};
use crate::math::Points;

/// What the data view draws under the samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum HeatmapKind {
    None,
    LogR,
    Prior,
    Posterior,
}

impl HeatmapKind {
    pub const ALL: [HeatmapKind; 4] = [Self::None, Self::LogR, Self::Prior, Self::Posterior];

    pub fn label(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::LogR => "log r",
            Self::Prior => "prior density",
            Self::Posterior => "reference posterior",
        }
    }
}

/// Axis-aligned square area of the plane, (lower, upper) corners.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Area {
    pub lower: [f64; 2],
    pub upper: [f64; 2],
}

impl Area {
    pub fn centre(&self) -> [f64; 2] {
        [
            (self.lower[0] + self.upper[0]) / 2.0,
            (self.lower[1] + self.upper[1]) / 2.0,
        ]
    }

    pub fn size(&self) -> [f64; 2] {
        [self.upper[0] - self.lower[0], self.upper[1] - self.lower[1]]
    }

    /// Centre of cell (row, col) of an n×n grid, row 0 at the top (largest y).
    pub fn cell_centre(&self, n: usize, row: usize, col: usize) -> [f64; 2] {
        let s = self.size();
        [
            self.lower[0] + (col as f64 + 0.5) / n as f64 * s[0],
            self.upper[1] - (row as f64 + 0.5) / n as f64 * s[1],
        ]
    }

    /// A square area around the 0.5–99.5 % range of `points`, padded by a fifth.
    pub fn around(points: &Points) -> Option<Area> {
        if points.dim() < 2 || points.len() < 10 {
            return None;
        }
        let mut lo = [0.0; 2];
        let mut hi = [0.0; 2];
        for j in 0..2 {
            let mut v: Vec<f64> = points
                .rows()
                .map(|r| r[j] as f64)
                .filter(|v| v.is_finite())
                .collect();
            if v.len() < 10 {
                return None;
            }
            v.sort_by(f64::total_cmp);
            lo[j] = v[v.len() / 200];
            hi[j] = v[v.len() - 1 - v.len() / 200];
        }
        let c = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
        let half = ((hi[0] - lo[0]).max(hi[1] - lo[1]) / 2.0 * 1.2).max(1.0);
        Some(Area {
            lower: [c[0] - half, c[1] - half],
            upper: [c[0] + half, c[1] + half],
        })
    }
}

/// Values on an n×n grid, row-major from the top, with NaN where undefined.
#[derive(Clone, Debug)]
pub struct Field {
    pub n: usize,
    pub area: Area,
    pub values: Vec<f64>,
}

/// log r·β of `constraint` on an n×n grid over `area` (the first two coordinates; other
/// coordinates are 0). Errors are the constraint's own messages.
pub fn log_r_field(
    constraint: &ConstraintConfig,
    context: &BuildContext,
    area: Area,
    n: usize,
) -> crate::Result<Field> {
    let built = constraint.build(context)?;
    let dim = built.dim();
    let mut values = Vec::with_capacity(n * n);
    let mut x = vec![0.0f32; dim.max(2)];
    for row in 0..n {
        for col in 0..n {
            let c = area.cell_centre(n, row, col);
            x[0] = c[0] as f32;
            if dim >= 2 {
                x[1] = c[1] as f32;
            }
            let v = if dim >= 2 {
                built.log_r(&x[..dim])
            } else {
                built.log_r(&x[..1])
            };
            values.push(constraint.beta * v);
        }
    }
    Ok(Field { n, area, values })
}

/// log of a Gaussian-smoothed histogram of `points` on an n×n grid over `area`.
pub fn density_field(points: &Points, area: Area, n: usize) -> Field {
    let mut counts = vec![0.0f64; n * n];
    let s = area.size();
    for r in points.rows().filter(|r| r.len() >= 2) {
        let fx = (r[0] as f64 - area.lower[0]) / s[0];
        let fy = (area.upper[1] - r[1] as f64) / s[1];
        if !(0.0..1.0).contains(&fx) || !(0.0..1.0).contains(&fy) {
            continue;
        }
        let col = (fx * n as f64) as usize;
        let row = (fy * n as f64) as usize;
        counts[row * n + col] += 1.0;
    }
    let smoothed = blur(&counts, n, 2);
    let values = smoothed
        .iter()
        .map(|&c| if c > 0.0 { c.ln() } else { f64::NAN })
        .collect();
    Field { n, area, values }
}

/// Separable binomial blur, `passes` times.
pub fn blur(values: &[f64], n: usize, passes: usize) -> Vec<f64> {
    let mut a = values.to_vec();
    let mut b = vec![0.0; a.len()];
    for _ in 0..passes {
        for row in 0..n {
            for col in 0..n {
                let l = a[row * n + col.saturating_sub(1)];
                let r = a[row * n + (col + 1).min(n - 1)];
                b[row * n + col] = 0.25 * l + 0.5 * a[row * n + col] + 0.25 * r;
            }
        }
        for row in 0..n {
            for col in 0..n {
                let u = b[row.saturating_sub(1) * n + col];
                let d = b[(row + 1).min(n - 1) * n + col];
                a[row * n + col] = 0.25 * u + 0.5 * b[row * n + col] + 0.25 * d;
            }
        }
    }
    a
}

/// Viridis-like colour ramp at u ∈ [0, 1].
pub fn ramp(u: f64) -> [u8; 3] {
    const STOPS: [[f64; 3]; 5] = [
        [68.0, 1.0, 84.0],
        [59.0, 82.0, 139.0],
        [33.0, 145.0, 140.0],
        [94.0, 201.0, 98.0],
        [253.0, 231.0, 37.0],
    ];
    let u = u.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (u.floor() as usize).min(STOPS.len() - 2);
    let f = u - i as f64;
    let mut out = [0u8; 3];
    for (k, o) in out.iter_mut().enumerate() {
        *o = (STOPS[i][k] * (1.0 - f) + STOPS[i + 1][k] * f).round() as u8;
    }
    out
}

/// RGBA pixels of a field: values below max − `range` fade to transparent, so that only the
/// region that matters is coloured (log scales span hundreds of nats far from the modes).
pub fn to_rgba(field: &Field, range: f64) -> Vec<u8> {
    let max = field
        .values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let mut out = Vec::with_capacity(field.values.len() * 4);
    for &v in &field.values {
        if !v.is_finite() || !max.is_finite() {
            out.extend_from_slice(&[0, 0, 0, 0]);
            continue;
        }
        let u = ((v - (max - range)) / range).clamp(0.0, 1.0);
        let [r, g, b] = ramp(u);
        let alpha = (40.0 + 170.0 * u.sqrt()) as u8;
        out.extend_from_slice(&[r, g, b, if u <= 0.0 { 0 } else { alpha }]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_density_field_peaks_where_the_points_are() {
        let area = Area {
            lower: [-1.0, -1.0],
            upper: [1.0, 1.0],
        };
        let points = Points::from_rows(2, (0..100).map(|_| [0.6f32, 0.6]));
        let field = density_field(&points, area, 8);
        let best = field
            .values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i)
            .unwrap();
        // (0.6, 0.6) is in column 6, row 1 (row 0 is the top) of an 8×8 grid on [−1, 1]².
        assert_eq!((best / 8, best % 8), (1, 6));
    }

    #[test]
    fn the_ramp_runs_from_dark_to_bright() {
        let dark = ramp(0.0);
        let bright = ramp(1.0);
        let sum = |c: [u8; 3]| c.iter().map(|&v| v as u32).sum::<u32>();
        assert!(sum(bright) > sum(dark) + 200);
    }
}
