//! What a front end needs to show a noise-space sampler beside data space: the same samples and
//! trajectories in z (the snapshot's main fields hold their images f(z)), lines of a z grid
//! warped through f, and the noise-space densities on a grid. Rows correspond: row i of the
//! z samples maps to row i of the data-space samples, which is what linked brushing uses.

use super::evaluation::TrajectorySnapshot;
use super::trainer::Trainer;
use crate::math::Points;
use crate::math::field::{Area, Field};
use crate::math::gaussian::log_normal_centered;
use crate::math::shared_points::SharedPoints;
use crate::prior::Generator;

/// Half-width of the z region the views show: N(0, I) puts all but 2·10⁻⁶ of its mass inside.
pub const NOISE_EXTENT: f64 = 3.5;
/// Lines of the warped grid in each direction, and points along each line.
const GRID_LINES: usize = 15;
const GRID_POINTS: usize = 160;
/// Cells per side of the density grids.
const FIELD_CELLS: usize = 96;

/// Everything about the noise space that changes only with the prior, the constraint or β.
#[derive(Clone, Debug)]
pub struct NoiseLandscape {
    /// Polylines in x: images of the z lines z₀ = c and z₁ = c.
    pub warped_grid: Vec<Points>,
    /// log N(z) + β·log r(f(z)), the unnormalised noise-space posterior.
    pub posterior: Field,
    /// log r(f(z)).
    pub log_r: Field,
    pub beta: f64,
}

impl NoiseLandscape {
    /// Evaluates f on the grids (a few ten thousand points, one batched call each).
    pub fn compute(trainer: &Trainer, generator: &dyn Generator) -> Option<Self> {
        if generator.noise_dim() != 2 {
            return None;
        }
        let beta = trainer.beta();
        let (lo, hi) = ([-NOISE_EXTENT; 2], [NOISE_EXTENT; 2]);
        let mut lines = Points::with_capacity(2 * GRID_LINES * GRID_POINTS, 2);
        for axis in 0..2 {
            for i in 0..GRID_LINES {
                let c = lo[0] + (hi[0] - lo[0]) * i as f64 / (GRID_LINES - 1) as f64;
                for j in 0..GRID_POINTS {
                    let s = lo[0] + (hi[0] - lo[0]) * j as f64 / (GRID_POINTS - 1) as f64;
                    let p = if axis == 0 { [c, s] } else { [s, c] };
                    lines.push(&[p[0] as f32, p[1] as f32]);
                }
            }
        }
        let images = generator.generate(&lines);
        let warped_grid = (0..2 * GRID_LINES)
            .map(|l| images.select(&(l * GRID_POINTS..(l + 1) * GRID_POINTS).collect::<Vec<_>>()))
            .collect();
        let area = Area {
            lower: lo,
            upper: hi,
        };
        let cells = area.cell_centres(FIELD_CELLS);
        // The trainer's constraint already acts on z through f.
        let log_r = trainer.constraint.log_r_batch(&cells);
        let posterior = cells
            .rows()
            .zip(&log_r)
            .map(|(z, lr)| log_normal_centered(z, 1.0) + beta * lr)
            .collect();
        let field = |values| Field {
            n: FIELD_CELLS,
            area,
            values,
        };
        Some(Self {
            warped_grid,
            posterior: field(posterior),
            log_r: field(log_r),
            beta,
        })
    }
}

/// The noise-space half of a snapshot.
#[derive(Clone, Debug)]
pub struct NoiseSnapshot {
    pub samples: Points,
    pub prior_samples: Points,
    pub reference_samples: Option<SharedPoints>,
    pub trajectories: TrajectorySnapshot,
    pub prior_trajectories: TrajectorySnapshot,
    pub landscape: Option<std::sync::Arc<NoiseLandscape>>,
}

/// The trajectory states mapped through f, row for row.
pub fn map_trajectories(generator: &dyn Generator, t: &TrajectorySnapshot) -> TrajectorySnapshot {
    TrajectorySnapshot {
        steps: t.steps,
        count: t.count,
        states: generator.generate(&t.states),
    }
}
