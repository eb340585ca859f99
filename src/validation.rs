//! Range checks shared by every module's settings; each names the field it rejects.

use crate::error::{Error, Result};

/// A count that must be at least 1.
pub fn positive(field: &str, v: usize) -> Result<()> {
    if v == 0 {
        Err(Error::config(field, "must be at least 1"))
    } else {
        Ok(())
    }
}

/// The power p of a time grid t_k = 1 − (1 − k/T)^p: 1 (uniform) to 4.
pub fn grid_power(field: &str, p: f64) -> Result<()> {
    if p.is_finite() && (1.0..=4.0).contains(&p) {
        Ok(())
    } else {
        Err(Error::config(field, format!("must be in [1, 4], got {p}")))
    }
}

/// A number that must be finite and > 0.
pub fn finite_positive(field: &str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(Error::config(
            field,
            format!("must be a positive number, got {v}"),
        ))
    }
}

/// A number that must be finite and ≥ 0.
pub fn finite_non_negative(field: &str, v: f64) -> Result<()> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(Error::config(
            field,
            format!("must be a number ≥ 0, got {v}"),
        ))
    }
}

/// A share that must lie in [0, 1].
pub fn share(field: &str, v: f64) -> Result<()> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(Error::config(
            field,
            format!("must be a share in [0, 1], got {v}"),
        ))
    }
}
