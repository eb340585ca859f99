//! Fourier features of time: [sin(π·k·t), cos(π·k·t)] for k = 1…K. The network sees time
//! through these, so that it can represent drifts that change quickly near t = 1.

/// Number of features for `frequencies` harmonics.
pub fn width(frequencies: usize) -> usize {
    2 * frequencies
}

/// Features of one time value, appended to `out`.
pub fn features_into(t: f32, frequencies: usize, out: &mut Vec<f32>) {
    for k in 1..=frequencies {
        let angle = std::f32::consts::PI * k as f32 * t;
        out.push(angle.sin());
        out.push(angle.cos());
    }
}

/// Features of each time value, row-major (times.len() × width).
pub fn features(times: &[f32], frequencies: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(times.len() * width(frequencies));
    for &t in times {
        features_into(t, frequencies, &mut out);
    }
    out
}
