//! The time grid 0 = t_0 < t_1 < … < t_T = 1 of a process (DESIGN §2). Every Euler–Maruyama
//! step k goes from t_k to t_{k+1} with Δ_k = t_{k+1} − t_k, and the last transition's noise
//! σ√Δ_{T−1} is the finest detail a process can produce: a grid whose last steps are small lets
//! a sampler reach sharp targets. `power` p gives t_k = 1 − (1 − k/T)^p: p = 1 is uniform, p = 2
//! makes the last step 1/T² (at T = 100 and σ = 5: noise 0.05 instead of 0.5) and the first
//! about 2/T.

/// The times of one process's grid.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeGrid {
    times: Vec<f64>,
}

impl TimeGrid {
    /// T steps with t_k = 1 − (1 − k/T)^power (power ≥ 1; 1 is uniform).
    pub fn new(steps: usize, power: f64) -> Self {
        let steps = steps.max(1);
        let times = (0..=steps)
            .map(|k| {
                if k == steps {
                    1.0
                } else {
                    Self::warp(power, k as f64 / steps as f64)
                }
            })
            .collect();
        Self { times }
    }

    /// The grid's time at grid-uniform time u ∈ [0, 1]: t = 1 − (1 − u)^power, so that
    /// t_k = warp(k/T). Continuous, for training at times spread like the steps.
    pub fn warp(power: f64, u: f64) -> f64 {
        1.0 - (1.0 - u).powf(power)
    }

    /// dt/du at u: T times the step length of a grid of T steps around that time.
    pub fn warp_rate(power: f64, u: f64) -> f64 {
        power * (1.0 - u).powf(power - 1.0)
    }

    pub fn uniform(steps: usize) -> Self {
        Self::new(steps, 1.0)
    }

    /// The number of steps T.
    pub fn steps(&self) -> usize {
        self.times.len() - 1
    }

    /// t_k, k = 0…T.
    pub fn t(&self, k: usize) -> f64 {
        self.times[k.min(self.steps())]
    }

    /// Δ_k = t_{k+1} − t_k, k = 0…T−1.
    pub fn dt(&self, k: usize) -> f64 {
        self.t(k + 1) - self.t(k)
    }

    /// t_0 … t_{T−1}: the times at which steps start (where drifts are evaluated).
    pub fn step_starts(&self) -> &[f64] {
        &self.times[..self.steps()]
    }

    pub fn is_uniform(&self) -> bool {
        let dt = 1.0 / self.steps() as f64;
        (0..self.steps()).all(|k| (self.dt(k) - dt).abs() < 1e-12)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_power_grid_runs_from_zero_to_one_with_a_small_last_step() {
        let grid = TimeGrid::new(100, 2.0);
        assert_eq!(grid.steps(), 100);
        assert_eq!(grid.t(0), 0.0);
        assert_eq!(grid.t(100), 1.0);
        assert!((grid.dt(99) - 1e-4).abs() < 1e-12);
        assert!((grid.dt(0) - 0.0199).abs() < 1e-12);
        assert!((0..100).all(|k| grid.dt(k) > 0.0));
        let total: f64 = (0..100).map(|k| grid.dt(k)).sum();
        assert!((total - 1.0).abs() < 1e-12);
        assert!(!grid.is_uniform());
        assert!(TimeGrid::uniform(10).is_uniform());
    }
}
