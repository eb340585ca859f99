//! Every shipped config parses, passes validation (a `pretrain` config: its prior section), and round-trips through TOML unchanged: the
//! config format is a contract (DESIGN §6), and moving settings between modules must not
//! break a file that users have.

mod common;

use posterior_studio::experiment::ExperimentConfig;
use posterior_studio::experiment::presets::apply_sketch_settings;

#[test]
fn every_shipped_config_parses_validates_and_round_trips() {
    for path in common::shipped_configs() {
        let text = std::fs::read_to_string(&path).unwrap();
        let origin = path.display().to_string();
        let config =
            ExperimentConfig::from_toml(&text, &origin).unwrap_or_else(|e| panic!("{origin}: {e}"));
        // `prior.toml`, `flow_prior.toml`, … are `pretrain` settings: only their prior counts.
        let checked = if origin.ends_with("prior.toml") {
            config.prior.validate()
        } else {
            config.validate()
        };
        checked.unwrap_or_else(|e| panic!("{origin}: {e}"));
        let again = ExperimentConfig::from_toml(&config.to_toml(), &origin).unwrap();
        assert_eq!(again, config, "{origin} does not round-trip");
    }
}

/// The app's Sketch tool starts from the settings of the shipped sketch config, so that what it
/// recommends is what was measured (README, issue notes).
#[test]
fn the_sketch_tool_uses_the_settings_of_the_shipped_sketch_config() {
    let path = common::repo_path("examples/configs/sketch_region.toml");
    let shipped =
        ExperimentConfig::from_toml(&std::fs::read_to_string(&path).unwrap(), "sketch_region")
            .unwrap();
    let mut preset = shipped.clone();
    preset.train = ExperimentConfig::default().train;
    preset.train.iterations = shipped.train.iterations;
    preset.train.batch = shipped.train.batch;
    preset.train.lr_log_z = shipped.train.lr_log_z;
    preset.train.grad_clip = shipped.train.grad_clip;
    preset.sampler.langevin = false;
    apply_sketch_settings(&mut preset);
    assert_eq!(preset.train, shipped.train);
    assert_eq!(preset.sampler, shipped.sampler);
    assert_ne!(shipped.train, ExperimentConfig::default().train);
}

/// An experiment saved before checkpoints carried the optimiser and the buffer, and before the
/// metrics had the outside bin: its files are today's minus `optimizer.bpk`, `buffer.json`,
/// `session.toml`, and minus the new keys of every evaluation in `history.json`.
#[test]
fn an_experiment_saved_in_the_earlier_format_loads_and_measures_the_same() {
    use posterior_studio::experiment::Trainer;
    let mut trainer = common::trainer(
        "gaussian_exact.toml",
        &["train.iterations=30", "eval.samples=500"],
    );
    while !trainer.is_done() {
        trainer.step().unwrap();
    }
    trainer.evaluate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    trainer.save(dir.path()).unwrap();
    let current = Trainer::load(dir.path(), &[]).unwrap().evaluate().unwrap();

    for new_file in ["optimizer.bpk", "buffer.json", "session.toml"] {
        let _ = std::fs::remove_file(dir.path().join(new_file));
    }
    let history_path = dir.path().join("history.json");
    let mut history: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&history_path).unwrap()).unwrap();
    for evaluation in history["evaluations"].as_array_mut().unwrap() {
        let fields = evaluation.as_object_mut().unwrap();
        for key in [
            "outside_share",
            "outside_share_ref",
            "mean_log_r_ref",
            "dropped",
            "warnings",
        ] {
            assert!(fields.remove(key).is_some(), "{key} is a new key");
        }
    }
    std::fs::write(&history_path, serde_json::to_vec(&history).unwrap()).unwrap();
    let config_path = dir.path().join("config.toml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    let earlier: String = config
        .lines()
        .filter(|l| !l.starts_with("burn_in_fraction"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(earlier, config, "the earlier config had no burn-in");
    std::fs::write(&config_path, earlier).unwrap();

    let mut loaded = Trainer::load(dir.path(), &[]).unwrap();
    assert_eq!(loaded.iteration(), 30);
    assert_eq!(loaded.history().evaluations.len(), 1);
    let earlier = loaded.evaluate().unwrap();
    for (name, a, b) in [
        ("IW log Z", current.log_z.log_z_iw, earlier.log_z.log_z_iw),
        ("ELBO", current.log_z.elbo, earlier.log_z.elbo),
        ("ESS", current.log_z.ess, earlier.log_z.ess),
        (
            "mode TV",
            current.modes.fit.mode_tv,
            earlier.modes.fit.mode_tv,
        ),
    ] {
        assert_eq!(a, b, "{name} differs after loading the earlier format");
    }
}
