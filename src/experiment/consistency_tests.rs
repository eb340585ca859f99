//! The three computations of Δlog(τ) must agree on one trajectory: the simulation's running
//! sum (evaluation and IW weights), `objective::log_ratio` (the training loss), and a direct
//! evaluation of the two Gaussian transition densities in f64 — with exploration noise, a
//! diffusion reference drift and the Langevin term all on.

use std::path::PathBuf;

use super::config::ExperimentConfig;
use super::trainer::Trainer;
use crate::math::gaussian::log_normal_iso;
use crate::nn::{tensor_to_points, tensor_to_vec};
use crate::objective::log_ratio;
use crate::prior::ReferenceProcess;
use crate::sampler::trajectory::{Control, ForwardSimulation, LangevinGradient};

fn trainer(name: &str, overrides: &[&str]) -> Trainer {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/configs");
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    let mut all = vec![
        "backend=\"cpu\"".to_string(),
        "sampler.steps=20".into(),
        "train.batch=64".into(),
        "sampler.net.hidden=32".into(),
        "sampler.langevin=true".into(),
    ];
    all.extend(overrides.iter().map(|s| s.to_string()));
    let config = ExperimentConfig::from_toml(&text, name)
        .and_then(|c| c.with_overrides(&all))
        .unwrap();
    Trainer::new(config, Some(&dir)).unwrap()
}

#[test]
fn training_and_evaluation_log_ratios_agree_with_exploration_drift_and_langevin() {
    let mut trainer = trainer("rtb_9of25.toml", &[]);
    assert!(matches!(trainer.reference, ReferenceProcess::Diffusion(_)));
    agree(&mut trainer);
}

#[test]
fn log_ratios_agree_with_a_learned_variance() {
    let mut trainer = trainer(
        "gaussian_exact.toml",
        &["sampler.grid_power=2", "sampler.learned_variance=true"],
    );
    agree(&mut trainer);
    let net = trainer.sampler_snapshot();
    let time = net.time(trainer.time_features());
    let x = burn::tensor::Tensor::<2>::zeros([4, 2], &trainer.compute.device);
    let h = tensor_to_points(net.log_variance_step(x, &time, 19).unwrap());
    assert!(
        h.as_slice().iter().any(|v| v.abs() > 1e-3),
        "the variance must have moved: {h:?}"
    );
}

#[test]
fn log_ratios_agree_on_a_grid_with_small_last_steps() {
    let mut trainer = trainer("gaussian_exact.toml", &["sampler.grid_power=2"]);
    assert!(!trainer.grid.is_uniform());
    agree(&mut trainer);
}

/// Trains a few steps, then compares the three computations of Δlog on 16 trajectories.
fn agree(trainer: &mut Trainer) {
    // A few steps make v_θ and the Langevin scale non-zero.
    for _ in 0..20 {
        trainer.step().unwrap();
    }
    let device = trainer.compute.device.clone();
    let beta = trainer.beta();
    let sigma = trainer.reference.sigma();
    let batch = 16;
    let exploration = 0.3;
    let net = trainer.sampler_snapshot();
    let time = net.time(trainer.time_features());
    let langevin = trainer.langevin_gradient(beta).unwrap();
    let langevin_ref: Option<LangevinGradient<'_>> = Some(&*langevin);
    let simulation = ForwardSimulation {
        reference: &trainer.reference,
        reference_time: trainer.reference_time.as_ref(),
        control: Control::Sampler(&net, &time),
        grid: &trainer.grid,
        batch,
        exploration_std: exploration,
        keep_states: true,
        track_log_ratio: true,
        langevin_gradient: langevin_ref,
    };
    let trajectories = simulation.run(&mut crate::math::rng::seeded(3), &device);
    let simulated = tensor_to_vec(trajectories.delta_log.clone());
    let trained =
        tensor_to_vec(log_ratio(&net, &time, &trajectories, &trainer.grid, sigma, None).delta_log);

    let direct = direct_delta_log(trainer, &net, &time, &trajectories);
    let spread = direct.iter().map(|d| d.abs()).fold(0.0, f64::max);
    assert!(
        spread > 0.02,
        "the sampler must differ from its reference: {direct:?}"
    );
    eprintln!("Δlog per trajectory: direct {direct:.4?}, simulation {simulated:.4?}");
    for b in 0..batch {
        let tolerance = 1e-3 * (1.0 + direct[b].abs());
        assert!(
            (simulated[b] - direct[b]).abs() < tolerance,
            "trajectory {b}: simulation {} vs direct {}",
            simulated[b],
            direct[b]
        );
        assert!(
            (trained[b] - direct[b]).abs() < tolerance,
            "trajectory {b}: training {} vs direct {}",
            trained[b],
            direct[b]
        );
    }
    // Replay: Brownian-bridge trajectories to the same terminal states.
    let terminal = tensor_to_points(trajectories.terminal.clone());
    let replayed = crate::sampler::trajectory::backward_trajectories(
        &terminal,
        &trainer.reference,
        trainer.reference_time.as_ref(),
        &trainer.grid,
        langevin_ref,
        &mut crate::math::rng::seeded(4),
        &device,
    );
    let trained =
        tensor_to_vec(log_ratio(&net, &time, &replayed, &trainer.grid, sigma, None).delta_log);
    let direct = direct_delta_log(trainer, &net, &time, &replayed);
    for b in 0..batch {
        let tolerance = 1e-3 * (1.0 + direct[b].abs());
        assert!(
            (trained[b] - direct[b]).abs() < tolerance,
            "replayed trajectory {b}: training {} vs direct {}",
            trained[b],
            direct[b]
        );
    }
}

/// Σ_k log N(x_{k+1}; x_k + (u + v)Δ_k, s²Δ_k) − log N(x_{k+1}; x_k + uΔ_k, σ²Δ_k), in f64
/// from the states, with s² = σ²e^h when the variance is learned.
fn direct_delta_log(
    trainer: &Trainer,
    net: &crate::sampler::SamplerNet,
    time: &crate::sampler::SamplerTime,
    trajectories: &crate::sampler::trajectory::Trajectories,
) -> Vec<f64> {
    let (steps, batch) = (trajectories.steps, trajectories.batch);
    let sigma = trainer.reference.sigma();
    let states = tensor_to_points(trajectories.states.clone().unwrap());
    let dim = states.dim();
    let u = match trajectories.reference_drift.clone() {
        Some(u) => tensor_to_points(u),
        None => crate::math::Points::zeros(steps * batch, dim),
    };
    let x_all = trajectories.states.clone().unwrap();
    let before_end = || x_all.clone().slice([0..steps * batch, 0..dim]);
    let v =
        tensor_to_points(net.control_grid(before_end(), time, trajectories.langevin_grad.clone()));
    let h = net
        .log_variance_grid(before_end(), time)
        .map(tensor_to_points);
    let mut direct = vec![0.0f64; batch];
    for k in 0..steps {
        let dt = trainer.grid.dt(k);
        for (b, total) in direct.iter_mut().enumerate() {
            let row = k * batch + b;
            let (x, next) = (states.row(row), states.row(row + batch));
            for j in 0..dim {
                let mean_ref = x[j] as f64 + u.row(row)[j] as f64 * dt;
                let mean_q = mean_ref + v.row(row)[j] as f64 * dt;
                let var_ref = sigma * sigma * dt;
                let var_q = var_ref * h.as_ref().map_or(1.0, |h| (h.row(row)[j] as f64).exp());
                let y = next[j] as f64;
                *total += log_normal_iso(&[y as f32], &[mean_q], var_q)
                    - log_normal_iso(&[y as f32], &[mean_ref], var_ref);
            }
        }
    }
    direct
}

#[test]
fn a_sampler_under_a_diffusion_prior_takes_the_priors_grid_and_says_so() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/configs");
    let text = std::fs::read_to_string(dir.join("rtb_9of25.toml")).unwrap();
    // The shipped prior was trained on the power-2 grid with T = 100: a power-3 grid would
    // start its last step at 1 − 1/T³, where the network never saw data.
    let config = ExperimentConfig::from_toml(&text, "rtb_9of25.toml")
        .and_then(|c| c.with_overrides(&["sampler.grid_power=3".into(), "sampler.steps=40".into()]))
        .unwrap();
    let compute = crate::backend::select(config.backend);
    let composition = crate::experiment::composition::compose(
        config,
        crate::experiment::composition::PriorSource::Config,
        Some(&dir),
        &compute,
    )
    .unwrap();
    assert_eq!(composition.config.sampler.grid_power, 2.0);
    assert_eq!(composition.config.sampler.steps, 100);
    let fields: Vec<&str> = composition.adjustments.iter().map(|a| a.field).collect();
    assert_eq!(fields, ["sampler.steps", "sampler.grid_power"]);
    let line = composition.adjustments[1].to_string();
    assert!(line.contains("was 3.0") && line.contains("= 2.0"), "{line}");
}

/// The 40-mode config shrunk to `dim` dimensions and `components` modes.
fn small_mixture(dim: usize, components: usize, overrides: &[&str]) -> Trainer {
    let mut all = vec![
        format!("prior.dim={dim}"),
        format!("constraint.energy.dim={dim}"),
        format!("constraint.energy.components={components}"),
        "train.local_search.enabled=false".into(),
    ];
    all.extend(overrides.iter().map(|s| s.to_string()));
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    trainer("gmm40_50d.toml", &all)
}

#[test]
fn log_ratios_agree_with_the_gaussian_step_variance_on_a_subset_of_gradient_steps() {
    // Training on a subset of steps selects their fixed gains and variances (it used to panic
    // with the fixed gain: one gain per grid step was expected).
    let mut trainer = small_mixture(
        5,
        4,
        &[
            "sampler.step_variance=\"gaussian\"",
            "sampler.learned_variance=true",
            "train.gradient_steps=5",
        ],
    );
    agree(&mut trainer);
}

/// Per-coordinate variance of the untrained sampler's samples around their mean, on a single
/// unit-variance Gaussian target.
fn untrained_variance(step_variance: &str) -> f64 {
    let trainer = small_mixture(
        10,
        1,
        &[
            "prior.sigma=25",
            "sampler.steps=100",
            "sampler.grid_power=2",
            "sampler.langevin_fade=0",
            &format!("sampler.step_variance=\"{step_variance}\""),
        ],
    );
    assert_eq!(trainer.reference.sigma(), 25.0);
    let net = trainer.sampler_snapshot();
    let time = net.time(trainer.time_features());
    let langevin = trainer.langevin_gradient(trainer.beta()).unwrap();
    let batch = 4000;
    let simulation = ForwardSimulation {
        reference: &trainer.reference,
        reference_time: None,
        control: Control::Sampler(&net, &time),
        grid: &trainer.grid,
        batch,
        exploration_std: 0.0,
        keep_states: false,
        track_log_ratio: false,
        langevin_gradient: Some(&*langevin),
    };
    let device = trainer.compute.device.clone();
    let samples = tensor_to_points(
        simulation
            .run(&mut crate::math::rng::seeded(5), &device)
            .terminal,
    );
    let dim = samples.dim();
    let mut total = 0.0;
    for j in 0..dim {
        let column: Vec<f64> = (0..batch).map(|b| samples.row(b)[j] as f64).collect();
        let mean = column.iter().sum::<f64>() / batch as f64;
        total += column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / batch as f64;
    }
    total / dim as f64
}

/// The variance after T Euler steps of the exact Gaussian control's drift from x_0 = 0, with
/// the reference's step variance or the exact transition's: v ← (1 − g_kΔ_k)²v + σ²Δ_k·ρ_k.
fn euler_variance(grid: &crate::math::time_grid::TimeGrid, sigma: f64, exact: bool) -> f64 {
    let h = |t: f64| sigma * sigma * (1.0 - t) + 1.0;
    (0..grid.steps()).fold(0.0, |v, k| {
        let (t, dt) = (grid.t(k), grid.dt(k));
        let contraction = 1.0 - sigma * sigma / h(t) * dt;
        let ratio = if exact { h(t + dt) / h(t) } else { 1.0 };
        contraction * contraction * v + sigma * sigma * dt * ratio
    })
}

#[test]
fn the_gaussian_step_variance_ends_at_the_targets_variance() {
    // A unit-variance Gaussian from a reference of σ = 25 on the power-2 grid of 100 steps:
    // the untrained sampler follows the exact control's drift. With the reference's step
    // variance its samples end about 22 % too wide; with the exact transition's, at 1.
    let grid = crate::math::time_grid::TimeGrid::new(100, 2.0);
    let (wide, exact) = (
        euler_variance(&grid, 25.0, false),
        euler_variance(&grid, 25.0, true),
    );
    assert!(
        (wide - 1.215).abs() < 0.01 && (exact - 1.0).abs() < 0.01,
        "{wide} {exact}"
    );
    let reference = untrained_variance("reference");
    let gaussian = untrained_variance("gaussian");
    eprintln!("per-coordinate variance: reference {reference:.4}, gaussian {gaussian:.4}");
    // 40,000 values: the estimate's standard deviation is about 0.007.
    assert!((reference - wide).abs() < 0.04, "{reference} vs {wide}");
    assert!((gaussian - exact).abs() < 0.04, "{gaussian} vs {exact}");
}
