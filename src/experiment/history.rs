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
        self.evaluations.retain(|m| m.run.iterations <= iteration);
    }

    /// Training seconds over the recorded iterations.
    pub fn train_seconds(&self) -> f64 {
        self.steps.iter().map(|s| s.seconds).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys an evaluation in `history.json` may lack: those that were added after files
    /// were saved with the others.
    const LATER_KEYS: [&str; 32] = [
        "log_z_iw_se",
        "delta_log_z",
        "elbo_gap",
        "eubo",
        "well_tv",
        "well_patterns",
        "well_patterns_ref",
        "well_shares",
        "well_share_ref",
        "neck_ks",
        "mean_error",
        "covariance_error",
        "class_tv",
        "class_shares",
        "class_shares_ref",
        "frechet",
        "frechet_floor",
        "diversity",
        "diversity_ref",
        "observed_rmse",
        "observed_rmse_ref",
        "unobserved_diversity",
        "unobserved_diversity_ref",
        "outside_share",
        "outside_share_ref",
        "mean_log_r_ref",
        "dropped",
        "warnings",
        "space",
        "noise_energy_distance",
        "noise_sliced_w2",
        "resampled",
    ];

    /// A saved history's evaluations load as they were written, and one saved before the later
    /// keys existed loads with their defaults: a user's experiment folder outlives the struct.
    #[test]
    fn saved_evaluations_load_with_every_key_and_without_the_later_ones() {
        let full: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/data/metrics_full.json")).unwrap();
        let mut earlier = full.clone();
        for key in LATER_KEYS {
            assert!(
                earlier.as_object_mut().unwrap().remove(key).is_some(),
                "{key} is not a key"
            );
        }
        let file = serde_json::json!({ "steps": [], "evaluations": [full, earlier] });
        let history: History = serde_json::from_value(file).unwrap();
        let [now, before] = &history.evaluations[..] else {
            panic!("two evaluations")
        };
        assert_eq!(serde_json::to_value(now).unwrap(), full);

        let defaults = serde_json::to_value(Metrics::default()).unwrap();
        let mut expected = full.clone();
        for key in LATER_KEYS {
            expected[key] = defaults[key].clone();
        }
        assert_eq!(serde_json::to_value(before).unwrap(), expected);
    }

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
