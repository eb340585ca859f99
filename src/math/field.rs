//! Values on a square grid of cells over a region of the plane, for heatmaps and landscapes:
//! the region, the cell centres, and a smoothed log-histogram of points.

use super::Points;

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

    /// The centres of an n×n grid of cells as 2-D points, row-major from the top.
    pub fn cell_centres(&self, n: usize) -> Points {
        let mut centres = Points::with_capacity(n * n, 2);
        for row in 0..n {
            for col in 0..n {
                let c = self.cell_centre(n, row, col);
                centres.push(&[c[0] as f32, c[1] as f32]);
            }
        }
        centres
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
}
