//! Nothing lost on a crash: a training process killed with SIGKILL mid-run (the CLI's
//! `train --save`, and the app's session with its autosave) leaves a checkpoint written at most
//! one autosave interval before the kill, and the run continues from it with the same curves.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant, SystemTime};

use posterior_studio::experiment::worker::autosave::unclean_session;
use posterior_studio::experiment::worker::{self, Cadence, Event, WorkerHandle};
use posterior_studio::experiment::{ExperimentConfig, History};

const INTERVAL: f64 = 1.0;
/// A checkpoint is written after an iteration ends and takes a moment to write.
const SLACK: f64 = 1.0;

fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_posterior-studio"));
    command.env("XDG_RUNTIME_DIR", std::env::temp_dir());
    command
}

fn config_path() -> String {
    common::repo_path("examples/configs/gaussian_exact.toml")
        .display()
        .to_string()
}

fn checkpoint_iteration(dir: &Path) -> usize {
    let text = std::fs::read_to_string(dir.join("state.toml")).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    table["iteration"].as_integer().unwrap() as usize
}

/// Waits until the checkpoint in `dir` has been rewritten `times` times, then a little more,
/// so that the kill lands between two checkpoints.
fn wait_for_checkpoints(child: &mut Child, dir: &Path, times: usize) {
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut seen = Vec::new();
    while seen.len() < times {
        assert!(
            Instant::now() < deadline,
            "no checkpoint in {}",
            dir.display()
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it was killed"
        );
        if let Ok(modified) = std::fs::metadata(dir.join("state.toml")).and_then(|m| m.modified())
            && !seen.contains(&modified)
        {
            seen.push(modified);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_secs_f64(0.6 * INTERVAL));
}

/// SIGKILLs `child` and checks that its last checkpoint is at most one interval old.
fn kill_and_check_loss(mut child: Child, dir: &Path) -> usize {
    child.kill().unwrap();
    let killed = SystemTime::now();
    child.wait().unwrap();
    let written = std::fs::metadata(dir.join("state.toml"))
        .and_then(|m| m.modified())
        .unwrap();
    let lost = killed.duration_since(written).unwrap_or_default();
    assert!(
        lost.as_secs_f64() <= INTERVAL + SLACK,
        "the last checkpoint was written {lost:?} before the kill"
    );
    checkpoint_iteration(dir)
}

fn contiguous(history: &History, last: usize) {
    let iterations: Vec<usize> = history.steps.iter().map(|s| s.iteration).collect();
    let expected: Vec<usize> = (1..=last).collect();
    assert_eq!(iterations, expected, "the curve has a gap or a repeat");
}

#[test]
fn a_killed_train_run_resumes_from_its_last_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("run");
    let child = bin()
        .args([
            "train",
            "--config",
            &config_path(),
            "--backend",
            "cpu",
            "--quiet",
        ])
        .args([
            "--set",
            "train.iterations=1000000",
            "--set",
            "train.eval_every=0",
        ])
        .args(["--save", &save.display().to_string()])
        .args(["--checkpoint-every", &INTERVAL.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = child;
    wait_for_checkpoints(&mut child, &save, 2);
    let restored = kill_and_check_loss(child, &save);
    assert!(restored > 0);
    // The same run, 20 iterations further, from the checkpoint.
    let target = restored + 20;
    let out = bin()
        .args([
            "train",
            "--resume",
            &save.display().to_string(),
            "--json",
            "--quiet",
        ])
        .args(["--set", &format!("train.iterations={target}")])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "resumed {} at iteration {restored}",
            save.display()
        )),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["iterations"], target);
    let history: History =
        serde_json::from_slice(&std::fs::read(save.join("history.json")).unwrap()).unwrap();
    contiguous(&history, target);
    assert_eq!(
        unclean_session(&save),
        None,
        "a finished run is not offered back"
    );
}

#[test]
fn a_killed_app_session_is_offered_back_and_continues() {
    let dir = tempfile::tempdir().unwrap();
    let autosave = dir.path().join("last_experiment");
    let mut child = bin()
        .args(["session", "--config", &config_path(), "--backend", "cpu"])
        .args([
            "--set",
            "train.iterations=1000000",
            "--set",
            "train.eval_every=0",
        ])
        .args(["--autosave", &autosave.display().to_string()])
        .args(["--autosave-every", &INTERVAL.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The session prints its iteration; the last line before the kill bounds the work lost.
    let stdout = child.stdout.take().unwrap();
    let (lines, printed) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("iteration ") {
                let _ = lines.send(n.parse::<usize>().unwrap_or(0));
            }
        }
    });
    wait_for_checkpoints(&mut child, &autosave, 2);
    let restored = kill_and_check_loss(child, &autosave);
    let last_printed = printed.try_iter().last().unwrap_or(0);
    let session = unclean_session(&autosave).expect("the killed session is offered back");
    assert_eq!(session.iteration, restored);
    assert!(restored > 0);
    eprintln!("killed near iteration {last_printed}; the autosave holds iteration {restored}");

    // What the app does on "Restore": the worker opens the autosave and trains on.
    let text = std::fs::read_to_string(config_path()).unwrap();
    let config = ExperimentConfig::from_toml(&text, "gaussian_exact.toml")
        .and_then(|c| c.with_overrides(&["backend=\"cpu\"".into()]))
        .unwrap();
    let handle = WorkerHandle::spawn(
        config,
        None,
        Cadence {
            evaluate_every: 0,
            autosave_interval: Duration::from_secs_f64(INTERVAL),
            ..Cadence::default()
        },
        std::sync::Arc::new(|| {}),
    );
    handle.send(worker::Command::Open(autosave.clone()));
    handle.send(worker::Command::SetAutosave(Some(autosave.clone())));
    handle.send(worker::Command::Play);
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut reopened_at = None;
    let mut first_step = None;
    let mut next_iteration = None;
    while next_iteration.is_none_or(|n: usize| n < restored + 20) {
        assert!(
            Instant::now() < deadline,
            "the restored session did not train"
        );
        for event in handle.drain() {
            match event {
                Event::Ready(info) if info.opened_from.is_some() => {
                    reopened_at = info.history.steps.last().map(|s| s.iteration);
                }
                Event::Step(record) if reopened_at.is_some() => {
                    first_step.get_or_insert(record.iteration);
                    next_iteration = Some(record.iteration);
                }
                Event::Error(e) => panic!("{e}"),
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        reopened_at,
        Some(restored),
        "the restored curve ends at the checkpoint"
    );
    assert_eq!(
        first_step,
        Some(restored + 1),
        "training continues the curve"
    );
    drop(handle);
    // Dropping the worker is a clean exit: a last autosave, and nothing offered next time.
    assert_eq!(unclean_session(&autosave), None);
    let history: History =
        serde_json::from_slice(&std::fs::read(autosave.join("history.json")).unwrap()).unwrap();
    let last = history.steps.last().unwrap().iteration;
    assert!(last >= restored + 20);
    contiguous(&history, last);
}
