//! Reading points from CSV: one row per point, one column per dimension, an optional header.
//! Every malformed input gives one error naming the file, line and column.

use std::path::Path;

use crate::error::{Error, Result};
use crate::math::Points;

/// Reads a numeric CSV (comma-separated; blank lines and lines starting with `#` are skipped;
/// a first line that is not all numbers is taken as the header).
pub fn read_points(path: &Path) -> Result<Points> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_points(&text).map_err(|message| Error::bad_file(path, message))
}

/// Parses CSV text into points; the error is a message without the file name.
pub fn parse_points(text: &str) -> std::result::Result<Points, String> {
    let mut dim = None;
    let mut data = Vec::new();
    let mut seen_first = false;
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if !seen_first {
            seen_first = true;
            if fields.iter().any(|f| f.parse::<f64>().is_err()) {
                // A header: it fixes the number of columns.
                dim = Some(fields.len());
                continue;
            }
        }
        let expected = *dim.get_or_insert(fields.len());
        if fields.len() != expected {
            return Err(format!(
                "line {line_no} has {} fields, expected {expected} like the first row",
                fields.len()
            ));
        }
        for (col, field) in fields.iter().enumerate() {
            let value: f64 = field.parse().map_err(|_| {
                format!(
                    "line {line_no}, column {}: `{field}` is not a number",
                    col + 1
                )
            })?;
            if !value.is_finite() {
                return Err(format!(
                    "line {line_no}, column {}: `{field}` is not a finite number",
                    col + 1
                ));
            }
            // Points are f32: a finite f64 such as 1e300 would become ±inf there and poison
            // every sum downstream.
            let single = value as f32;
            if !single.is_finite() {
                return Err(format!(
                    "line {line_no}, column {}: `{field}` is beyond the range of 32-bit \
                     floats (±3.4e38)",
                    col + 1
                ));
            }
            data.push(single);
        }
    }
    let Some(dim) = dim else {
        return Err("the file holds no rows of numbers".into());
    };
    if data.is_empty() {
        return Err("the file has a header but no rows of numbers".into());
    }
    Points::new(dim, data).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_optional() {
        let a = parse_points("x,y\n1,2\n3,4\n").unwrap();
        let b = parse_points("1,2\n3,4\n").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 2);
    }

    #[test]
    fn one_dimensional_data_is_fine() {
        assert_eq!(parse_points("0.5\n-1\n").unwrap().dim(), 1);
    }

    #[test]
    fn malformed_rows_are_named() {
        let ragged = parse_points("1,2\n3\n").unwrap_err();
        assert!(ragged.contains("line 2"), "{ragged}");
        let word = parse_points("1,2\n3,abc\n").unwrap_err();
        assert!(
            word.contains("line 2, column 2") && word.contains("abc"),
            "{word}"
        );
        let nan = parse_points("1,NaN\n").unwrap_err();
        assert!(nan.contains("not a finite"), "{nan}");
        let inf = parse_points("1,2\ninf,2\n").unwrap_err();
        assert!(inf.contains("line 2, column 1"), "{inf}");
        assert!(parse_points("").unwrap_err().contains("no rows"));
        assert!(parse_points("a,b\n").unwrap_err().contains("no rows"));
    }

    /// Found by the reader fuzzer (tests/fuzz_readers.rs): `1e300` passed the f64 check and
    /// became inf as f32.
    #[test]
    fn numbers_beyond_f32_are_refused() {
        let big = parse_points("1,2\n3,-1e300\n").unwrap_err();
        assert!(
            big.contains("line 2, column 2") && big.contains("-1e300"),
            "{big}"
        );
        assert!(parse_points("3.3e38\n").is_ok());
    }
}
