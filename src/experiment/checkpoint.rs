//! Saving and loading a trained sampler as a self-contained folder:
//!
//! * `config.toml` — the experiment's config (with `prior.path` pointing inside the folder),
//! * `sampler.bpk` — the sampler's weights (burn record),
//! * `optimizer.bpk` — Adam's moments, so that a resumed run continues where it stopped,
//! * `buffer.json` — the replay buffer, when there is one,
//! * `history.json` — the training curves,
//! * `state.toml` — iteration, learned log Z: written last, so it commits the checkpoint,
//! * `prior/` — the diffusion or generator prior, when there is one,
//! * the files the constraint was built from, each family's under a name of its own
//!   (`classifier/`, `inpaint_classifier/`, `grid.png`; `Constraint::save_assets`), so that
//!   `evaluate` and `--resume` find them wherever the folder moves.
//!
//! Every file is written atomically, and `state.toml` last: a process killed while saving
//! leaves the previous checkpoint's state, with the newer weights at most one checkpoint
//! interval ahead of it, and loading cuts the history back to the state's iteration.
//! Experiments saved before the optimiser and buffer were stored still load (fresh Adam
//! moments, an empty buffer).

use std::path::Path;

use burn::module::Module;
use serde::{Deserialize, Serialize};

use super::config::ExperimentConfig;
use super::history::History;
use super::trainer::Trainer;
use crate::error::{Error, Result};

use crate::files;
use crate::math::rng::seeded;
use crate::objective::replay_buffer::ReplayBufferRecord;
use crate::records;
use crate::sampler::SamplerNet;

pub const CONFIG_FILE: &str = "config.toml";
pub const SAMPLER_FILE: &str = "sampler.bpk";
pub const STATE_FILE: &str = "state.toml";
pub const HISTORY_FILE: &str = "history.json";
pub const OPTIMIZER_FILE: &str = "optimizer.bpk";
pub const BUFFER_FILE: &str = "buffer.json";
pub const PRIOR_DIR: &str = "prior";

/// What `state.toml` says: the iteration and learned log Z that a checkpoint commits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamplerState {
    pub format_version: u32,
    pub iteration: usize,
    pub log_z: f64,
}

impl SamplerState {
    /// Reads a `state.toml`; `path` names the file in errors. A state of another format, or
    /// whose log Z is not finite, is refused: resumed from, it would train on a NaN log Z.
    pub fn from_toml(text: &str, path: &Path) -> Result<Self> {
        let state: Self = toml::from_str(text).map_err(|e| Error::bad_file(path, e.to_string()))?;
        if state.format_version != 1 {
            return Err(Error::bad_file(
                path,
                format!(
                    "format_version {} is not supported (1 is)",
                    state.format_version
                ),
            ));
        }
        if !state.log_z.is_finite() {
            return Err(Error::bad_file(
                path,
                format!("log_z = {} is not a finite number", state.log_z),
            ));
        }
        Ok(state)
    }
}

impl Trainer {
    /// Writes the experiment to `dir` (created if needed).
    pub fn save(&self, dir: &Path) -> Result<()> {
        let mut config = self.config.clone();
        if self.reference.has_trained_prior() {
            self.reference.save_prior(&dir.join(PRIOR_DIR))?;
            config.prior.path = Some(PRIOR_DIR.into());
        }
        self.constraint.save_assets(dir, &mut config.constraint)?;
        records::save_module(
            &self.sampler.valid(),
            &dir.join(SAMPLER_FILE),
            "the sampler",
        )?;
        let optimizer = self
            .optimizer
            .into_bytes()
            .map_err(|e| Error::Unsupported(format!("cannot serialise the optimiser: {e:?}")))?;
        files::write_atomic(&dir.join(OPTIMIZER_FILE), &optimizer)?;
        if let Some(buffer) = &self.buffer {
            let record = serde_json::to_vec(&buffer.to_record())
                .map_err(|e| Error::Unsupported(format!("cannot serialise the buffer: {e}")))?;
            files::write_atomic(&dir.join(BUFFER_FILE), &record)?;
        }
        let history = serde_json::to_vec(&self.history)
            .map_err(|e| Error::Unsupported(format!("cannot serialise history: {e}")))?;
        files::write_atomic(&dir.join(HISTORY_FILE), &history)?;
        files::write_atomic(&dir.join(CONFIG_FILE), config.to_toml().as_bytes())?;
        let state = SamplerState {
            format_version: 1,
            iteration: self.iteration,
            log_z: self.log_z.value,
        };
        let state = toml::to_string(&state)
            .map_err(|e| Error::Unsupported(format!("cannot serialise state: {e}")))?;
        files::write_atomic(&dir.join(STATE_FILE), state.as_bytes())
    }

    /// Reads an experiment saved by [`save`](Self::save). `overrides` change settings that do
    /// not alter the model (e.g. `backend`, `eval.samples`).
    pub fn load(dir: &Path, overrides: &[String]) -> Result<Self> {
        let config_path = dir.join(CONFIG_FILE);
        if !config_path.is_file() {
            return Err(Error::bad_file(
                dir,
                "not a saved experiment (no config.toml; save one with `train --save DIR`)",
            ));
        }
        let config = ExperimentConfig::from_toml(
            &files::read_to_string(&config_path)?,
            &config_path.display().to_string(),
        )?
        .with_overrides(overrides)?;
        let mut trainer = Trainer::new(config, Some(dir))?;
        let state_path = dir.join(STATE_FILE);
        let state = SamplerState::from_toml(&files::read_to_string(&state_path)?, &state_path)?;
        let mut net_config = trainer.config.sampler.net.clone();
        net_config.dim = trainer.reference.dim();
        let fresh = SamplerNet::new(
            &net_config,
            trainer
                .config
                .sampler
                .langevin_term(&trainer.grid, trainer.reference.sigma()),
            trainer
                .config
                .sampler
                .variance_term(&trainer.grid, trainer.reference.sigma()),
            &mut seeded(0),
            &trainer.compute.autodiff(),
        );
        let sampler = records::load_module(fresh, &dir.join(SAMPLER_FILE))?;
        trainer.replace_sampler(sampler, state.iteration, state.log_z);
        let optimizer_path = dir.join(OPTIMIZER_FILE);
        if optimizer_path.is_file() {
            let bytes = files::read(&optimizer_path)?;
            trainer
                .restore_optimizer(burn::tensor::Bytes::from_bytes_vec(bytes), &optimizer_path)?;
        }
        let buffer_path = dir.join(BUFFER_FILE);
        if let Some(buffer) = trainer.buffer.as_mut()
            && buffer_path.is_file()
        {
            let what = buffer_path.display().to_string();
            let record = ReplayBufferRecord::from_json(&files::read(&buffer_path)?, &what)?;
            buffer.restore(record, &what)?;
        }
        let history_path = dir.join(HISTORY_FILE);
        if history_path.is_file() {
            let mut history = History::from_json(&files::read(&history_path)?, &history_path)?;
            // Written before the state: it may run ahead of it after a kill mid-save.
            history.truncate_after(state.iteration);
            trainer.train_seconds = history.train_seconds();
            trainer.history = history;
        }
        trainer.reseed_after_resume();
        Ok(trainer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the reader fuzzer (tests/fuzz_readers.rs): `log_z = nan` (or ±inf) and any
    /// format_version were accepted.
    #[test]
    fn a_state_of_another_format_or_a_non_finite_log_z_is_refused() {
        let path = Path::new("state.toml");
        let good = "format_version = 1\niteration = 4\nlog_z = -1.5\n";
        assert_eq!(SamplerState::from_toml(good, path).unwrap().iteration, 4);
        for (text, says) in [
            (
                "format_version = 1\niteration = 4\nlog_z = nan\n",
                "log_z = NaN",
            ),
            (
                "format_version = 1\niteration = 4\nlog_z = -inf\n",
                "log_z = -inf",
            ),
            (
                "format_version = 2\niteration = 4\nlog_z = 0.0\n",
                "format_version 2",
            ),
        ] {
            let err = SamplerState::from_toml(text, path).unwrap_err().to_string();
            assert!(err.contains("state.toml") && err.contains(says), "{err}");
        }
    }
}
