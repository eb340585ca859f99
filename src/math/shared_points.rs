//! Points shared without copies between the pictures an engine hands to a front end.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Points;

/// Points shared between snapshots without a copy. `generation` is new whenever the points
/// are: a front end that keeps derived data (a GPU buffer, a texture) rebuilds it only then.
#[derive(Clone, Debug)]
pub struct SharedPoints {
    pub generation: u64,
    pub points: Arc<Points>,
}

impl SharedPoints {
    pub fn new(points: Points) -> Self {
        static GENERATION: AtomicU64 = AtomicU64::new(1);
        Self {
            generation: GENERATION.fetch_add(1, Ordering::Relaxed),
            points: Arc::new(points),
        }
    }
}

impl std::ops::Deref for SharedPoints {
    type Target = Points;

    fn deref(&self) -> &Points {
        &self.points
    }
}
