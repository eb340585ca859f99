//! What happened during training: one record per iteration and one per evaluation. The GUI's
//! curves and the saved experiment's curves are these.

use serde::{Deserialize, Serialize};

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
}
