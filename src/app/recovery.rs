//! After a crash: the experiment autosaved by a session that did not end cleanly is offered
//! back before anything can overwrite it.

use std::path::PathBuf;

use super::StudioApp;
use crate::experiment::worker::Command;
use crate::experiment::worker::autosave::unclean_session;

impl StudioApp {
    /// Reopens the experiment autosaved in `dir`: at once when the last session ended
    /// cleanly, after asking when it did not (a crash); autosaving into `dir` starts then.
    pub fn offer_autosave(&mut self, dir: PathBuf) {
        self.autosave_dir = Some(dir.clone());
        match unclean_session(&dir) {
            Some(session) => self.restore_offer = Some((dir, session.iteration)),
            None => {
                if dir.join("config.toml").is_file() {
                    self.send(Command::Open(dir));
                }
                self.start_autosave();
            }
        }
    }

    /// Starts autosaving (after the restore offer, if there was one, was answered).
    pub(super) fn start_autosave(&mut self) {
        self.restore_offer = None;
        self.send(Command::SetAutosave(self.autosave_dir.clone()));
    }
}
