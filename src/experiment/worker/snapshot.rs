//! Snapshots for the views: the newest samples, trajectories and reference of an experiment,
//! made at a bounded rate and within a share of the worker's time. What changes only with the
//! prior (its samples, trajectories, noise landscape) and with the reference (its samples) is
//! kept between snapshots and shared, not copied.

use std::sync::Arc;
use std::time::Instant;

use super::protocol::{Cadence, Snapshot, SnapshotClasses};
use crate::experiment::evaluation::TrajectorySnapshot;
use crate::experiment::noise_view::{NoiseLandscape, NoiseSnapshot, map_trajectories};
use crate::experiment::trainer::Trainer;
use crate::math::Points;
use crate::math::rng::seeded;
use crate::math::shared_points::SharedPoints;
use crate::metrics::Modes;

/// Prior samples and trajectories change only with the prior: kept between snapshots (in the
/// sampler's space; for a noise-space sampler also mapped to x, and the noise landscape).
struct PriorCache {
    samples: Points,
    trajectories: TrajectorySnapshot,
    data_samples: Points,
    data_trajectories: TrajectorySnapshot,
    landscape: Option<Arc<NoiseLandscape>>,
    /// The classifier's classes of `data_samples`, for image experiments.
    classes: Option<Arc<Vec<u8>>>,
}

/// Makes snapshots and keeps what they share.
pub struct SnapshotMaker {
    cadence: Cadence,
    last: Option<Instant>,
    cost: f64,
    dirty: bool,
    prior: Option<PriorCache>,
    /// The reference samples of the truth with this id, in the sampler's space and in data
    /// space.
    reference: Option<(u64, SharedPoints, SharedPoints)>,
}

impl SnapshotMaker {
    pub fn new(cadence: Cadence) -> Self {
        Self {
            cadence,
            last: None,
            cost: 0.0,
            dirty: true,
            prior: None,
            reference: None,
        }
    }

    /// Something changed: the next due snapshot is made.
    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// The next call makes a snapshot at once.
    pub fn invalidate(&mut self) {
        self.dirty = true;
        self.last = None;
    }

    /// The prior (or what is drawn from it) changed.
    pub fn forget_prior(&mut self) {
        self.prior = None;
    }

    /// A snapshot when one is due: something changed, the interval has passed, and snapshots
    /// stay within their share of the worker's time.
    pub fn maybe_make(&mut self, trainer: &mut Trainer) -> Option<Snapshot> {
        if !self.dirty {
            return None;
        }
        if let Some(last) = self.last {
            let since = last.elapsed().as_secs_f64();
            let min_gap = self
                .cadence
                .snapshot_interval
                .as_secs_f64()
                .max(self.cost / self.cadence.snapshot_budget.max(1e-3));
            if since < min_gap {
                return None;
            }
        }
        let started = Instant::now();
        let snapshot = self.make(trainer);
        self.cost = started.elapsed().as_secs_f64();
        self.last = Some(Instant::now());
        self.dirty = false;
        Some(Snapshot {
            cost: self.cost,
            ..snapshot
        })
    }

    fn make(&mut self, trainer: &mut Trainer) -> Snapshot {
        let cadence = &self.cadence;
        let mut rng = seeded(trainer.config.seed ^ 0x5a5a ^ trainer.iteration() as u64);
        let draw = trainer.draw(cadence.snapshot_samples, &mut rng);
        let trajectories = trainer.trajectories(cadence.snapshot_trajectories, false, &mut rng);
        let generator = trainer.reference.noise_generator().cloned();
        let classifier = trainer.constraint.image_classifier();
        // The landscape depends on β, the classes on whether there is a classifier.
        let stale = self.prior.as_ref().is_some_and(|c| {
            c.landscape
                .as_ref()
                .is_some_and(|l| l.beta != trainer.beta())
                || c.classes.is_some() != classifier.is_some()
        });
        if stale {
            self.prior = None;
        }
        let cache = self.prior.get_or_insert_with(|| {
            let samples = trainer.prior_samples(cadence.snapshot_samples, &mut seeded(7));
            let trajectories =
                trainer.trajectories(cadence.snapshot_trajectories, true, &mut seeded(8));
            let (data_samples, data_trajectories, landscape) = match &generator {
                Some(g) => (
                    g.generate(&samples),
                    map_trajectories(g.as_ref(), &trajectories),
                    NoiseLandscape::compute(trainer, g.as_ref()).map(Arc::new),
                ),
                // A warped target's points are shown in x, as everything else sees them.
                None => (
                    trainer.to_data_space(&samples),
                    warp_trajectories(trainer, &trajectories),
                    None,
                ),
            };
            let classes = classifier
                .as_ref()
                .map(|c| Arc::new(class_bytes(c.predict(&data_samples))));
            PriorCache {
                samples,
                trajectories,
                data_samples,
                data_trajectories,
                landscape,
                classes,
            }
        });
        let truth = trainer.cached_truth();
        let reference = match (truth, &self.reference) {
            (Some(t), Some((id, own, data))) if *id == t.id => Some((own.clone(), data.clone())),
            (Some(t), _) => {
                let own = SharedPoints::new(t.posterior.samples.head(cadence.reference_points));
                let data = match &t.data_samples {
                    Some(d) => SharedPoints::new(d.head(cadence.reference_points)),
                    None => own.clone(),
                };
                self.reference = Some((t.id, own.clone(), data.clone()));
                Some((own, data))
            }
            (None, _) => None,
        };
        let modes = truth.and_then(|t| t.modes.as_ref()).map(Modes::centers);
        let data_samples = trainer.to_data_space(&draw.samples);
        let classes = classifier
            .as_ref()
            .zip(cache.classes.as_ref())
            .map(|(c, prior)| SnapshotClasses {
                samples: class_bytes(c.predict(&data_samples)),
                prior: prior.clone(),
            });
        match &generator {
            Some(g) => Snapshot {
                iteration: trainer.iteration(),
                samples: data_samples,
                trajectories: map_trajectories(g.as_ref(), &trajectories),
                prior_samples: cache.data_samples.clone(),
                prior_trajectories: cache.data_trajectories.clone(),
                reference_samples: reference.as_ref().map(|r| r.1.clone()),
                modes,
                noise: Some(NoiseSnapshot {
                    samples: draw.samples,
                    prior_samples: cache.samples.clone(),
                    reference_samples: reference.map(|r| r.0),
                    trajectories,
                    prior_trajectories: cache.trajectories.clone(),
                    landscape: cache.landscape.clone(),
                }),
                classes,
                cost: 0.0,
            },
            None => Snapshot {
                iteration: trainer.iteration(),
                samples: data_samples,
                trajectories: warp_trajectories(trainer, &trajectories),
                prior_samples: cache.data_samples.clone(),
                prior_trajectories: cache.data_trajectories.clone(),
                reference_samples: reference.map(|r| r.1),
                modes,
                noise: None,
                classes,
                cost: 0.0,
            },
        }
    }
}

/// Trajectories in x for a warped target (the map of each state), else as they are.
fn warp_trajectories(trainer: &Trainer, t: &TrajectorySnapshot) -> TrajectorySnapshot {
    TrajectorySnapshot {
        steps: t.steps,
        count: t.count,
        states: trainer.to_data_space(&t.states),
    }
}

/// Class indices as bytes (a classifier has at most a few dozen classes).
fn class_bytes(classes: Vec<usize>) -> Vec<u8> {
    classes
        .into_iter()
        .map(|c| u8::try_from(c).unwrap_or(u8::MAX))
        .collect()
}
