//! `Points`: a batch of points in R^d stored row-major in `f32`, the currency between tensors on
//! a device and host-side code (constraints, metrics, files).

use crate::error::{Error, Result};

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Points {
    dim: usize,
    data: Vec<f32>,
}

impl Points {
    /// Wraps row-major data; fails when the data is not a whole number of rows.
    pub fn new(dim: usize, data: Vec<f32>) -> Result<Self> {
        if dim == 0 {
            return Err(Error::Unsupported("points must have dimension ≥ 1".into()));
        }
        if !data.len().is_multiple_of(dim) {
            return Err(Error::Unsupported(format!(
                "{} numbers do not make rows of dimension {dim}",
                data.len()
            )));
        }
        Ok(Self { dim, data })
    }

    pub fn zeros(n: usize, dim: usize) -> Self {
        Self {
            dim,
            data: vec![0.0; n * dim],
        }
    }

    pub fn with_capacity(n: usize, dim: usize) -> Self {
        Self {
            dim,
            data: Vec::with_capacity(n * dim),
        }
    }

    pub fn from_rows<R: AsRef<[f32]>>(dim: usize, rows: impl IntoIterator<Item = R>) -> Self {
        let mut points = Self::with_capacity(0, dim);
        for row in rows {
            points.push(row.as_ref());
        }
        points
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn len(&self) -> usize {
        self.data.len().checked_div(self.dim).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.data
    }

    pub fn into_vec(self) -> Vec<f32> {
        self.data
    }

    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    pub fn row_mut(&mut self, i: usize) -> &mut [f32] {
        &mut self.data[i * self.dim..(i + 1) * self.dim]
    }

    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[f32]> {
        self.data.chunks_exact(self.dim)
    }

    /// Appends one row. Panics on a length mismatch, which is a programming error.
    pub fn push(&mut self, row: &[f32]) {
        assert_eq!(row.len(), self.dim, "row length must equal the dimension");
        self.data.extend_from_slice(row);
    }

    pub fn extend(&mut self, other: &Points) {
        assert_eq!(other.dim, self.dim, "dimensions must agree");
        self.data.extend_from_slice(&other.data);
    }

    /// The rows at the given indices, in that order.
    pub fn select(&self, indices: &[usize]) -> Self {
        let mut out = Self::with_capacity(indices.len(), self.dim);
        for &i in indices {
            out.push(self.row(i));
        }
        out
    }

    /// The given columns of every row, in that order (a coordinate projection).
    pub fn columns(&self, columns: &[usize]) -> Self {
        let mut out = Self::with_capacity(self.len(), columns.len().max(1));
        let mut row = vec![0.0f32; columns.len()];
        for r in self.rows() {
            for (v, &c) in row.iter_mut().zip(columns) {
                *v = r.get(c).copied().unwrap_or(f32::NAN);
            }
            out.push(&row);
        }
        out
    }

    /// The first `n` rows (or all of them when there are fewer).
    pub fn head(&self, n: usize) -> Self {
        let n = n.min(self.len());
        Self {
            dim: self.dim,
            data: self.data[..n * self.dim].to_vec(),
        }
    }

    /// The last `n` rows (or all of them when there are fewer).
    pub fn tail(&self, n: usize) -> Self {
        let n = n.min(self.len());
        Self {
            dim: self.dim,
            data: self.data[(self.len() - n) * self.dim..].to_vec(),
        }
    }

    pub fn all_finite(&self) -> bool {
        self.data.iter().all(|v| v.is_finite())
    }

    /// Column means.
    pub fn mean(&self) -> Vec<f64> {
        let mut mean = vec![0.0; self.dim];
        for row in self.rows() {
            for (m, &v) in mean.iter_mut().zip(row) {
                *m += v as f64;
            }
        }
        let n = self.len().max(1) as f64;
        mean.iter_mut().for_each(|m| *m /= n);
        mean
    }

    /// Sample covariance (divides by n − 1), row-major d×d.
    pub fn covariance(&self) -> Vec<f64> {
        let d = self.dim;
        let mean = self.mean();
        let mut cov = vec![0.0; d * d];
        for row in self.rows() {
            for i in 0..d {
                let di = row[i] as f64 - mean[i];
                for j in 0..d {
                    cov[i * d + j] += di * (row[j] as f64 - mean[j]);
                }
            }
        }
        let n = (self.len().max(2) - 1) as f64;
        cov.iter_mut().for_each(|c| *c /= n);
        cov
    }

    /// Per-column (min, max).
    pub fn bounds(&self) -> Vec<(f32, f32)> {
        let mut bounds = vec![(f32::INFINITY, f32::NEG_INFINITY); self.dim];
        for row in self.rows() {
            for (b, &v) in bounds.iter_mut().zip(row) {
                b.0 = b.0.min(v);
                b.1 = b.1.max(v);
            }
        }
        bounds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ragged_data_is_rejected() {
        assert!(Points::new(2, vec![1.0, 2.0, 3.0]).is_err());
        assert!(Points::new(0, vec![]).is_err());
    }

    #[test]
    fn covariance_of_known_rows() {
        let p = Points::new(2, vec![0.0, 0.0, 2.0, 2.0, 4.0, 4.0]).unwrap();
        assert_eq!(p.mean(), vec![2.0, 2.0]);
        assert_eq!(p.covariance(), vec![4.0, 4.0, 4.0, 4.0]);
    }
}
