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
use crate::prior::Reference;
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
    Trainer::new(config, Some(&dir), &mut |_| true).unwrap()
}

#[test]
fn training_and_evaluation_log_ratios_agree_with_exploration_drift_and_langevin() {
    let mut trainer = trainer("rtb_9of25.toml", &[]);
    assert!(matches!(trainer.reference, Reference::Diffusion(_)));
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
fn a_diffusion_prior_refuses_a_grid_that_reaches_later_than_it_was_trained() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/configs");
    let text = std::fs::read_to_string(dir.join("rtb_9of25.toml")).unwrap();
    let config = |power: &str| {
        ExperimentConfig::from_toml(&text, "rtb_9of25.toml")
            .and_then(|c| c.with_overrides(&[format!("sampler.grid_power={power}")]))
            .unwrap()
    };
    // The shipped prior was trained on the power-2 grid, up to t = 1 − 1/T²; power 3 starts
    // its last step at 1 − 1/T³, where the network never saw data.
    let Err(error) = Trainer::new(config("3"), Some(&dir), &mut |_| true) else {
        panic!("a grid beyond the prior's trained times must be refused");
    };
    let message = error.to_string();
    assert!(message.contains("sampler.grid_power"), "{message}");
    assert!(message.contains("grid_power = 2"), "{message}");
    // A coarser grid only evaluates the prior at times it was trained at.
    assert!(Trainer::new(config("1"), Some(&dir), &mut |_| true).is_ok());
}
