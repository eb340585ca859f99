//! Simulating trajectories. Forward: Euler–Maruyama from x_0 = 0 with drift u_ref + v, where v
//! is the sampler's control, a training-free guide, or nothing (the reference itself). Backward:
//! the Brownian bridge from terminal states to 0, for off-policy training from a replay buffer.
//!
//! All noise is drawn on the host from the caller's seeded RNG, so one seed gives the same
//! trajectories on every backend.

use burn::tensor::{Device, Tensor, TensorData};

use super::{SamplerNet, SamplerTime};
use crate::math::Points;
use crate::math::rng::{Rng, standard_normal};
use crate::math::time_grid::TimeGrid;
use crate::nn::tensors::{points_to_tensor, tensor_to_points};
use crate::prior::ReferenceProcess;

/// A training-free control added to the reference drift (guidance, DPS).
pub trait Guide {
    /// The control at states `x` of step k (time t), given the reference drift there.
    fn control(&self, x: &Tensor<2>, k: usize, t: f32) -> Tensor<2>;
}

/// What steers the process on top of the reference drift.
pub enum Control<'a> {
    /// Nothing: the reference process itself.
    Reference,
    /// The learned control v_θ, with its time embeddings for this grid.
    Sampler(&'a SamplerNet, &'a SamplerTime),
    /// A training-free guide.
    Guide(&'a dyn Guide),
}

/// Computes clip(∇ log r) for the Langevin term, on the host.
pub type LangevinGradient<'a> = &'a (dyn Fn(&Points) -> Points + Sync);

/// One forward simulation's settings.
pub struct ForwardSimulation<'a> {
    pub reference: &'a ReferenceProcess,
    /// Reference time embeddings on this grid (T × H), when the reference has a drift.
    pub reference_time: Option<&'a Tensor<2>>,
    pub control: Control<'a>,
    /// The time grid t_0 = 0 < … < t_T = 1.
    pub grid: &'a TimeGrid,
    pub batch: usize,
    /// Extra exploration noise ε per step: the behaviour process's step noise has standard
    /// deviation √(σ²Δ + ε²) instead of σ√Δ.
    pub exploration_std: f64,
    /// Keep every state (needed to train on these trajectories).
    pub keep_states: bool,
    /// Accumulate Δlog(τ) along the way (evaluation needs it; training recomputes it).
    pub track_log_ratio: bool,
    pub langevin_gradient: Option<LangevinGradient<'a>>,
}

/// Trajectories on a device, time-major: row k·B + b is trajectory b at time t_k.
#[derive(Clone, Debug)]
pub struct Trajectories {
    pub batch: usize,
    pub steps: usize,
    /// x_0 … x_T ((T+1)·B × d), when kept.
    pub states: Option<Tensor<2>>,
    /// x_T (B × d).
    pub terminal: Tensor<2>,
    /// u_ref(x_k, t_k) for k < T ((T·B) × d), when the reference has a drift and states are kept.
    pub reference_drift: Option<Tensor<2>>,
    /// clip(∇ log r(x_k)) for k < T, when the Langevin term is used and states are kept.
    pub langevin_grad: Option<Tensor<2>>,
    /// Δlog(τ) = Σ_k log q(x_{k+1}|x_k) − log p_ref(x_{k+1}|x_k) under the control used (B).
    pub delta_log: Tensor<1>,
}

impl ForwardSimulation<'_> {
    pub fn run(&self, rng: &mut Rng, device: &Device) -> Trajectories {
        let dim = self.reference.dim();
        let (steps, batch) = (self.grid.steps(), self.batch);
        let sigma = self.reference.sigma();
        let noise = Tensor::<2>::from_data(
            TensorData::new(
                standard_normal(rng, steps * batch * dim),
                [steps * batch, dim],
            ),
            device,
        );
        let mut x = Tensor::<2>::zeros([batch, dim], device);
        let mut delta_log = Tensor::<2>::zeros([batch, 1], device);
        let mut states = Vec::new();
        let mut reference_drifts = Vec::new();
        let mut langevin_grads = Vec::new();
        let inv_var = 1.0 / (sigma * sigma) as f32;
        for k in 0..steps {
            let t = self.grid.t(k) as f32;
            let dt = self.grid.dt(k) as f32;
            let step_std = (sigma * sigma * dt as f64 + self.exploration_std * self.exploration_std)
                .sqrt() as f32;
            if self.keep_states {
                states.push(x.clone());
            }
            let eps = noise.clone().slice([k * batch..(k + 1) * batch, 0..dim]);
            let reference_drift = match (self.reference, self.reference_time) {
                (ReferenceProcess::Diffusion(prior), Some(time)) => {
                    let [_, width] = time.dims();
                    Some(prior.drift(
                        x.clone(),
                        time.clone().slice([k..k + 1, 0..width]),
                        self.grid.t(k),
                    ))
                }
                _ => None,
            };
            let log_variance = match &self.control {
                Control::Sampler(net, time) => net.log_variance_step(x.clone(), time, k),
                _ => None,
            };
            let control = match &self.control {
                Control::Reference => None,
                Control::Sampler(net, time) => {
                    let grad = match (net.uses_langevin(), self.langevin_gradient) {
                        (true, Some(gradient)) => {
                            let g =
                                points_to_tensor(&gradient(&tensor_to_points(x.clone())), device);
                            if self.keep_states {
                                langevin_grads.push(g.clone());
                            }
                            Some(g)
                        }
                        _ => None,
                    };
                    Some(net.control_step(x.clone(), time, k, grad))
                }
                Control::Guide(guide) => Some(guide.control(&x, k, t)),
            };
            let mut drift = reference_drift.clone();
            if let Some(v) = &control {
                drift = Some(match drift {
                    Some(u) => u + v.clone(),
                    None => v.clone(),
                });
            }
            // The step's random part a: s·ε with s the behaviour's noise (the learned
            // variance σ²e^h, or σ², plus exploration).
            let random = match &log_variance {
                Some(h) => {
                    let variance = h.clone().exp().mul_scalar((sigma * sigma) as f32 * dt)
                        + (self.exploration_std * self.exploration_std) as f32;
                    eps * variance.sqrt()
                }
                None => eps * step_std,
            };
            match (&control, &log_variance, self.track_log_ratio) {
                (Some(v), None, true) => {
                    // log q − log p_ref with equal variances, from e = vΔ + a:
                    // (e·v − ½Δ‖v‖²)/σ² = (½Δ‖v‖² + a·v)/σ².
                    let step = (v.clone().powi_scalar(2).sum_dim(1) * (0.5 * dt)
                        + (random.clone() * v.clone()).sum_dim(1))
                        * inv_var;
                    delta_log = delta_log + step;
                }
                (Some(v), Some(h), true) => {
                    // The full difference of the two Gaussian log densities, with e = vΔ + a:
                    // −½[Σ a²e^{−h}/(σ²Δ) − Σ e²/(σ²Δ) + Σ h].
                    let e = v.clone().mul_scalar(dt) + random.clone();
                    let q = (random.clone().powi_scalar(2) * h.clone().neg().exp()).sum_dim(1);
                    let p = e.powi_scalar(2).sum_dim(1);
                    let step =
                        ((q - p).mul_scalar(inv_var / dt) + h.clone().sum_dim(1)).mul_scalar(-0.5);
                    delta_log = delta_log + step;
                }
                _ => {}
            }
            if self.keep_states
                && let Some(u) = reference_drift
            {
                reference_drifts.push(u);
            }
            let mut next = x + random;
            if let Some(drift) = drift {
                next = next + drift * dt;
            }
            x = next;
        }
        if self.keep_states {
            states.push(x.clone());
        }
        let cat = |list: Vec<Tensor<2>>| (!list.is_empty()).then(|| Tensor::cat(list, 0));
        Trajectories {
            batch,
            steps,
            states: cat(states),
            terminal: x,
            reference_drift: cat(reference_drifts),
            langevin_grad: cat(langevin_grads),
            delta_log: delta_log.reshape([batch]),
        }
    }
}

/// `n` terminal states of the reference process itself, simulated in chunks to bound memory.
pub fn sample_reference(
    reference: &ReferenceProcess,
    grid: &TimeGrid,
    n: usize,
    rng: &mut Rng,
    device: &Device,
) -> Points {
    const CHUNK: usize = 10_000;
    let reference_time = reference.time_embedding(grid, device);
    let mut points = Points::with_capacity(n, reference.dim());
    let mut remaining = n;
    while remaining > 0 {
        let batch = remaining.min(CHUNK);
        remaining -= batch;
        let simulation = ForwardSimulation {
            reference,
            reference_time: reference_time.as_ref(),
            control: Control::Reference,
            grid,
            batch,
            exploration_std: 0.0,
            keep_states: false,
            track_log_ratio: false,
            langevin_gradient: None,
        };
        points.extend(&tensor_to_points(simulation.run(rng, device).terminal));
    }
    points
}

/// Samples Brownian-bridge trajectories from 0 to the given terminal states, on the host:
/// x_k | x_{k+1} ~ N(x_{k+1}·t_k/t_{k+1}, σ²·Δ_k·t_k/t_{k+1}) on any grid. Returns x_0 … x_T
/// time-major.
pub fn bridge_states(terminal: &Points, grid: &TimeGrid, sigma: f64, rng: &mut Rng) -> Points {
    let (batch, dim) = (terminal.len(), terminal.dim());
    let steps = grid.steps();
    let mut states = vec![0.0f32; (steps + 1) * batch * dim];
    states[steps * batch * dim..].copy_from_slice(terminal.as_slice());
    for k in (1..steps).rev() {
        let ratio = grid.t(k) / grid.t(k + 1);
        let std = (sigma * sigma * grid.dt(k) * ratio).sqrt();
        let noise = standard_normal(rng, batch * dim);
        let (lower, upper) = states.split_at_mut((k + 1) * batch * dim);
        let current = &mut lower[k * batch * dim..];
        let next = &upper[..batch * dim];
        for i in 0..batch * dim {
            current[i] = (next[i] as f64 * ratio + std * noise[i] as f64) as f32;
        }
    }
    Points::new(dim, states).unwrap_or_else(|_| Points::zeros(0, dim))
}

/// Off-policy trajectories through the backward process, ready for a loss: states on the
/// device, with the reference drift and Langevin gradients the loss needs.
pub fn backward_trajectories(
    terminal: &Points,
    reference: &ReferenceProcess,
    reference_time: Option<&Tensor<2>>,
    grid: &TimeGrid,
    langevin_gradient: Option<LangevinGradient<'_>>,
    rng: &mut Rng,
    device: &Device,
) -> Trajectories {
    let batch = terminal.len();
    let dim = terminal.dim();
    let steps = grid.steps();
    let host_states = bridge_states(terminal, grid, reference.sigma(), rng);
    let states = points_to_tensor(&host_states, device);
    let before_end = || states.clone().slice([0..steps * batch, 0..dim]);
    let reference_drift = match (reference, reference_time) {
        (ReferenceProcess::Diffusion(prior), Some(time)) => {
            Some(prior.drift_grid(before_end(), time.clone(), grid))
        }
        _ => None,
    };
    let langevin_grad = langevin_gradient.map(|gradient| {
        let head = host_states.head(steps * batch);
        points_to_tensor(&gradient(&head), device)
    });
    Trajectories {
        batch,
        steps,
        terminal: points_to_tensor(terminal, device),
        states: Some(states),
        reference_drift,
        langevin_grad,
        delta_log: Tensor::zeros([batch], device),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::rng::seeded;

    #[test]
    fn bridge_ends_at_terminal_and_starts_at_zero() {
        let mut rng = seeded(0);
        let terminal = Points::new(2, vec![3.0, -1.0, 0.5, 2.0]).unwrap();
        let states = bridge_states(&terminal, &TimeGrid::uniform(10), 1.0, &mut rng);
        assert_eq!(states.len(), 11 * 2);
        assert_eq!(states.row(0), &[0.0, 0.0]);
        assert_eq!(states.row(20), &[3.0, -1.0]);
    }

    #[test]
    fn bridge_marginal_matches_its_law() {
        // At t = 1/2 the bridge from 0 to y has mean y/2 and variance σ²/4.
        let mut rng = seeded(1);
        let n = 20_000;
        let terminal = Points::new(1, vec![4.0; n]).unwrap();
        let states = bridge_states(&terminal, &TimeGrid::uniform(10), 2.0, &mut rng);
        let mid: Vec<f64> = (0..n).map(|b| states.row(5 * n + b)[0] as f64).collect();
        let mean = mid.iter().sum::<f64>() / n as f64;
        let var = mid.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        assert!((mean - 2.0).abs() < 0.03, "{mean}");
        assert!((var - 1.0).abs() < 0.04, "{var}");
    }

    #[test]
    fn bridge_marginal_matches_its_law_on_a_power_grid() {
        // At any t the bridge from 0 to y has mean t·y and variance σ²·t(1 − t).
        let mut rng = seeded(2);
        let n = 20_000;
        let grid = TimeGrid::new(10, 2.0);
        let terminal = Points::new(1, vec![4.0; n]).unwrap();
        let states = bridge_states(&terminal, &grid, 2.0, &mut rng);
        for k in [3, 8, 9] {
            let t = grid.t(k);
            let at: Vec<f64> = (0..n).map(|b| states.row(k * n + b)[0] as f64).collect();
            let mean = at.iter().sum::<f64>() / n as f64;
            let var = at.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
            let want = 4.0 * t * (1.0 - t);
            assert!((mean - 4.0 * t).abs() < 0.03, "t = {t}: mean {mean}");
            assert!(
                (var - want).abs() < 0.04 * want.max(0.1),
                "t = {t}: {var} vs {want}"
            );
        }
    }
}
