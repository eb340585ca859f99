//! The training worker's state machine, driven headlessly through its protocol (no window):
//! play, pause, step, reset, configure, swap constraint, swap prior, cancel prior training,
//! save and open.

mod common;

use common::small_config as config;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use posterior_studio::constraint::ConstraintConfig;
use posterior_studio::experiment::worker::{
    Cadence, Command, Event, PriorChoice, ReadyInfo, WorkerHandle,
};

/// A worker and every event it sent so far.
struct Session {
    worker: WorkerHandle,
    seen: Vec<Event>,
}

impl Session {
    fn start() -> Self {
        Self::with(config())
    }

    fn with(config: posterior_studio::ExperimentConfig) -> Self {
        let worker = WorkerHandle::spawn(
            config,
            None,
            Cadence {
                evaluate_every: 0,
                snapshot_samples: 100,
                snapshot_trajectories: 5,
                ..Cadence::default()
            },
            Arc::new(|| {}),
        );
        let mut session = Self {
            worker,
            seen: Vec::new(),
        };
        session.ready();
        session
    }

    /// Waits for the first event after now that `matches`, and returns it.
    fn wait(&mut self, what: &str, matches: impl Fn(&Event) -> bool) -> Event {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            for event in self.worker.drain() {
                self.seen.push(event.clone());
                if matches(&event) {
                    return event;
                }
                if let Event::Error(e) = &event {
                    eprintln!("worker error while waiting for {what}: {e}");
                }
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn ready(&mut self) -> Box<ReadyInfo> {
        match self.wait("an experiment", |e| matches!(e, Event::Ready(_))) {
            Event::Ready(info) => info,
            _ => unreachable!(),
        }
    }

    fn step_at_least(&mut self, iteration: usize) -> usize {
        match self.wait(
            "training steps",
            |e| matches!(e, Event::Step(r) if r.iteration >= iteration),
        ) {
            Event::Step(record) => record.iteration,
            _ => unreachable!(),
        }
    }

    fn send(&self, command: Command) {
        assert!(self.worker.send(command), "the worker is gone");
    }
}

#[test]
fn step_play_pause_and_reset() {
    let mut s = Session::start();
    s.send(Command::Step);
    assert_eq!(s.step_at_least(1), 1);
    // A step pauses first (Playing(false) comes before the step's record).
    assert!(s.seen.iter().any(|e| matches!(e, Event::Playing(false))));

    s.send(Command::Play);
    s.wait("playing", |e| matches!(e, Event::Playing(true)));
    let reached = s.step_at_least(6);
    s.send(Command::Pause);
    s.wait("paused", |e| matches!(e, Event::Playing(false)));
    // Nothing trains while paused.
    std::thread::sleep(Duration::from_millis(300));
    let stepped_after_pause = s.worker.drain().iter().any(|e| matches!(e, Event::Step(_)));
    assert!(
        !stepped_after_pause,
        "a step arrived after the pause (reached {reached})"
    );

    s.send(Command::Reset);
    let info = s.ready();
    assert!(
        info.history.steps.is_empty(),
        "a reset sampler starts again"
    );
    s.send(Command::Step);
    assert_eq!(s.step_at_least(1), 1);
}

#[test]
fn configure_keeps_or_resets_the_sampler_as_the_settings_require() {
    let mut s = Session::start();
    s.send(Command::Step);
    s.send(Command::Step);
    s.step_at_least(2);
    // A learning rate leaves the model's shape alone: applied in place.
    let mut new = config();
    new.train.lr = 5e-4;
    s.send(Command::Configure(Box::new(new.clone())));
    s.wait(
        "settings applied",
        |e| matches!(e, Event::Status(t) if t.contains("applied")),
    );
    s.send(Command::Step);
    assert_eq!(s.step_at_least(3), 3, "training went on from where it was");
    // A wider network is another sampler: a fresh one.
    new.sampler.net.hidden = 24;
    s.send(Command::Configure(Box::new(new)));
    let info = s.ready();
    assert_eq!(info.config.sampler.net.hidden, 24);
    assert!(info.history.steps.is_empty());
}

/// A lesson moves from a 2-D experiment to Many Well in d = 32: one Configure, with a new
/// reference and a new constraint, and no error on the way (the old constraint is not tried on
/// the new reference, nor the new one on the old).
#[test]
fn configure_to_another_dimension_builds_the_new_experiment_whole() {
    let mut s = Session::start();
    let (mut many_well, _) = common::example_config("manywell.toml", &[]);
    many_well.sampler.steps = 10;
    many_well.sampler.net.hidden = 16;
    many_well.train.batch = 16;
    s.send(Command::Configure(Box::new(many_well)));
    let info = s.ready();
    assert_eq!(info.dim, 32);
    assert_eq!(info.config.constraint.energy.target, "manywell");
    let errors: Vec<_> = s
        .seen
        .iter()
        .filter(|e| matches!(e, Event::Error(_)))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    s.send(Command::Step);
    assert_eq!(s.step_at_least(1), 1);
}

#[test]
fn a_new_constraint_re_targets_without_a_restart() {
    let mut s = Session::start();
    s.send(Command::Step);
    s.step_at_least(1);
    let mut constraint: ConstraintConfig = config().constraint;
    constraint.gaussian_obs.y = vec![-2.0, 2.0];
    s.send(Command::SetConstraint(Box::new(constraint)));
    let info = s.ready();
    assert_eq!(info.config.constraint.gaussian_obs.y, vec![-2.0, 2.0]);
    assert_eq!(
        info.history.steps.len(),
        1,
        "the sampler and its curve are kept"
    );
    // A constraint that cannot be built changes nothing and says why.
    let mut bad = config().constraint;
    bad.gaussian_obs.noise_std = -1.0;
    s.send(Command::SetConstraint(Box::new(bad)));
    match s.wait("an error", |e| matches!(e, Event::Error(_))) {
        Event::Error(text) => assert!(text.contains("noise_std"), "{text}"),
        _ => unreachable!(),
    }
}

#[test]
fn a_new_prior_and_a_cancelled_prior_training() {
    let mut s = Session::start();
    s.send(Command::SetPrior(PriorChoice::Brownian {
        dim: 2,
        sigma: 2.0,
    }));
    let info = s.ready();
    assert!(info.reference.contains("σ = 2"), "{}", info.reference);
    // Training a diffusion prior (100,000 iterations) reports progress and stops when asked.
    s.send(Command::SetPrior(PriorChoice::Train {
        dataset: "gmm25".into(),
        kind: posterior_studio::experiment::config::PriorKind::Diffusion,
    }));
    s.wait("prior progress", |e| matches!(e, Event::PriorProgress(_)));
    s.send(Command::CancelPrior);
    s.wait("the cancellation", |e| matches!(e, Event::PriorCancelled));
    // The experiment in use is untouched and still trains.
    s.send(Command::Step);
    s.step_at_least(1);
    let readies = s
        .seen
        .iter()
        .filter(|e| matches!(e, Event::Ready(_)))
        .count();
    assert_eq!(readies, 2, "the cancelled prior replaced nothing");
}

/// The sampler's samples from fixed noise: equal weights give equal samples.
fn samples_of(folder: &std::path::Path) -> Vec<f32> {
    let trainer = posterior_studio::Trainer::load(folder, &[]).unwrap();
    let draw = trainer.draw(64, &mut posterior_studio::math::rng::seeded(7));
    draw.samples.rows().flatten().copied().collect()
}

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn save_then_open_restores_the_sampler_and_its_curve() {
    let dir = tempfile::tempdir().unwrap();
    let folder: PathBuf = dir.path().join("saved");
    let mut s = Session::start();
    for _ in 0..3 {
        s.send(Command::Step);
    }
    s.step_at_least(3);
    s.send(Command::Save(folder.clone()));
    s.wait("saved", |e| matches!(e, Event::Saved(p) if *p == folder));
    s.send(Command::Step);
    s.step_at_least(4);
    let moved_on = dir.path().join("moved_on");
    s.send(Command::Save(moved_on.clone()));
    s.wait("saved", |e| matches!(e, Event::Saved(p) if *p == moved_on));
    s.send(Command::Open(folder.clone()));
    let info = s.ready();
    assert_eq!(info.opened_from.as_deref(), Some(folder.as_path()));
    assert_eq!(info.history.steps.len(), 3);
    // What the reopened worker holds, saved again before it trains: the saved weights, not
    // the newer ones and not fresh ones.
    let reopened = dir.path().join("reopened");
    s.send(Command::Save(reopened.clone()));
    s.wait("saved", |e| matches!(e, Event::Saved(p) if *p == reopened));
    let saved = samples_of(&folder);
    let restored = max_difference(&saved, &samples_of(&reopened));
    let one_step_on = max_difference(&saved, &samples_of(&moved_on));
    assert!(
        restored < 1e-5 && one_step_on > 1e3 * restored.max(1e-7),
        "saved vs reopened {restored}, saved vs one iteration later {one_step_on}"
    );
    s.send(Command::Step);
    assert_eq!(
        s.step_at_least(4),
        4,
        "training continues from the saved iteration"
    );
    // A folder that is not an experiment changes nothing and names the folder.
    s.send(Command::Open(dir.path().join("nothing here")));
    match s.wait("an error", |e| matches!(e, Event::Error(_))) {
        Event::Error(text) => assert!(text.contains("nothing here"), "{text}"),
        _ => unreachable!(),
    }
}

#[test]
fn an_image_prior_of_a_chosen_kind_trains_from_the_front_end() {
    // An inpainting experiment on a 4×4 version of a small MNIST-format folder, Brownian first.
    let dir = tempfile::tempdir().unwrap();
    common::write_folder(dir.path(), 64);
    let folder = dir.path().display().to_string();
    let mut config = config();
    config.prior.dim = 16;
    config.prior.iterations = 60;
    config.constraint.kind = posterior_studio::constraint::ConstraintKind::Inpaint;
    config.constraint.inpaint.data = folder.clone();
    let mut s = Session::with(config);
    s.send(Command::SetPrior(PriorChoice::Train {
        dataset: format!("{folder}@2"),
        kind: posterior_studio::experiment::config::PriorKind::Vae,
    }));
    s.wait("VAE training progress", |e| {
        matches!(e, Event::PriorProgress(_))
    });
    let info = s.ready();
    assert_eq!(
        info.config.prior.kind,
        posterior_studio::experiment::config::PriorKind::Vae
    );
    assert_eq!(
        info.config.sampler.space,
        posterior_studio::prior::SamplerSpace::Noise
    );
    assert!(info.reference.contains("VAE"), "{}", info.reference);
    assert_eq!(info.image_shape, Some((4, 4)));
    assert_eq!(info.inpainting.as_ref().map(|o| o.observed()), Some(8));
    s.send(Command::Step);
    s.step_at_least(1);
    // A kind that is not trained on data is refused with the field named.
    s.send(Command::SetPrior(PriorChoice::Train {
        dataset: format!("{folder}@2"),
        kind: posterior_studio::experiment::config::PriorKind::Ode,
    }));
    match s.wait("the refusal", |e| matches!(e, Event::Error(_))) {
        Event::Error(e) => assert!(e.contains("prior.kind"), "{e}"),
        _ => unreachable!(),
    }
}
