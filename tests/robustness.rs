//! Bad input and bad numbers: clear errors, no panics, and no lost work.

mod common;

use posterior_studio::Error;
use posterior_studio::experiment::Trainer;
use posterior_studio::math::rng::seeded;

#[test]
fn a_diverging_run_stops_and_keeps_the_last_good_state() {
    // An absurd learning rate would blow the weights up on the first update: the update must be
    // refused, and the sampler left exactly as it was.
    let mut trainer = common::trainer(
        "gaussian_exact.toml",
        &["train.lr=1e25", "train.iterations=10"],
    );
    let before = trainer.draw(64, &mut seeded(5)).samples;
    let error = trainer
        .step()
        .expect_err("training must stop on non-finite values");
    assert!(matches!(error, Error::NonFinite { .. }), "{error}");
    assert!(error.to_string().contains("last good state"), "{error}");
    assert!(matches!(trainer.step(), Err(Error::NonFinite { .. })));
    assert_eq!(trainer.iteration(), 0, "a refused step does not count");
    let after = trainer.draw(64, &mut seeded(5)).samples;
    assert!(after.all_finite(), "the kept state samples finite points");
    assert_eq!(before, after, "the sampler is unchanged by refused steps");
}

#[test]
fn a_refused_var_grad_step_keeps_the_last_log_z_estimate() {
    // VarGrad estimates log Z from each batch; the estimate of a batch whose update is refused
    // (once −7.5·10⁵⁸ on the funnel) must not become the run's reported log Z.
    let mut trainer = common::trainer(
        "gaussian_exact.toml",
        &[
            "train.objective=\"var_grad\"",
            "train.lr=1e25",
            "train.iterations=10",
        ],
    );
    let mut before = trainer.learned_log_z();
    for _ in 0..5 {
        match trainer.step() {
            Ok(_) => before = trainer.learned_log_z(),
            Err(error) => {
                assert!(matches!(error, Error::NonFinite { .. }), "{error}");
                assert_eq!(trainer.learned_log_z(), before);
                return;
            }
        }
    }
    panic!("a learning rate of 1e25 must be refused within five steps");
}

#[test]
fn saved_experiment_reloads_the_same_sampler() {
    let mut trainer = common::trainer("gaussian_exact.toml", &["train.iterations=30"]);
    while !trainer.is_done() {
        trainer.step().unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    trainer.save(dir.path()).unwrap();
    let loaded = Trainer::load(dir.path(), &["backend=\"cpu\"".into()]).unwrap();
    assert_eq!(loaded.iteration(), 30);
    assert_eq!(loaded.history().steps.len(), 30);
    let a = trainer.draw(100, &mut seeded(9));
    let b = loaded.draw(100, &mut seeded(9));
    assert_eq!(a.samples, b.samples);
    assert_eq!(a.log_w, b.log_w);
}

#[test]
fn a_corrupt_checkpoint_is_reported_by_file() {
    let mut trainer = common::trainer("gaussian_exact.toml", &["train.iterations=1"]);
    trainer.step().unwrap();
    let dir = tempfile::tempdir().unwrap();
    trainer.save(dir.path()).unwrap();
    std::fs::write(dir.path().join("sampler.bpk"), b"not a record").unwrap();
    let Err(error) = Trainer::load(dir.path(), &[]) else {
        panic!("a corrupt checkpoint must not load");
    };
    assert!(error.to_string().contains("sampler.bpk"), "{error}");
}

#[test]
fn a_constraint_of_the_wrong_dimension_is_named() {
    let (config, dir) = common::example_config(
        "gaussian_exact.toml",
        &[
            "constraint.gaussian_obs.y=[1.0, 2.0, 3.0]",
            "constraint.gaussian_obs.a=[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]",
            "prior.dim=3",
        ],
    );
    // A 3×2 matrix acts on 2-D points while the reference is 3-D.
    let Err(error) = Trainer::new(config, Some(&dir)) else {
        panic!("must fail");
    };
    let text = error.to_string();
    assert!(
        text.contains("dimension") && text.contains("gaussian_obs"),
        "{text}"
    );
}
