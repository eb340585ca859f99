//! `posterior-studio session`: the workbench's training session without a window — the same
//! worker thread, autosave and crash recovery as the app, driven from the command line. For
//! long runs on a machine without a display, and for testing recovery from a killed process.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;

use super::{CommonArgs, Outcome, load_config};
use crate::error::{Error, Result};
use crate::experiment::worker::autosave::unclean_session;
use crate::experiment::worker::{Cadence, Command, Event, WorkerHandle};

#[derive(Debug, Args)]
pub struct SessionArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// The autosave folder: the experiment is checkpointed there every `--autosave-every`
    /// seconds and at every evaluation (the app uses `last_experiment` in its storage folder).
    #[arg(long)]
    pub autosave: PathBuf,
    /// Seconds between autosaves.
    #[arg(long, default_value_t = 60.0)]
    pub autosave_every: f64,
    /// When the previous session in the autosave folder did not end cleanly, continue from
    /// its last checkpoint instead of starting afresh (the app asks instead).
    #[arg(long)]
    pub restore: bool,
}

pub fn session(args: &SessionArgs) -> Result<Outcome> {
    if !(args.autosave_every.is_finite() && args.autosave_every > 0.0) {
        return Err(Error::config(
            "--autosave-every",
            format!(
                "must be a positive number of seconds, got {}",
                args.autosave_every
            ),
        ));
    }
    let (config, base_dir) = load_config(&args.common)?;
    config.validate()?;
    let restore = args
        .restore
        .then(|| unclean_session(&args.autosave))
        .flatten();
    let cadence = Cadence {
        evaluate_every: config.train.eval_every,
        // Nobody looks at snapshots here: make them rare.
        snapshot_interval: Duration::from_secs(3600),
        autosave_dir: Some(args.autosave.clone()),
        autosave_interval: Duration::from_secs_f64(args.autosave_every),
        ..Cadence::default()
    };
    let worker = WorkerHandle::spawn(config, base_dir, cadence, Arc::new(|| {}));
    if let Some(session) = &restore {
        eprintln!(
            "restoring the unfinished session in {} (checkpoint at iteration {})",
            args.autosave.display(),
            session.iteration
        );
        worker.send(Command::Open(args.autosave.clone()));
    }
    worker.send(Command::Play);
    let mut last_print = Instant::now();
    let mut iteration = 0;
    loop {
        for event in worker.drain() {
            match event {
                Event::Step(record) => {
                    iteration = record.iteration;
                    if last_print.elapsed() >= Duration::from_millis(250) {
                        println!("iteration {iteration}");
                        last_print = Instant::now();
                    }
                }
                Event::Autosaved(at) => println!("autosaved {at}"),
                Event::Evaluated(metrics) => println!("evaluated {}", metrics.run.iterations),
                Event::Paused(reason) => {
                    println!("stopped at iteration {iteration}: {reason}");
                    let finished = reason == "training finished";
                    drop(worker);
                    return Ok(if finished {
                        Outcome::Ok
                    } else {
                        Outcome::Stopped
                    });
                }
                Event::Error(message) => return Err(Error::Unsupported(message)),
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
