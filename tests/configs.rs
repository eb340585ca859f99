//! Every shipped config parses, passes validation (a `pretrain` config: its prior section), and round-trips through TOML unchanged: the
//! config format is a contract (DESIGN §6), and moving settings between modules must not
//! break a file that users have.

mod common;

use posterior_studio::experiment::ExperimentConfig;

#[test]
fn every_shipped_config_parses_validates_and_round_trips() {
    let dir = common::repo_path("examples/configs");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 16, "shipped configs: {names:?}");
    for path in names {
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
