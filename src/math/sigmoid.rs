//! The logistic function in log space, for soft edges of constraints and flow marginals.

/// log σ(z) = −softplus(−z), computed without overflow.
pub fn log_sigmoid(z: f64) -> f64 {
    if z > 0.0 {
        -(-z).exp().ln_1p()
    } else {
        z - z.exp().ln_1p()
    }
}

/// d/dz log σ(z) = σ(−z).
pub fn d_log_sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + z.exp())
}
