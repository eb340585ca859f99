//! Samples as CSV: `source,x0,x1,…`, one row per point, `source` naming where it came from
//! (sampler, reference, prior).

use std::fmt::Write as _;
use std::path::Path;

use crate::error::Result;
use crate::files;
use crate::math::Points;

/// Renders labelled point sets as CSV text. All sets must share one dimension.
pub fn to_csv(sets: &[(&str, &Points)]) -> String {
    let dim = sets.first().map_or(0, |(_, p)| p.dim());
    let mut out = String::from("source");
    for j in 0..dim {
        let _ = write!(out, ",x{j}");
    }
    out.push('\n');
    for (source, points) in sets {
        for row in points.rows() {
            out.push_str(source);
            for v in row {
                let _ = write!(out, ",{v}");
            }
            out.push('\n');
        }
    }
    out
}

/// Writes labelled point sets to `path` atomically.
pub fn write_csv(path: &Path, sets: &[(&str, &Points)]) -> Result<()> {
    files::write_atomic(path, to_csv(sets).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_source_and_dimensions() {
        let a = Points::new(2, vec![1.0, 2.0]).unwrap();
        let b = Points::new(2, vec![3.5, -4.0]).unwrap();
        let text = to_csv(&[("sampler", &a), ("reference", &b)]);
        assert_eq!(text, "source,x0,x1\nsampler,1,2\nreference,3.5,-4\n");
    }
}
