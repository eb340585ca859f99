//! The 2-D views of a d-dimensional experiment: the data and trajectory views show two chosen
//! coordinates. The projected snapshot is made once per snapshot (or choice of axes), not per
//! frame, and the reference samples, which change rarely, are projected once per generation.

use std::sync::Arc;

use crate::experiment::evaluation::TrajectorySnapshot;
use crate::experiment::worker::Snapshot;
use crate::math::shared_points::SharedPoints;

#[derive(Default)]
pub struct Projection {
    /// (the source snapshot, the axes) → the projected snapshot.
    shown: Option<(Arc<Snapshot>, [usize; 2], Arc<Snapshot>)>,
    reference: Option<((u64, [usize; 2]), SharedPoints)>,
}

/// Whether a snapshot of dimension `dim` is shown as it is on these axes.
pub fn is_identity(dim: usize, axes: [usize; 2]) -> bool {
    dim <= 2 && axes == [0, 1]
}

impl Projection {
    /// The snapshot on `axes`; the snapshot itself when nothing needs projecting.
    pub fn project(&mut self, snapshot: &Arc<Snapshot>, axes: [usize; 2]) -> Arc<Snapshot> {
        if is_identity(snapshot.samples.dim(), axes) {
            return snapshot.clone();
        }
        if let Some((source, a, shown)) = &self.shown
            && Arc::ptr_eq(source, snapshot)
            && *a == axes
        {
            return shown.clone();
        }
        let reference = snapshot.reference_samples.as_ref().map(|r| {
            let key = (r.generation, axes);
            match &self.reference {
                Some((k, projected)) if *k == key => projected.clone(),
                _ => {
                    let projected = SharedPoints::new(r.columns(&axes));
                    self.reference = Some((key, projected.clone()));
                    projected
                }
            }
        });
        let trajectories = |t: &TrajectorySnapshot| TrajectorySnapshot {
            steps: t.steps,
            count: t.count,
            states: t.states.columns(&axes),
        };
        let shown = Arc::new(Snapshot {
            iteration: snapshot.iteration,
            samples: snapshot.samples.columns(&axes),
            trajectories: trajectories(&snapshot.trajectories),
            prior_samples: snapshot.prior_samples.columns(&axes),
            prior_trajectories: trajectories(&snapshot.prior_trajectories),
            reference_samples: reference,
            modes: snapshot.modes.as_ref().map(|m| m.columns(&axes)),
            noise: snapshot.noise.clone(),
            classes: snapshot.classes.clone(),
            cost: snapshot.cost,
        });
        self.shown = Some((snapshot.clone(), axes, shown.clone()));
        shown
    }
}
