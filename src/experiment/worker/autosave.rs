//! Nothing lost on a crash: a running experiment is checkpointed to a folder at a set interval
//! and at every evaluation (the CLI's `train --save`, the app's autosave), and a session marker
//! beside the checkpoint tells whether the process that wrote it ended cleanly. A process
//! killed mid-training loses at most one interval; the next start finds the marker still
//! saying "running" and offers the checkpoint back.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::experiment::checkpoint::STATE_FILE;
use crate::experiment::trainer::Trainer;
use crate::files;

/// The session marker's file name inside the checkpoint folder.
pub const SESSION_FILE: &str = "session.toml";

/// Checkpoints one experiment to `dir` at most every `interval`, and whenever forced.
#[derive(Debug)]
pub struct Autosave {
    pub dir: PathBuf,
    pub interval: Duration,
    last: Instant,
    /// The iteration of the last checkpoint written, so that an idle experiment is not saved
    /// again and again.
    saved_iteration: Option<usize>,
}

/// What a session marker says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// False while the writing process runs; true once it ended cleanly.
    pub clean: bool,
    /// The process that wrote it.
    pub pid: u32,
    /// Iteration of the newest checkpoint.
    pub iteration: usize,
}

impl Autosave {
    pub fn new(dir: impl Into<PathBuf>, interval: Duration) -> Self {
        Self {
            dir: dir.into(),
            interval,
            last: Instant::now(),
            saved_iteration: None,
        }
    }

    /// Saves `trainer` when the interval has passed since the last checkpoint, or when
    /// `force` (an evaluation, a pause); returns whether it wrote one. The session marker is
    /// left saying "running".
    pub fn tick(&mut self, trainer: &Trainer, force: bool) -> Result<bool> {
        let due = force || self.last.elapsed() >= self.interval;
        if !due || self.saved_iteration == Some(trainer.iteration()) {
            return Ok(false);
        }
        trainer.save(&self.dir)?;
        write_session(
            &self.dir,
            &Session {
                clean: false,
                pid: std::process::id(),
                iteration: trainer.iteration(),
            },
        )?;
        self.last = Instant::now();
        self.saved_iteration = Some(trainer.iteration());
        Ok(true)
    }

    /// Marks the session as ended cleanly (after a final checkpoint, if any).
    pub fn finish(&self) -> Result<()> {
        let iteration = read_session(&self.dir).map_or(0, |s| s.iteration);
        write_session(
            &self.dir,
            &Session {
                clean: true,
                pid: std::process::id(),
                iteration,
            },
        )
    }
}

fn write_session(dir: &Path, session: &Session) -> Result<()> {
    let text = toml::to_string(session)
        .map_err(|e| Error::Unsupported(format!("cannot serialise the session marker: {e}")))?;
    files::write_atomic(&dir.join(SESSION_FILE), text.as_bytes())
}

fn read_session(dir: &Path) -> Option<Session> {
    Session::from_toml(&std::fs::read_to_string(dir.join(SESSION_FILE)).ok()?)
}

impl Session {
    /// What a session marker's text says; `None` when it is not a marker, which then offers
    /// nothing back (a garbled marker must not stop the app from starting).
    pub fn from_toml(text: &str) -> Option<Self> {
        toml::from_str(text).ok()
    }
}

/// The session of an autosave folder whose writer did not end cleanly and left a complete
/// checkpoint, if there is one: what the next start offers to restore.
pub fn unclean_session(dir: &Path) -> Option<Session> {
    let session = read_session(dir)?;
    (!session.clean && dir.join(STATE_FILE).is_file()).then_some(session)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_end_is_not_offered_back_and_a_missing_checkpoint_is_not_either() {
        let dir = tempfile::tempdir().unwrap();
        let running = Session {
            clean: false,
            pid: 7,
            iteration: 40,
        };
        write_session(dir.path(), &running).unwrap();
        // No checkpoint beside the marker: nothing to restore.
        assert_eq!(unclean_session(dir.path()), None);
        std::fs::write(dir.path().join(STATE_FILE), "iteration = 40").unwrap();
        assert_eq!(unclean_session(dir.path()), Some(running));
        let autosave = Autosave::new(dir.path(), Duration::from_secs(60));
        autosave.finish().unwrap();
        assert_eq!(unclean_session(dir.path()), None);
        assert_eq!(read_session(dir.path()).unwrap().iteration, 40);
    }
}
