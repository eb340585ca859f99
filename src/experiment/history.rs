//! What happened during training: one record per iteration and one per evaluation. The GUI's
//! curves and the saved experiment's curves are these.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::metrics::Metrics;

/// One training iteration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// 1-based iteration number.
    pub iteration: usize,
    pub loss: f64,
    /// The learned log Z (RTB) or the batch estimate (VarGrad); NaN otherwise.
    pub log_z: f64,
    pub grad_norm: f64,
    /// Mean log r of the batch's terminal states.
    pub mean_log_r: f64,
    pub beta: f64,
    /// Whether the batch came from the sampler (true) or the replay buffer (false).
    pub on_policy: bool,
    pub exploration_std: f64,
    /// Seconds this iteration took.
    pub seconds: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub steps: Vec<StepRecord>,
    pub evaluations: Vec<Metrics>,
}

impl History {
    /// Reads a `history.json` as [`Trainer::save`](super::Trainer::save) writes it; `path`
    /// names the file in errors.
    pub fn from_json(bytes: &[u8], path: &Path) -> Result<Self> {
        serde_json::from_slice(bytes).map_err(|e| Error::bad_file(path, e.to_string()))
    }

    /// Mean loss over the last `n` iterations.
    pub fn recent_loss(&self, n: usize) -> Option<f64> {
        let tail = &self.steps[self.steps.len().saturating_sub(n)..];
        (!tail.is_empty()).then(|| tail.iter().map(|s| s.loss).sum::<f64>() / tail.len() as f64)
    }

    pub fn last(&self) -> Option<&StepRecord> {
        self.steps.last()
    }

    /// Drops the records of iterations after `iteration` (and evaluations made after it).
    pub fn truncate_after(&mut self, iteration: usize) {
        self.steps.retain(|s| s.iteration <= iteration);
        self.evaluations.retain(|m| m.iterations <= iteration);
    }

    /// Training seconds over the recorded iterations.
    pub fn train_seconds(&self) -> f64 {
        self.steps.iter().map(|s| s.seconds).sum()
    }
}
