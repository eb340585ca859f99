//! The command line as a script sees it: JSON on the last line, CSV with a source column, and
//! one clear error line (never a panic) for bad input.

mod common;

use std::process::Output;

use common::run;

fn config(name: &str) -> String {
    common::repo_path(&format!("examples/configs/{name}"))
        .display()
        .to_string()
}

const KEYS: [&str; 13] = [
    "iterations",
    "seconds",
    "it_per_s",
    "log_z_ref",
    "log_z_iw",
    "elbo",
    "log_z_learned",
    "ess",
    "modes_total",
    "modes_covered",
    "mode_tv",
    "energy_distance",
    "mean_log_r",
];

#[test]
fn train_prints_json_last_and_exports_samples() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("samples.csv");
    let out = run(&[
        "train",
        "--config",
        &config("gaussian_exact.toml"),
        "--set",
        "train.iterations=20",
        "--set",
        "eval.samples=300",
        "--backend",
        "cpu",
        "--json",
        "--quiet",
        "--export-samples",
        csv.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let json = last_json(&out);
    assert_eq!(json["iterations"], 20);
    assert!(stderr.contains("backend: CPU backend"), "{stderr}");
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("source,x0,x1"));
    for source in ["sampler", "reference", "prior"] {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{source},"))),
            "no {source} rows"
        );
    }
}

/// The JSON object on stdout's last line, with every key scripts rely on.
fn last_json(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().expect("stdout has a last line");
    let json: serde_json::Value = serde_json::from_str(last).expect("last line is JSON");
    for key in KEYS {
        assert!(json.get(key).is_some(), "missing key {key} in {last}");
    }
    json
}

/// Runs a failing command and checks it gave one clear line, no panic, and a non-zero exit.
fn assert_clear_error(args: &[&str], expected: &[&str]) {
    let out = run(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "must fail: {args:?}");
    assert!(!stderr.contains("panicked"), "panic for {args:?}: {stderr}");
    let error_lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(
        error_lines.len(),
        1,
        "one error line for {args:?}: {stderr}"
    );
    for word in expected {
        assert!(
            error_lines[0].contains(word),
            "{word:?} not in {:?}",
            error_lines[0]
        );
    }
}

#[test]
fn bad_input_gives_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let exact = config("gaussian_exact.toml");

    assert_clear_error(
        &["train", "--config", "/no/such/file.toml"],
        &["/no/such/file.toml"],
    );
    let bad_toml = write("bad.toml", b"[train]\nbatchsize = 3\n");
    assert_clear_error(
        &["train", "--config", &bad_toml],
        &["bad.toml", "batchsize"],
    );
    assert_clear_error(
        &[
            "train",
            "--config",
            &exact,
            "--set",
            "train.batch=0",
            "--backend",
            "cpu",
        ],
        &["train.batch"],
    );
    assert_clear_error(
        &[
            "train",
            "--config",
            &exact,
            "--set",
            "constraint.beta=-1",
            "--backend",
            "cpu",
        ],
        &["constraint.beta"],
    );
    assert_clear_error(
        &[
            "train",
            "--config",
            &exact,
            "--set",
            "train.objectiv=rtb",
            "--backend",
            "cpu",
        ],
        &["objectiv"],
    );
    // gaussian_exact.toml has no Langevin term and no local search.
    assert_clear_error(
        &[
            "train",
            "--config",
            &exact,
            "--set",
            "sampler.langevin_gain=\"reference\"",
            "--backend",
            "cpu",
        ],
        &["sampler.langevin_gain", "sampler.langevin"],
    );
    assert_clear_error(
        &[
            "train",
            "--config",
            &exact,
            "--set",
            "sampler.net.state_gain=-2",
            "--backend",
            "cpu",
        ],
        &["sampler.net.state_gain", "-2"],
    );
    assert_clear_error(
        &[
            "train",
            "--config",
            &exact,
            "--set",
            "train.forward_weight=-1",
            "--backend",
            "cpu",
        ],
        &["train.forward_weight", "-1"],
    );
    let manywell = config("manywell.toml");
    assert_clear_error(
        &[
            "train",
            "--config",
            &manywell,
            "--set",
            "sampler.langevin_fade=4",
            "--backend",
            "cpu",
        ],
        &["sampler.langevin_fade", "sampler.langevin_gain"],
    );
    assert_clear_error(
        &[
            "train",
            "--config",
            &manywell,
            "--set",
            "train.local_search.reference_starts=1.5",
            "--backend",
            "cpu",
        ],
        &["train.local_search.reference_starts", "1.5"],
    );
    assert_clear_error(
        &[
            "train",
            "--config",
            &manywell,
            "--set",
            "train.exploration.floor=0.5",
            "--backend",
            "cpu",
        ],
        &["train.exploration.floor", "0.5", "0.2"],
    );

    let out = dir.path().join("prior");
    let out = out.to_str().unwrap();
    let ragged = write("ragged.csv", b"1,2\n3\n");
    assert_clear_error(
        &[
            "pretrain",
            "--dataset",
            &ragged,
            "--output",
            out,
            "--backend",
            "cpu",
        ],
        &["ragged.csv", "line 2"],
    );
    let nan = write("nan.csv", b"x,y\n1,2\nNaN,3\n");
    assert_clear_error(
        &[
            "pretrain",
            "--dataset",
            &nan,
            "--output",
            out,
            "--backend",
            "cpu",
        ],
        &["nan.csv", "line 3"],
    );
    let words = write("words.csv", b"1,2\n3,four\n");
    assert_clear_error(
        &[
            "pretrain",
            "--dataset",
            &words,
            "--output",
            out,
            "--backend",
            "cpu",
        ],
        &["words.csv", "four"],
    );
    let empty = write("empty.csv", b"");
    assert_clear_error(
        &[
            "pretrain",
            "--dataset",
            &empty,
            "--output",
            out,
            "--backend",
            "cpu",
        ],
        &["empty.csv", "no rows"],
    );

    let not_png = write("sketch.png", b"this is text");
    assert_clear_error(
        &[
            "train",
            "--config",
            &exact,
            "--backend",
            "cpu",
            "--set",
            "constraint.kind=grid",
            "--set",
            &format!("constraint.grid.path=\"{not_png}\""),
        ],
        &["sketch.png", "not a readable image"],
    );
    assert_clear_error(
        &[
            "train",
            "--config",
            &exact,
            "--backend",
            "cpu",
            "--set",
            "prior.kind=diffusion",
            "--set",
            "prior.path=\"/no/prior\"",
        ],
        &["/no/prior"],
    );
    assert_clear_error(
        &["sample", "--checkpoint", "/no/checkpoint", "--output", out],
        &["/no/checkpoint"],
    );
}

#[test]
fn a_diverging_run_exits_with_a_message_and_saves_the_last_good_state() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("run");
    let out = run(&[
        "train",
        "--config",
        &config("gaussian_exact.toml"),
        "--backend",
        "cpu",
        "--quiet",
        "--set",
        "train.lr=1e25",
        "--set",
        "train.iterations=20",
        "--set",
        "eval.samples=100",
        "--save",
        save.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("not finite") && stderr.contains("last good state"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(save.join("sampler.bpk").is_file());
}

#[test]
fn a_noise_space_run_exports_data_and_noise_samples() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("samples.csv");
    let out = run(&[
        "train",
        "--config",
        &config("outsourced_flow_9of25.toml"),
        "--set",
        "train.iterations=5",
        "--set",
        "eval.samples=200",
        "--set",
        "eval.grid_resolution=200",
        "--backend",
        "cpu",
        "--json",
        "--quiet",
        "--export-samples",
        csv.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let json = last_json(&out);
    assert_eq!(json["space"], "noise");
    assert!(json["noise_energy_distance"].as_f64().is_some());
    assert!(json["modes_total"].as_u64().unwrap() >= 9);
    for file in ["samples.csv", "samples.noise.csv"] {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        assert_eq!(text.lines().next(), Some("source,x0,x1"), "{file}");
        assert_eq!(
            text.lines().filter(|l| l.starts_with("sampler,")).count(),
            200
        );
    }
}
