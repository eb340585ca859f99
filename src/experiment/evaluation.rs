//! Evaluating an experiment against its ground truth: drawing on-policy samples with their
//! importance weights, building (and caching) the reference posterior and its modes, and
//! turning both into [`Metrics`].

use std::time::Instant;

use burn::tensor::Tensor;

use super::config::ObjectiveKind;
use super::sample_measures::{SampleMeasures, finite_rows};
use super::trainer::Trainer;
pub use super::truth::Truth;
use crate::constraint::targets::{TargetShape, Warp};
use crate::error::Result;
use crate::math::Points;
use crate::math::rng::Rng;
use crate::metrics::ReferenceMethod;
use crate::metrics::sir;
use crate::metrics::target_metrics::{PATTERN_SAMPLES, well_patterns};
use crate::metrics::{
    LogWeightSummary, LogZEstimates, Metrics, ModeMetrics, NoiseDistances, RunInfo,
    energy_distance, sliced_wasserstein,
};
use crate::nn::{tensor_to_points, tensor_to_vec};
use crate::objective::guidance::{ClassifierGuidance, PosteriorSamplingGuidance};
use crate::objective::hmc::Hmc;
use crate::objective::local_search::{LocalSearch, Target};
use crate::objective::log_ratio;
use crate::objective::rtb::log_weights;
use crate::objective::settings::burn_in_steps;
use crate::prior::ReferenceProcess;
use crate::sampler::trajectory::{
    Control, ForwardSimulation, LangevinGradient, Trajectories, backward_trajectories,
    sample_reference,
};

/// Trajectories simulated at once; larger requests are split.
const CHUNK: usize = 10_000;

/// Samples of the sampler (or baseline) with their log-weights log w = β log r − Δlog.
#[derive(Clone, Debug)]
pub struct SamplerDraw {
    pub samples: Points,
    pub log_w: Vec<f64>,
    pub log_r: Vec<f64>,
    /// Samples per second of the simulation itself.
    pub samples_per_s: f64,
    /// SIR's own log Z estimate and ESS, for the SIR baseline.
    pub sir: Option<(f64, f64)>,
}

/// Kept trajectories for the views: states (T+1)·n × d, time-major.
#[derive(Clone, Debug)]
pub struct TrajectorySnapshot {
    pub steps: usize,
    pub count: usize,
    pub states: Points,
}

impl Trainer {
    /// Simulates `n` trajectories of the objective's process (sampler, guided prior, or the
    /// reference itself with `reference_only`).
    fn simulate(
        &self,
        n: usize,
        keep_states: bool,
        reference_only: bool,
        rng: &mut Rng,
    ) -> Vec<Trajectories> {
        let beta = self.beta();
        let device = self.compute.device.clone();
        let grid = &self.grid;
        let net = self.sampler_snapshot();
        let time = net.time(self.time_features());
        let langevin = self.langevin_gradient(beta);
        let langevin_ref: Option<LangevinGradient<'_>> = langevin.as_deref().map(|f| f as _);
        let sigma = self.reference.sigma();
        let guidance = ClassifierGuidance {
            constraint: self.constraint.as_ref(),
            beta,
            scale: self.config.train.guidance_scale,
            sigma,
            device: device.clone(),
        };
        let dps = PosteriorSamplingGuidance {
            reference: &self.reference,
            reference_time: self.reference_time.as_ref(),
            constraint: self.constraint.as_ref(),
            beta,
            scale: self.config.train.guidance_scale,
            device: device.clone(),
        };
        let control = match (reference_only, self.config.train.objective) {
            (true, _) | (false, ObjectiveKind::Sir) => Control::Reference,
            (false, ObjectiveKind::Guidance) => Control::Guide(&guidance),
            (false, ObjectiveKind::Dps) => Control::Guide(&dps),
            (false, _) => Control::Sampler(&net, &time),
        };
        let mut out = Vec::new();
        let mut remaining = n;
        while remaining > 0 {
            let batch = remaining.min(CHUNK);
            remaining -= batch;
            let simulation = ForwardSimulation {
                reference: &self.reference,
                reference_time: self.reference_time.as_ref(),
                control: match &control {
                    Control::Reference => Control::Reference,
                    Control::Guide(g) => Control::Guide(*g),
                    Control::Sampler(n, t) => Control::Sampler(n, t),
                },
                grid,
                batch,
                exploration_std: 0.0,
                keep_states,
                track_log_ratio: true,
                langevin_gradient: langevin_ref,
            };
            out.push(simulation.run(rng, &device));
        }
        out
    }

    /// Samples of the reference process (the prior), `n` of them.
    pub fn prior_samples(&self, n: usize, rng: &mut Rng) -> Points {
        sample_reference(&self.reference, &self.grid, n, rng, &self.compute.device)
    }

    /// Samples of the prior in data space: of the generator for a generator prior (whatever
    /// space the sampler lives in), else of the reference process.
    pub fn data_space_prior_samples(&self, n: usize, rng: &mut Rng) -> Points {
        match &self.reference {
            ReferenceProcess::Generated(prior) => prior.generator.sample(n, rng),
            _ => self.prior_samples(n, rng),
        }
    }

    /// Points of the sampler's space in data space: mapped by f for a noise-space sampler, by
    /// the target's warp for a warped energy target.
    pub fn to_data_space(&self, points: &Points) -> Points {
        if let Some(generator) = self.reference.noise_generator() {
            return generator.generate(points);
        }
        match self.warp() {
            Some(warp) => warp.to_data(points),
            None => points.clone(),
        }
    }

    /// Whether the sampler's space differs from data space (a noise-space sampler or a warped
    /// target).
    pub fn maps_to_data(&self) -> bool {
        self.reference.noise_generator().is_some() || self.warp().is_some()
    }

    /// The energy target's change of variables, if it has one.
    pub fn warp(&self) -> Option<Warp> {
        self.target.as_ref().and_then(|t| t.warp())
    }

    /// `n` samples of what this experiment produces (sampler, guided prior, or SIR), with their
    /// importance weights against the posterior.
    pub fn draw(&self, n: usize, rng: &mut Rng) -> SamplerDraw {
        let beta = self.beta();
        if self.config.train.objective == ObjectiveKind::Sir {
            let started = Instant::now();
            let proposals = self.prior_samples(self.config.train.sir_proposals.max(1), rng);
            let log_r_prop = self.constraint.log_r_batch(&proposals);
            let log_w: Vec<f64> = log_r_prop.iter().map(|l| beta * l).collect();
            let result = sir::resample(&proposals, &log_w, n, rng);
            let log_r = self.constraint.log_r_batch(&result.samples);
            return SamplerDraw {
                samples: result.samples,
                log_w,
                log_r,
                samples_per_s: n as f64 / started.elapsed().as_secs_f64().max(1e-9),
                sir: Some((result.log_z, result.ess)),
            };
        }
        if matches!(
            self.config.train.objective,
            ObjectiveKind::Mala | ObjectiveKind::Hmc
        ) {
            let hmc = self.config.train.objective == ObjectiveKind::Hmc;
            return self.draw_chains(n, hmc, rng);
        }
        let started = Instant::now();
        let runs = self.simulate(n, false, false, rng);
        let mut samples = Points::with_capacity(n, self.reference.dim());
        let mut delta_log = Vec::with_capacity(n);
        for t in runs {
            samples.extend(&tensor_to_points(t.terminal));
            delta_log.extend(tensor_to_vec(t.delta_log));
        }
        let samples_per_s = n as f64 / started.elapsed().as_secs_f64().max(1e-9);
        let log_r = self.constraint.log_r_batch(&samples);
        let beta_log_r: Vec<f64> = log_r.iter().map(|l| beta * l).collect();
        let log_w = log_weights(&beta_log_r, &delta_log);
        SamplerDraw {
            samples,
            log_w,
            log_r,
            samples_per_s,
            sir: None,
        }
    }

    /// `n` MALA or HMC chains from reference samples (the `train.mala` or `train.hmc`
    /// settings); their end states have no importance weights.
    pub(super) fn draw_chains(&self, n: usize, hmc: bool, rng: &mut Rng) -> SamplerDraw {
        let started = Instant::now();
        let train = &self.config.train;
        let start = self.prior_samples(n, rng);
        let target = Target {
            reference: &self.reference,
            constraint: self.constraint.as_ref(),
            beta: self.beta(),
        };
        let end = if hmc {
            let h = &train.hmc;
            let burn_in = burn_in_steps(h.steps, h.burn_in_fraction);
            Hmc::new(h.step_size, h.leapfrog, h.target_acceptance, burn_in)
                .run(&start, &target, h.steps, rng)
        } else {
            let m = &train.mala;
            LocalSearch::new(m.step_size, m.target_acceptance)
                .with_burn_in(burn_in_steps(m.steps, m.burn_in_fraction))
                .run(&start, &target, m.steps, rng)
                .map(|(end, log_r, _)| (end, log_r))
        };
        let (samples, log_r) = end.unwrap_or((start, Vec::new()));
        SamplerDraw {
            samples,
            log_w: Vec::new(),
            log_r,
            samples_per_s: n as f64 / started.elapsed().as_secs_f64().max(1e-9),
            sir: None,
        }
    }

    /// `n` whole trajectories of the sampler (or of the prior), for the trajectory views.
    pub fn trajectories(&self, n: usize, of_prior: bool, rng: &mut Rng) -> TrajectorySnapshot {
        let steps = self.config.sampler.steps;
        let run = self
            .simulate(n.min(CHUNK), true, of_prior, rng)
            .into_iter()
            .next();
        let states = run
            .and_then(|t| t.states)
            .map(tensor_to_points)
            .unwrap_or_else(|| Points::zeros(0, self.reference.dim()));
        TrajectorySnapshot {
            steps,
            count: n.min(CHUNK),
            states,
        }
    }

    /// Width and height of the data when they are images (known from the constraint's
    /// classifier or observation).
    pub fn image_shape(&self) -> Option<(usize, usize)> {
        if let Some(classifier) = self.constraint.image_classifier() {
            return Some((classifier.meta.width, classifier.meta.height));
        }
        self.constraint
            .inpainting()
            .map(|inpainting| (inpainting.width, inpainting.height))
    }

    /// The reference posterior if it has been computed for the current β.
    pub fn cached_truth(&self) -> Option<&Truth> {
        let beta = self.beta();
        self.truth.as_ref().filter(|t| t.beta == beta)
    }

    /// The reference posterior at the current β, computed once and cached.
    pub fn truth(&mut self) -> &Truth {
        let beta = self.beta();
        let stale = self.truth.as_ref().is_none_or(|t| t.beta != beta);
        if stale {
            let truth = self.compute_truth(beta);
            self.truth = Some(truth);
        }
        self.truth.as_ref().expect("just computed")
    }

    /// Measures the sampler against the reference posterior.
    pub fn evaluate(&mut self) -> Result<Metrics> {
        let mut rng = self.rng_for_evaluation();
        let eval = self.config.eval.clone();
        self.truth();
        let draw = self.draw(eval.samples, &mut rng);
        let Some(truth) = self.truth.as_ref() else {
            unreachable!("truth was just computed");
        };
        let summary = LogWeightSummary::from_log_weights(&draw.log_w);
        let m = eval.distance_samples;
        let generator = self.reference.noise_generator();
        let data_samples = self.to_data_space(&draw.samples);
        let noise_distances = generator.map(|_| {
            let sampler_head = draw.samples.select(&finite_rows(&draw.samples)).head(m);
            let reference_head = truth.posterior.samples.head(m);
            NoiseDistances {
                energy_distance: Some(energy_distance(&sampler_head, &reference_head)),
                sliced_w2: Some(sliced_wasserstein(
                    &sampler_head,
                    &reference_head,
                    64,
                    &mut rng,
                )),
            }
        });
        let SampleMeasures {
            finite: finite_data,
            mut target,
            coverage,
            distances,
        } = self.measure_samples(&data_samples, truth, &mut rng);
        let non_finite_samples = data_samples.len() - finite_data.len();
        if let Some(TargetShape::Wells { pairs, .. }) = self.target.as_ref().map(|t| t.shape()) {
            target.well_patterns_ref = Some(well_patterns(
                &truth.data_space_samples().head(PATTERN_SAMPLES),
                pairs,
            ));
        }
        let finite_log_r: Vec<f64> = draw
            .log_r
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        let non_finite_log_r = draw.log_r.len() - finite_log_r.len();
        let trained = self.config.train.objective.is_trained();
        let is_sir = draw.sir.is_some();
        let mut warnings = Vec::new();
        if non_finite_samples > 0 {
            warnings.push(format!(
                "{non_finite_samples} of {} samples are not finite: counted outside every mode, \
                 left out of the distances",
                data_samples.len()
            ));
        }
        if non_finite_log_r > 0 {
            warnings.push(format!(
                "{non_finite_log_r} of {} samples have a non-finite log r: left out of mean log r",
                draw.log_r.len()
            ));
        }
        if let Some(s) = summary.filter(|s| s.invalid + s.zero_weights > 0 && !is_sir) {
            warnings.push(format!(
                "log w: {} NaN or +∞ (left out of IW log Z, ELBO and ESS), {} −∞ (zero weights, \
                 left out of the ELBO only)",
                s.invalid, s.zero_weights
            ));
        }
        if let Some(warning) = truth.posterior.method.warning() {
            warnings.push(warning);
        }
        if let Some(floor) = self.config.train.log_r_floor
            && trained
            && self.beta() * floor > truth.posterior.log_z
        {
            warnings.push(format!(
                "train.log_r_floor = {floor}: β·floor = {:.3} is above the reference log Z \
                 {:.3}, so the floor carries more mass than the posterior and changes the target",
                self.beta() * floor,
                truth.posterior.log_z
            ));
        }
        let dropped = non_finite_samples
            .max(non_finite_log_r)
            .max(summary.map_or(0, |s| s.invalid + s.zero_weights));
        let mut metrics = Metrics {
            run: RunInfo {
                iterations: self.iteration,
                seconds: self.train_seconds,
                it_per_s: (trained && self.train_seconds > 0.0)
                    .then(|| self.iteration as f64 / self.train_seconds),
                loss: self.history.recent_loss(100),
                grad_norm: self.history.last().map(|s| s.grad_norm),
                samples_per_s: Some(draw.samples_per_s),
                beta: self.beta(),
                objective: self.config.train.objective.name().into(),
                backend: self.compute.describe(),
                reference_method: truth.posterior.method.describe(),
                space: self.config.sampler.space.name().into(),
            },
            log_z: LogZEstimates {
                log_z_ref: Some(truth.posterior.log_z),
                log_z_iw: summary.map(|s| s.iw_log_z),
                log_z_iw_se: summary.map(|s| s.iw_log_z_se),
                elbo: if is_sir {
                    None
                } else {
                    summary.map(|s| s.elbo)
                },
                log_z_learned: self.learned_log_z(),
                ess: summary.map(|s| s.ess),
                delta_log_z: summary.map(|s| (truth.posterior.log_z - s.iw_log_z).abs()),
                elbo_gap: summary
                    .filter(|_| !is_sir)
                    .map(|s| truth.posterior.log_z - s.elbo),
                eubo: None,
            },
            distances,
            noise_distances: noise_distances.unwrap_or_default(),
            modes: coverage.map(ModeMetrics::from).unwrap_or_default(),
            target,
            mean_log_r: (!finite_log_r.is_empty())
                .then(|| finite_log_r.iter().sum::<f64>() / finite_log_r.len() as f64),
            mean_log_r_ref: Some(truth.mean_log_r),
            dropped,
            warnings,
            ..Default::default()
        };
        if let Some(classifier) = self.constraint.image_classifier() {
            super::image_evaluation::image_metrics(
                &mut metrics.images,
                &classifier,
                &data_samples.select(&finite_data),
                truth,
            );
        }
        if let Some(inpainting) = self.constraint.inpainting() {
            super::image_evaluation::inpainting_metrics(
                &mut metrics.images,
                inpainting,
                &data_samples.select(&finite_data),
                truth.data_space_samples(),
            );
        }
        if let Some((log_z, ess)) = draw.sir {
            metrics.log_z.log_z_iw = Some(log_z);
            // The on-policy weights' error does not belong to the SIR baseline's estimate.
            metrics.log_z.log_z_iw_se = None;
            metrics.log_z.ess = Some(ess);
            metrics.log_z.delta_log_z = Some((truth.posterior.log_z - log_z).abs());
        }
        if matches!(truth.posterior.method, ReferenceMethod::Exact { .. })
            && !is_sir
            && !draw.log_w.is_empty()
        {
            let exact = truth.posterior.samples.head(eval.samples.min(CHUNK));
            metrics.log_z.eubo = self.eubo(&exact, &mut rng);
        }
        if eval.resample_from > 0 {
            metrics.resampled = self.resampled_metrics(eval.resample_from, truth, &mut rng);
        }
        self.history.evaluations.push(metrics.clone());
        Ok(metrics)
    }
}

impl Trainer {
    /// The evidence upper bound over exact posterior samples: the mean of
    /// log w = β log r(x) − (log q(τ) − log p_ref(τ)) over the reference's backward bridges τ
    /// from each x. `None` when a weight is not finite or the process has no sampler.
    fn eubo(&self, exact: &Points, rng: &mut Rng) -> Option<f64> {
        if exact.is_empty() || !self.config.train.objective.is_trained() {
            return None;
        }
        let beta = self.beta();
        let langevin = self.langevin_gradient(beta);
        let langevin_ref: Option<LangevinGradient<'_>> = langevin.as_deref().map(|f| f as _);
        let net = self.sampler_snapshot();
        let time = net.time(self.time_features());
        let trajectories = backward_trajectories(
            exact,
            &self.reference,
            self.reference_time.as_ref(),
            &self.grid,
            langevin_ref,
            rng,
            &self.compute.device,
        );
        let delta = tensor_to_vec(
            log_ratio(
                &net,
                &time,
                &trajectories,
                &self.grid,
                self.reference.sigma(),
                None,
            )
            .delta_log,
        );
        let log_r = self.constraint.log_r_batch(exact);
        let log_w: Vec<f64> = log_r
            .iter()
            .zip(&delta)
            .map(|(l, d)| beta * l - d)
            .collect();
        log_w
            .iter()
            .all(|w| w.is_finite())
            .then(|| log_w.iter().sum::<f64>() / log_w.len() as f64)
    }
}

/// Reads a trajectory's terminal states (used by tests and views).
pub fn terminal_points(tensor: Tensor<2>) -> Points {
    tensor_to_points(tensor)
}
