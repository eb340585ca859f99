//! Colours of heatmaps: a viridis-like ramp, and a field's pixels with the unimportant region
//! faded out. Shared by the app's textures and exported figures.

use crate::math::field::Field;

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
    fn the_ramp_runs_from_dark_to_bright() {
        let dark = ramp(0.0);
        let bright = ramp(1.0);
        let sum = |c: [u8; 3]| c.iter().map(|&v| v as u32).sum::<u32>();
        assert!(sum(bright) > sum(dark) + 200);
    }
}
