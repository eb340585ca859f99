//! The training loop of one experiment, one iteration at a time, so that the CLI can run it to
//! the end and the GUI's worker can pause, step and re-target it between iterations.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::Tensor;

use super::composition::{Composition, PriorSource, compose, parts};
use super::config::{ExperimentConfig, ObjectiveKind};
use super::history::{History, StepRecord};
use crate::backend::{self, ComputeDevice};
use crate::constraint::Constraint;
use crate::constraint::targets::EnergyTarget;
use crate::error::{Error, Result};
use crate::math::rng::{Rng, seeded};
use crate::math::time_grid::TimeGrid;
use crate::math::{IsoGmm, Points};
use crate::nn::{tensor_to_points, tensor_to_vec, time_grid_features};
use crate::objective::gradient_clipping::{clip_global_norm, global_norm, parameters_finite};
use crate::objective::local_search::LocalSearch;
use crate::objective::replay_buffer::KnownStates;
use crate::objective::schedules::{annealed_beta, exploration_std, lr_factor};
use crate::objective::{LearnedLogZ, ReplayBuffer};
use crate::prior::ReferenceProcess;
use crate::sampler::SamplerNet;
use crate::sampler::trajectory::{
    Control, ForwardSimulation, LangevinGradient, backward_trajectories,
};

/// A batch gradient x ↦ clip(β·∇log r(x)), owned by the caller.
type BoxedGradient = Box<dyn Fn(&Points) -> Points + Sync>;

pub struct Trainer {
    pub(crate) config: ExperimentConfig,
    pub(crate) compute: ComputeDevice,
    pub(crate) reference: ReferenceProcess,
    pub(crate) constraint: Arc<dyn Constraint>,
    pub(crate) known_modes: Option<IsoGmm>,
    /// The energy target, whose exact samples and log Z are the truth.
    pub(crate) target: Option<Arc<dyn EnergyTarget>>,
    /// On the autodiff device.
    pub(crate) sampler: SamplerNet,
    pub(super) optimizer: ModuleOptimizer,
    pub(crate) log_z: LearnedLogZ,
    /// VarGrad's most recent batch estimate of log Z.
    pub(crate) log_z_estimate: Option<f64>,
    pub(crate) buffer: Option<ReplayBuffer>,
    /// States replayed beside the buffer's, never evicted (`train.buffer.known_states`).
    pub(crate) known_states: Option<KnownStates>,
    /// `train.buffer.known_hmc` chains still to run: at the first replay, so that a trainer
    /// built only to sample or evaluate a checkpoint does not run them.
    pub(super) known_hmc_pending: bool,
    pub(super) local_search: Option<LocalSearch>,
    pub(super) rng: Rng,
    pub(crate) iteration: usize,
    pub(crate) train_seconds: f64,
    pub(crate) history: History,
    /// Fourier features of the time grid, without and with gradient tracking.
    pub(super) features: Tensor<2>,
    pub(super) features_tracked: Tensor<2>,
    /// The reference's time embeddings on the grid (diffusion priors).
    pub(crate) reference_time: Option<Tensor<2>>,
    /// The time grid of the sampler and of the reference it is measured against.
    pub(crate) grid: TimeGrid,
    pub(crate) truth: Option<super::truth::Truth>,
}

impl Trainer {
    /// Builds an experiment from its config through the composer (picking the backend,
    /// loading the prior it names, building the constraint) with a fresh sampler. `base_dir`
    /// resolves relative paths. A config whose prior still has to be trained is refused:
    /// train it first ([`prepare_prior`](super::composition::prepare_prior)).
    pub fn new(config: ExperimentConfig, base_dir: Option<&Path>) -> Result<Self> {
        let compute = backend::select(config.backend);
        if let Some(reason) = &compute.fallback_reason {
            log::warn!("{reason}");
        }
        let composition = compose(config, PriorSource::Config, base_dir, &compute)?;
        for adjustment in &composition.adjustments {
            log::info!("{adjustment}");
        }
        Self::from_composition(composition, compute, base_dir)
    }

    /// Builds a fresh sampler for a composed experiment; `base_dir` resolves the known
    /// states' file.
    pub fn from_composition(
        composition: Composition,
        compute: ComputeDevice,
        base_dir: Option<&Path>,
    ) -> Result<Self> {
        let Composition {
            mut config,
            reference,
            constraint,
            ..
        } = composition;
        let target = parts::energy_target(&config);
        let known_modes = parts::known_modes(target.as_ref(), &reference);
        let mut net_config = config.sampler.net.clone();
        net_config.dim = reference.dim();
        let mut rng = seeded(config.seed);
        let tracked = compute.autodiff();
        let grid = config.sampler.time_grid();
        let sampler = SamplerNet::new(
            &net_config,
            config.sampler.langevin_term(&grid, reference.sigma()),
            config.sampler.variance_term(&grid, reference.sigma()),
            &mut rng,
            &tracked,
        );
        let optimizer = optimizer_for(&config);
        let features =
            time_grid_features(&grid, config.sampler.net.time_frequencies, &compute.device);
        let features_tracked = features.clone().autodiff();
        let reference_time = reference.time_embedding(&grid, &compute.device);
        let buffer = parts::replay_buffer(&config, reference.dim());
        let known_states = parts::known_states(&mut config, reference.dim(), base_dir)?;
        let local_search = config.train.local_search.enabled.then(|| {
            LocalSearch::new(
                config.train.local_search.step_size,
                config.train.local_search.target_acceptance,
            )
            .with_per_chain_steps(config.train.local_search.per_chain_steps)
        });
        let known_hmc_pending = config.train.buffer.known_hmc > 0;
        Ok(Self {
            log_z: LearnedLogZ::new(config.train.log_z_init, config.train.lr_log_z),
            log_z_estimate: None,
            config,
            compute,
            reference,
            constraint,
            known_modes,
            target,
            sampler,
            optimizer,
            buffer,
            known_states,
            known_hmc_pending,
            local_search,
            rng,
            iteration: 0,
            train_seconds: 0.0,
            history: History::default(),
            features,
            features_tracked,
            reference_time,
            grid,
            truth: None,
        })
    }

    pub fn iteration(&self) -> usize {
        self.iteration
    }

    /// The config that runs (as composed).
    pub fn config(&self) -> &ExperimentConfig {
        &self.config
    }

    /// Where it trains.
    pub fn compute(&self) -> &ComputeDevice {
        &self.compute
    }

    /// The reference process the sampler is measured against.
    pub fn reference(&self) -> &ReferenceProcess {
        &self.reference
    }

    /// The constraint in the sampler's space.
    pub fn constraint(&self) -> &Arc<dyn Constraint> {
        &self.constraint
    }

    /// The training curves and evaluations so far.
    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn train_seconds(&self) -> f64 {
        self.train_seconds
    }

    /// Whether training has iterations left to run.
    pub fn is_done(&self) -> bool {
        !self.config.train.objective.is_trained() || self.iteration >= self.config.train.iterations
    }

    /// β at the current iteration (annealed if configured).
    pub fn beta(&self) -> f64 {
        annealed_beta(
            &self.config.train.beta_anneal,
            self.config.constraint.beta,
            self.iteration,
        )
    }

    pub fn learned_log_z(&self) -> Option<f64> {
        match self.config.train.objective {
            ObjectiveKind::Rtb => Some(self.log_z.value),
            ObjectiveKind::VarGrad => self.log_z_estimate,
            _ => None,
        }
    }

    /// The energy target's structure, when the constraint is one.
    pub fn target_shape(&self) -> Option<crate::constraint::targets::TargetShape> {
        self.target.as_ref().map(|t| t.shape())
    }

    pub fn buffer(&self) -> Option<&ReplayBuffer> {
        self.buffer.as_ref()
    }

    /// The sampler without gradient tracking.
    pub(crate) fn sampler_snapshot(&self) -> SamplerNet {
        self.sampler.valid()
    }

    pub(crate) fn time_features(&self) -> Tensor<2> {
        self.features.clone()
    }

    /// clip(β·∇ log r) for the Langevin term, when the sampler uses it.
    pub(crate) fn langevin_gradient(&self, beta: f64) -> Option<BoxedGradient> {
        if !self.sampler.uses_langevin() {
            return None;
        }
        let constraint = self.constraint.clone();
        let clip = self.config.sampler.langevin_clip as f32;
        Some(Box::new(move |points: &Points| {
            let mut grad = constraint.grad_log_r_batch(points);
            for g in grad.as_mut_slice() {
                let v = *g * beta as f32;
                *g = if v.is_finite() {
                    v.clamp(-clip, clip)
                } else {
                    0.0
                };
            }
            grad
        }))
    }

    /// The replay buffer's ranking score: the posterior log density up to a constant where
    /// the reference density is known, else β·log r.
    pub(super) fn scores(&self, states: &Points, log_r: &[f64], beta: f64) -> Vec<f64> {
        states
            .rows()
            .zip(log_r)
            .map(|(x, lr)| self.reference.terminal_log_density(x).unwrap_or(0.0) + beta * lr)
            .collect()
    }

    /// Runs one training iteration. On a non-finite loss or gradient it returns
    /// [`Error::NonFinite`] and leaves the sampler as it was before the iteration.
    pub fn step(&mut self) -> Result<StepRecord> {
        // VarGrad's estimate is taken from the batch before its gradient is checked: a refused
        // batch must not leave its estimate behind as the run's log Z.
        let estimate = self.log_z_estimate;
        let step = self.try_step();
        if step.is_err() {
            self.log_z_estimate = estimate;
        }
        step
    }

    fn try_step(&mut self) -> Result<StepRecord> {
        let objective = self.config.train.objective;
        if !objective.is_trained() {
            return Err(Error::Unsupported(format!(
                "`{}` is training-free: there is nothing to step",
                objective.name()
            )));
        }
        let started = Instant::now();
        let beta = self.beta();
        let batch = self.config.train.batch;
        let sigma = self.reference.sigma();
        let device = self.compute.device.clone();
        let exploration = exploration_std(
            &self.config.train.exploration,
            self.iteration,
            self.config.train.iterations,
        );
        let replay_every = self.config.train.buffer.replay_every.max(1);
        let replay = objective != ObjectiveKind::KlPolicyGradient
            && self.buffer.as_ref().is_some_and(|b| b.len() >= batch)
            && self.iteration % replay_every == replay_every - 1;
        let langevin = self.langevin_gradient(beta);
        let langevin_ref: Option<LangevinGradient<'_>> = langevin.as_deref().map(|f| f as _);

        let (trajectories, log_r, exact, known_rows) = if replay {
            self.add_hmc_known_states()?;
            let (terminal, log_r, known_rows) = self.replay_batch(batch);
            let trajectories = backward_trajectories(
                &terminal,
                &self.reference,
                self.reference_time.as_ref(),
                &self.grid,
                langevin_ref,
                &mut self.rng,
                &device,
            );
            (trajectories, log_r, None, known_rows)
        } else {
            let net = self.sampler.valid();
            let time = net.time(self.features.clone());
            let simulation = ForwardSimulation {
                reference: &self.reference,
                reference_time: self.reference_time.as_ref(),
                control: Control::Sampler(&net, &time),
                grid: &self.grid,
                batch,
                exploration_std: exploration,
                keep_states: true,
                track_log_ratio: self.config.train.gradient_steps > 0,
                langevin_gradient: langevin_ref,
            };
            let trajectories = simulation.run(&mut self.rng, &device);
            let terminal = tensor_to_points(trajectories.terminal.clone());
            let log_r = self.constraint.log_r_batch(&terminal);
            let scores = self.scores(&terminal, &log_r, beta);
            if let Some(buffer) = self.buffer.as_mut() {
                buffer.add(&terminal, &log_r, &scores);
            }
            let exact = (self.config.train.gradient_steps > 0)
                .then(|| tensor_to_vec(trajectories.delta_log.clone()));
            (trajectories, log_r, exact, 0)
        };
        if let Some(&bad) = log_r.iter().find(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                iteration: self.iteration + 1,
                what: "log r at a sampled terminal state".into(),
                value: bad,
            });
        }
        let floor = self.config.train.log_r_floor.unwrap_or(f64::NEG_INFINITY);
        let target: Vec<f64> = log_r.iter().map(|l| beta * l.max(floor)).collect();
        let on_policy = !replay && exploration == 0.0;
        // Known states fitted by likelihood stay out of the objective's batch.
        let likelihood_rows = if self.config.train.buffer.known_likelihood > 0.0 {
            known_rows
        } else {
            0
        };
        let (loss, loss_value, log_z_grad) = self.loss(
            &trajectories,
            exact,
            &target,
            sigma,
            on_policy,
            likelihood_rows,
        )?;
        if !loss_value.is_finite() {
            return Err(Error::NonFinite {
                iteration: self.iteration + 1,
                what: "the loss".into(),
                value: loss_value,
            });
        }
        let mut grads = GradientsParams::from_grads(loss.backward(), &self.sampler);
        let grad_norm = global_norm(&self.sampler, &grads);
        if !grad_norm.is_finite() {
            return Err(Error::NonFinite {
                iteration: self.iteration + 1,
                what: "the gradient norm".into(),
                value: grad_norm,
            });
        }
        if let Some(max) = self.config.train.grad_clip {
            clip_global_norm(&self.sampler, &mut grads, grad_norm, max);
        }
        // Handles only: keeping the pre-update module and optimiser state costs no copy.
        let last_good = (self.sampler.clone(), self.optimizer.clone());
        let lr_factor = lr_factor(
            self.config.train.lr_final_fraction,
            self.iteration,
            self.config.train.iterations,
        );
        self.sampler = self.optimizer.step(
            self.config.train.lr * lr_factor,
            self.sampler.clone(),
            grads,
        );
        if !parameters_finite(&self.sampler) {
            (self.sampler, self.optimizer) = last_good;
            return Err(Error::NonFinite {
                iteration: self.iteration + 1,
                what: "the updated weights".into(),
                value: f64::INFINITY,
            });
        }
        if let Some(grad) = log_z_grad {
            self.log_z.set_lr(self.config.train.lr_log_z * lr_factor);
            self.log_z.step(grad);
        }
        self.iteration += 1;
        self.run_local_search(beta);
        let seconds = started.elapsed().as_secs_f64();
        self.train_seconds += seconds;
        let record = StepRecord {
            iteration: self.iteration,
            loss: loss_value,
            log_z: self.learned_log_z().unwrap_or(f64::NAN),
            grad_norm,
            mean_log_r: log_r.iter().sum::<f64>() / log_r.len().max(1) as f64,
            beta,
            on_policy: !replay,
            exploration_std: exploration,
            seconds,
        };
        self.history.steps.push(record.clone());
        Ok(record)
    }

    /// Replaces the constraint (the GUI re-targets while training). The sampler keeps its
    /// weights; the cached reference posterior is dropped.
    pub fn set_constraint(
        &mut self,
        constraint: Arc<dyn Constraint>,
        config: crate::constraint::ConstraintConfig,
    ) -> Result<()> {
        if constraint.dim() != self.reference.dim() {
            return Err(Error::Dimension {
                what: "constraint".into(),
                expected: self.reference.dim(),
                got: constraint.dim(),
            });
        }
        self.constraint = constraint;
        self.config.constraint = config;
        self.target = parts::energy_target(&self.config);
        self.known_modes = parts::known_modes(self.target.as_ref(), &self.reference);
        self.buffer = parts::replay_buffer(&self.config, self.reference.dim());
        self.truth = None;
        Ok(())
    }

    /// Replaces settings that do not change the model's shape (learning rates, β, batch,
    /// exploration, …). Settings that do (steps, network, objective, prior) need a new trainer.
    pub fn update_settings(&mut self, config: ExperimentConfig) -> Result<()> {
        config.validate()?;
        let (buffer, old) = (&config.train.buffer, &self.config.train.buffer);
        let same_shape = config.sampler == self.config.sampler
            && config.prior == self.config.prior
            && config.train.objective == self.config.train.objective
            && config.seed == self.config.seed
            && (buffer.enabled, &buffer.known_states, buffer.known_hmc)
                == (old.enabled, &old.known_states, old.known_hmc);
        if !same_shape {
            return Err(Error::Unsupported(
                "changing the sampler, prior, objective, seed, or the replay buffer or its known \
                 states needs a reset"
                    .into(),
            ));
        }
        let beta_changed = config.constraint.beta != self.config.constraint.beta
            || config.train.beta_anneal != self.config.train.beta_anneal;
        self.config = config;
        if beta_changed {
            self.truth = None;
        }
        Ok(())
    }

    pub(crate) fn rng_for_evaluation(&self) -> Rng {
        seeded(
            self.config
                .seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(self.iteration as u64 + 1),
        )
    }

    /// Adam's moments from a checkpoint; `path` names it in errors.
    pub(crate) fn restore_optimizer(
        &mut self,
        bytes: burn::tensor::Bytes,
        path: &std::path::Path,
    ) -> Result<()> {
        let fresh = optimizer_for(&self.config);
        self.optimizer = fresh
            .from_bytes(bytes)
            .map_err(|e| Error::bad_file(path, format!("not an optimiser record: {e:?}")))?;
        Ok(())
    }

    /// A resumed run draws new noise: the same seed would replay the first iterations' draws.
    pub(crate) fn reseed_after_resume(&mut self) {
        self.rng = seeded(self.config.seed ^ (self.iteration as u64).wrapping_mul(0x9e37_79b9));
    }

    pub(crate) fn replace_sampler(&mut self, sampler: SamplerNet, iteration: usize, log_z: f64) {
        self.sampler = sampler;
        self.iteration = iteration;
        self.log_z = LearnedLogZ::new(log_z, self.config.train.lr_log_z);
        self.optimizer = optimizer_for(&self.config);
    }
}

fn optimizer_for(_config: &ExperimentConfig) -> ModuleOptimizer {
    AdamConfig::new().init()
}
