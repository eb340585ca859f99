//! The states a replay iteration trains on: the buffer's, by rank, and a share of known states.

use super::trainer::Trainer;
use crate::math::Points;

impl Trainer {
    /// `batch` terminal states with their log r: `train.buffer.known_share` of them drawn
    /// uniformly from the known states (log r from the current constraint, which the GUI may
    /// have changed since they were read), the rest from the buffer by rank.
    pub(super) fn replay_batch(&mut self, batch: usize) -> (Points, Vec<f64>) {
        let known = self.known_states.as_ref().map_or(0, |k| k.count_in(batch));
        let Some(buffer) = self.buffer.as_ref() else {
            unreachable!("replay needs a buffer");
        };
        let (mut terminal, mut log_r) = buffer.sample(batch - known, &mut self.rng);
        if let Some(states) = self.known_states.as_ref()
            && known > 0
        {
            let extra = states.draw(known, &mut self.rng);
            log_r.extend(self.constraint.log_r_batch(&extra));
            terminal.extend(&extra);
        }
        (terminal, log_r)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::experiment::config::ExperimentConfig;
    use crate::experiment::trainer::Trainer;

    fn config(overrides: &[&str]) -> crate::error::Result<ExperimentConfig> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/configs");
        let text = std::fs::read_to_string(dir.join("gaussian_exact.toml")).unwrap();
        let mut all = vec![
            "backend=\"cpu\"".to_string(),
            "sampler.steps=10".into(),
            "train.batch=40".into(),
            "sampler.net.hidden=16".into(),
            "train.buffer.enabled=true".into(),
        ];
        all.extend(overrides.iter().map(|s| s.to_string()));
        ExperimentConfig::from_toml(&text, "gaussian_exact.toml")?.with_overrides(&all)
    }

    #[test]
    fn a_replay_batch_holds_its_share_of_known_states_with_their_log_r() {
        let dir = tempfile::tempdir().unwrap();
        // Far from anything the sampler reaches, so their rows are recognisable.
        std::fs::write(dir.path().join("known.csv"), "x,y\n40,40\n-40,40\n").unwrap();
        let config = config(&[
            "train.buffer.known_states=\"known.csv\"",
            "train.buffer.known_share=0.25",
        ])
        .unwrap();
        let mut trainer = Trainer::new(config, Some(dir.path()), &mut |_| true).unwrap();
        let stored = trainer.config.train.buffer.known_states.clone().unwrap();
        assert!(
            PathBuf::from(&stored).is_absolute(),
            "the path is kept resolved for checkpoints: {stored}"
        );
        while trainer.buffer.as_ref().unwrap().len() < 40 {
            trainer.step().unwrap();
        }
        let (states, log_r) = trainer.replay_batch(40);
        assert_eq!((states.len(), log_r.len()), (40, 40));
        let known: Vec<usize> = (0..40).filter(|&i| states.row(i)[1] == 40.0).collect();
        assert_eq!(known.len(), 10, "a quarter of the batch");
        let direct = trainer.constraint.log_r_batch(&states);
        for i in known {
            assert_eq!(log_r[i], direct[i]);
        }
    }

    #[test]
    fn known_states_of_the_wrong_width_or_without_a_buffer_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("wide.csv"), "1,2,3\n").unwrap();
        let wide = config(&["train.buffer.known_states=\"wide.csv\""]).unwrap();
        let Err(e) = Trainer::new(wide, Some(dir.path()), &mut |_| true) else {
            panic!("3 columns in a 2-D experiment must be refused");
        };
        let e = e.to_string();
        assert!(e.contains("wide.csv") && e.contains("d = 2"), "{e}");
        let e = config(&[
            "train.buffer.enabled=false",
            "train.buffer.known_states=\"wide.csv\"",
        ])
        .and_then(|c| c.validate())
        .unwrap_err()
        .to_string();
        assert!(e.contains("train.buffer.known_states"), "{e}");
    }
}
