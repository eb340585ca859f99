//! The GPU backend (burn on wgpu) on whatever adapter exists — Mesa's software Vulkan driver
//! (lavapipe) in CI — gives the same numbers as the CPU backend.

mod common;

use posterior_studio::backend::{self, BackendChoice};
use posterior_studio::experiment::Trainer;
use posterior_studio::math::rng::seeded;

const TINY: [&str; 5] = [
    "sampler.steps=8",
    "train.batch=32",
    "train.iterations=4",
    "eval.samples=64",
    "sampler.net.hidden=16",
];

fn run(backend: &str, extra: &[&str]) -> (Vec<f64>, Vec<f32>, Vec<f64>) {
    let mut overrides: Vec<&str> = TINY.to_vec();
    overrides.extend_from_slice(extra);
    let backend = format!("backend=\"{backend}\"");
    overrides.push(&backend);
    let (config, dir) = common::example_config("gaussian_exact.toml", &overrides);
    let mut trainer = Trainer::new(config, Some(&dir)).unwrap();
    let mut losses = Vec::new();
    while !trainer.is_done() {
        losses.push(trainer.step().unwrap().loss);
    }
    let draw = trainer.draw(64, &mut seeded(2));
    (losses, draw.samples.into_vec(), draw.log_w)
}

#[test]
fn auto_uses_a_gpu_only_when_it_is_hardware() {
    let hardware = backend::list_adapters()
        .iter()
        .any(|a| a.device_type != burn::tensor::wgpu::wgpu::DeviceType::Cpu);
    assert_eq!(backend::select(BackendChoice::Auto).is_gpu(), hardware);
}

#[test]
fn gpu_backend_matches_cpu_backend() {
    let gpu = backend::select(BackendChoice::Gpu);
    assert!(
        gpu.is_gpu(),
        "no Vulkan adapter found ({:?}); install Mesa's software driver (mesa-vulkan-drivers)",
        gpu.fallback_reason
    );
    eprintln!("GPU backend: {}", gpu.describe());
    // The plain process, and a power-2 time grid with a learned variance (exp, tanh and the
    // full Gaussian log-ratio on the device).
    for extra in [
        &[][..],
        &["sampler.grid_power=2", "sampler.learned_variance=true"][..],
    ] {
        compare(extra);
    }
}

fn compare(extra: &[&str]) {
    let (cpu_losses, cpu_samples, cpu_log_w) = run("cpu", extra);
    let (gpu_losses, gpu_samples, gpu_log_w) = run("gpu", extra);
    // zip stops at the shorter side: an empty or short result must fail, not pass.
    assert_eq!(cpu_losses.len(), 4, "CPU losses {cpu_losses:?}");
    assert_eq!(
        gpu_losses.len(),
        cpu_losses.len(),
        "GPU losses {gpu_losses:?}"
    );
    assert_eq!(cpu_samples.len(), 64 * 2);
    assert_eq!(gpu_samples.len(), cpu_samples.len());
    assert_eq!(cpu_log_w.len(), 64);
    assert_eq!(gpu_log_w.len(), cpu_log_w.len());
    for (a, b) in cpu_losses.iter().zip(&gpu_losses) {
        assert!(
            (a - b).abs() <= 1e-3 * (1.0 + a.abs()),
            "{extra:?}: loss {a} (cpu) vs {b} (gpu)"
        );
    }
    for (a, b) in cpu_samples.iter().zip(&gpu_samples) {
        assert!(
            (a - b).abs() <= 1e-3 * (1.0 + a.abs()),
            "{extra:?}: sample {a} (cpu) vs {b} (gpu)"
        );
    }
    for (a, b) in cpu_log_w.iter().zip(&gpu_log_w) {
        assert!(
            (a - b).abs() <= 1e-3 * (1.0 + a.abs()),
            "{extra:?}: log w {a} (cpu) vs {b} (gpu)"
        );
    }
}
