//! What happened during training: one record per iteration and one per evaluation. The GUI's
//! curves and the saved experiment's curves are these.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::metrics::Metrics;

/// One training iteration. serde_json writes a non-finite number as `null` (JSON has no NaN),
/// and `log_z` is NaN for every objective without a log Z: each float reads `null` back as
/// NaN, so that such a run's `history.json` loads again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// 1-based iteration number.
    pub iteration: usize,
    #[serde(deserialize_with = "nan_if_null")]
    pub loss: f64,
    /// The learned log Z (RTB) or the batch estimate (VarGrad); NaN otherwise.
    #[serde(deserialize_with = "nan_if_null")]
    pub log_z: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub grad_norm: f64,
    /// Mean log r of the batch's terminal states.
    #[serde(deserialize_with = "nan_if_null")]
    pub mean_log_r: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub beta: f64,
    /// Whether the batch came from the sampler (true) or the replay buffer (false).
    pub on_policy: bool,
    #[serde(deserialize_with = "nan_if_null")]
    pub exploration_std: f64,
    /// Seconds this iteration took.
    #[serde(deserialize_with = "nan_if_null")]
    pub seconds: f64,
}

fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the reader fuzzer (tests/fuzz_readers.rs), whose seeds include the history of
    /// a KL policy-gradient run: its NaN log Z was written as `null` and refused on loading,
    /// so that `--resume` and crash recovery failed for every objective without a log Z.
    #[test]
    fn a_history_without_a_log_z_reads_back() {
        let step = StepRecord {
            iteration: 1,
            loss: 0.5,
            log_z: f64::NAN,
            grad_norm: f64::INFINITY,
            mean_log_r: -1.0,
            beta: 1.0,
            on_policy: true,
            exploration_std: 0.0,
            seconds: 0.01,
        };
        let history = History {
            steps: vec![step],
            evaluations: Vec::new(),
        };
        let json = serde_json::to_vec(&history).unwrap();
        let back = History::from_json(&json, Path::new("history.json")).unwrap();
        assert!(back.steps[0].log_z.is_nan() && back.steps[0].grad_norm.is_nan());
        assert_eq!(back.steps[0].loss, 0.5);
        let missing = br#"{"steps":[{"iteration":1}],"evaluations":[]}"#;
        let err = History::from_json(missing, Path::new("h.json")).unwrap_err();
        assert!(err.to_string().contains("h.json"), "{err}");
    }
}
