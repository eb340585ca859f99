//! The states a replay iteration trains on: the buffer's, by rank, and a share of known states.

use super::trainer::Trainer;
use crate::error::{Error, Result};
use crate::math::Points;
use crate::math::rng::seeded;
use crate::objective::replay_buffer::KnownStates;

impl Trainer {
    /// Runs the HMC chains of `train.buffer.known_hmc`, once, and keeps their end states as
    /// known states. On-policy training finds where the sampler already goes; MCMC moves by
    /// the target's own gradient and reaches regions the sampler has no reason to try (on the
    /// funnel, its mouth). Off-policy replay needs only coverage from them, not exactness: a
    /// chain that has not mixed (in the funnel's neck) shifts where training looks, not what
    /// it converges to.
    pub(super) fn add_hmc_known_states(&mut self) -> Result<()> {
        let n = self.config.train.buffer.known_hmc;
        if !self.known_hmc_pending || n == 0 {
            return Ok(());
        }
        // A stream of its own, so that the chains do not shift the training's draws.
        let mut rng = seeded(self.config.seed ^ 0x6b6e_6f77_6e00);
        let chains = self.draw_chains(n, true, &mut rng);
        if chains.log_r.is_empty() {
            return Err(Error::config(
                "train.buffer.known_hmc",
                "HMC needs the posterior density up to a constant, which this reference does \
                 not give",
            ));
        }
        let dim = self.reference.dim();
        // The buffer's ranking score is log π up to a constant, which is what the rule needs.
        let log_pi = self.scores(&chains.samples, &chains.log_r, self.beta());
        let finite = KnownStates::without_stuck_chains(&chains.samples, &log_pi);
        log::info!(
            "known states: {} of {n} HMC chain ends ({} dropped as stuck)",
            finite.len(),
            n - finite.len()
        );
        if finite.is_empty() {
            return Err(Error::config(
                "train.buffer.known_hmc",
                format!("none of the {n} HMC chains ended at a usable state"),
            ));
        }
        match self.known_states.as_mut() {
            Some(known) => known.extend(&finite),
            None => self.known_states = Some(KnownStates::new(finite, dim, "HMC chains")?),
        }
        self.known_hmc_pending = false;
        Ok(())
    }

    /// `batch` terminal states with their log r: `train.buffer.known_share` of them drawn
    /// uniformly from the known states (log r from the current constraint, which the GUI may
    /// have changed since they were read), the rest from the buffer by rank. The known
    /// states come last; their count is the third value.
    pub(super) fn replay_batch(&mut self, batch: usize) -> (Points, Vec<f64>, usize) {
        let share = self.config.train.buffer.known_share;
        let known = self
            .known_states
            .as_ref()
            .map_or(0, |_| KnownStates::count_in(batch, share));
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
        (terminal, log_r, known)
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

    /// A trainer whose known states include two rows at y = 40, far from anything the sampler
    /// reaches, so that they are recognisable in a batch.
    fn with_known_rows(overrides: &[&str]) -> Trainer {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("known.csv"), "x,y\n40,40\n-40,40\n").unwrap();
        let mut all = vec!["train.buffer.known_states=\"known.csv\""];
        all.extend(overrides);
        Trainer::new(config(&all).unwrap(), Some(dir.path())).unwrap()
    }

    #[test]
    fn a_replay_batch_holds_its_share_of_known_states_with_their_log_r() {
        let mut trainer = with_known_rows(&["train.buffer.known_share=0.25"]);
        let stored = trainer.config.train.buffer.known_states.clone().unwrap();
        assert!(
            PathBuf::from(&stored).is_absolute(),
            "the path is kept resolved for checkpoints: {stored}"
        );
        while trainer.buffer.as_ref().unwrap().len() < 40 {
            trainer.step().unwrap();
        }
        let (states, log_r, known_rows) = trainer.replay_batch(40);
        assert_eq!(known_rows, 10);
        assert_eq!((states.len(), log_r.len()), (40, 40));
        let known: Vec<usize> = (0..40).filter(|&i| states.row(i)[1] == 40.0).collect();
        assert_eq!(known.len(), 10, "a quarter of the batch");
        let direct = trainer.constraint.log_r_batch(&states);
        for i in known {
            assert_eq!(log_r[i], direct[i]);
        }
        // A new share applies at once; new known states need the experiment rebuilt.
        let mut share = trainer.config.clone();
        share.train.buffer.known_share = 1.0;
        trainer.update_settings(share).unwrap();
        let (states, _, _) = trainer.replay_batch(40);
        assert!(states.rows().all(|row| row[1] == 40.0));
        let mut more = trainer.config.clone();
        more.train.buffer.known_hmc = 10;
        assert!(matches!(
            trainer.update_settings(more),
            Err(crate::error::Error::Unsupported(_))
        ));
    }

    #[test]
    fn known_states_fitted_by_likelihood_stay_out_of_the_objective_and_pull_the_sampler() {
        // VarGrad: the batch's log Z estimate shows which rows entered the objective. Rows at
        // y = 40 have log r near −5,000 under this constraint.
        let settings = [
            "train.objective=\"var_grad\"",
            "train.buffer.known_share=0.25",
            "train.buffer.replay_every=1",
        ];
        let estimate_after_replay = |extra: &[&str]| {
            let mut all = settings.to_vec();
            all.extend(extra);
            let mut trainer = with_known_rows(&all);
            trainer.step().unwrap();
            let record = trainer.step().unwrap();
            assert!(!record.on_policy, "the second iteration replays");
            trainer.log_z_estimate.unwrap()
        };
        let replayed = estimate_after_replay(&[]);
        let fitted = estimate_after_replay(&["train.buffer.known_likelihood=1"]);
        assert!(
            replayed < -500.0,
            "replayed known rows enter the estimate: {replayed}"
        );
        assert!(fitted.abs() < 50.0, "fitted rows stay out of it: {fitted}");

        // Trained on the known rows alone, the sampler moves its mass towards them.
        let mut trainer = with_known_rows(&[
            "train.buffer.known_likelihood=1",
            "train.buffer.known_share=1",
            "train.buffer.replay_every=1",
            "train.lr=0.01",
        ]);
        let mean_y = |trainer: &Trainer| {
            let draw = trainer.draw(400, &mut crate::math::rng::seeded(5));
            draw.samples.mean()[1]
        };
        let before = mean_y(&trainer);
        for _ in 0..60 {
            trainer.step().unwrap();
        }
        let after = mean_y(&trainer);
        assert!(after > before + 10.0, "mean y {before} → {after}");
    }

    #[test]
    fn hmc_chains_join_the_known_states_and_need_a_density() {
        let mut trainer = with_known_rows(&["train.buffer.known_hmc=300", "train.hmc.steps=60"]);
        assert_eq!(
            trainer.known_states.as_ref().unwrap().len(),
            2,
            "the chains wait for the first replay"
        );
        trainer.step().unwrap();
        assert!(trainer.step().is_ok_and(|r| !r.on_policy));
        assert_eq!(trainer.known_states.as_ref().unwrap().len(), 302);
        trainer.add_hmc_known_states().unwrap();
        assert_eq!(
            trainer.known_states.as_ref().unwrap().len(),
            302,
            "run once"
        );
        // The chains sample the posterior: their mean is the closed form's, which a draw of
        // the chains' start (the reference, mean 0) is not.
        let used = &trainer.config;
        let observation =
            crate::constraint::GaussianObservation::new(&used.constraint.gaussian_obs).unwrap();
        let exact = crate::metrics::exact_gaussian::gaussian_posterior(
            used.prior.sigma.powi(2),
            &observation,
            used.constraint.beta,
        )
        .unwrap();
        let known = trainer.known_states.as_ref().unwrap();
        let drawn = known.draw(20_000, &mut crate::math::rng::seeded(1));
        let chains = drawn.select(
            &(0..drawn.len())
                .filter(|&i| drawn.row(i)[1] != 40.0)
                .collect::<Vec<_>>(),
        );
        for (m, e) in chains.mean().iter().zip(&exact.mean) {
            assert!(
                (m - e).abs() < 0.15,
                "{:?} against {:?}",
                chains.mean(),
                exact.mean
            );
        }
        let e = config(&["train.buffer.known_hmc=10", "prior.kind=\"diffusion\""])
            .and_then(|c| c.validate())
            .unwrap_err()
            .to_string();
        assert!(e.contains("train.buffer.known_hmc"), "{e}");
    }

    #[test]
    fn known_states_of_the_wrong_width_or_without_a_buffer_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("wide.csv"), "1,2,3\n").unwrap();
        let wide = config(&["train.buffer.known_states=\"wide.csv\""]).unwrap();
        let Err(e) = Trainer::new(wide, Some(dir.path())) else {
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
