//! One config, one experiment: the CLI's path (compose, then a trainer) and the app's worker
//! compose every shipped config and every lesson to the same time grid, σ, space and
//! constraint, and a shipped config needs no adjustment (it says what runs).

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use posterior_studio::backend;
use posterior_studio::experiment::ExperimentConfig;
use posterior_studio::experiment::composition::{Composition, PriorSource, compose};
use posterior_studio::experiment::worker::{Cadence, Event, ReadyInfo, WorkerHandle};

/// What the app's worker reports for `config`.
fn worker_ready(config: ExperimentConfig, base_dir: Option<PathBuf>) -> Box<ReadyInfo> {
    let worker = WorkerHandle::spawn(
        config,
        base_dir,
        Cadence {
            evaluate_every: 0,
            snapshot_samples: 16,
            snapshot_trajectories: 2,
            reference_points: 16,
            ..Cadence::default()
        },
        Arc::new(|| {}),
    );
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        for event in worker.drain() {
            match event {
                Event::Ready(info) => return info,
                Event::Error(e) => panic!("the worker refused: {e}"),
                _ => {}
            }
        }
        assert!(Instant::now() < deadline, "no experiment from the worker");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn cli_composition(config: ExperimentConfig, base_dir: Option<&Path>) -> Composition {
    let compute = backend::select(config.backend);
    compose(config, PriorSource::Config, base_dir, &compute).expect("the config composes")
}

fn assert_same(what: &str, cli: &Composition, app: &ReadyInfo) {
    let (a, b) = (&cli.config.sampler, &app.config.sampler);
    assert_eq!(
        (a.steps, a.grid_power, a.space),
        (b.steps, b.grid_power, b.space),
        "{what}: time grid or space"
    );
    assert_eq!(
        cli.reference.describe(),
        app.reference,
        "{what}: reference (σ)"
    );
    assert_eq!(
        cli.constraint.describe(),
        app.constraint,
        "{what}: constraint"
    );
    assert_eq!(
        cli.config.constraint, app.config.constraint,
        "{what}: constraint settings"
    );
    let adjustments: Vec<String> = cli.adjustments.iter().map(ToString::to_string).collect();
    assert_eq!(adjustments, app.adjustments, "{what}: adjustments");
}

#[test]
fn every_shipped_config_composes_alike_in_the_cli_and_the_worker_and_needs_no_adjustment() {
    for path in common::shipped_configs() {
        let name = path.display().to_string();
        // `prior.toml`, `flow_prior.toml`, … are `pretrain` settings.
        if name.ends_with("prior.toml") {
            continue;
        }
        let config = ExperimentConfig::from_toml(&std::fs::read_to_string(&path).unwrap(), &name)
            .and_then(|c| c.with_overrides(&["backend=\"cpu\"".into()]))
            .unwrap();
        let dir = path.parent().unwrap().to_path_buf();
        let cli = cli_composition(config.clone(), Some(&dir));
        assert!(
            cli.adjustments.is_empty(),
            "{name} does not say what runs: {:?}",
            cli.adjustments
        );
        assert_same(&name, &cli, &worker_ready(config, Some(dir)));
    }
}

#[test]
fn every_lesson_composes_alike_in_the_cli_and_the_worker() {
    for lesson in posterior_studio::app::lessons::LESSONS {
        let mut config = (lesson.config)();
        config.backend = posterior_studio::backend::BackendChoice::Cpu;
        let cli = cli_composition(config.clone(), None);
        assert_same(lesson.title, &cli, &worker_ready(config, None));
    }
}

#[test]
fn an_energy_target_gets_a_brownian_reference_of_its_size_and_the_change_is_named() {
    let (mut config, dir) = common::example_config("rtb_9of25.toml", &[]);
    config.constraint.kind = posterior_studio::constraint::ConstraintKind::Energy;
    config.constraint.energy.target = "funnel".into();
    let cli = cli_composition(config.clone(), Some(&dir));
    assert_eq!(cli.reference.dim(), 10);
    assert!(cli.reference.is_brownian());
    let fields: Vec<&str> = cli.adjustments.iter().map(|a| a.field).collect();
    assert_eq!(fields, ["prior.kind", "prior.path", "prior.dim"]);
    assert_same(
        "funnel over the 25GMM config",
        &cli,
        &worker_ready(config, Some(dir)),
    );
}
