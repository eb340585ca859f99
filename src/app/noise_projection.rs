//! The noise view's plane for a latent of more than two coordinates: two chosen coordinates,
//! or the two leading principal components. PCA is fitted to the reference posterior's z when
//! there is one (fixed until the reference changes) and to the sampler's z before that (refitted
//! per snapshot, its axes kept pointing the same way). Projected once per snapshot, not per
//! frame.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::experiment::noise_view::NoiseSnapshot;
use crate::experiment::worker::Snapshot;
use crate::math::Points;
use crate::math::pca::Pca2;

/// The noise view's axes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoiseAxes {
    Coordinates([usize; 2]),
    /// The two leading principal components of the reference posterior's z (of the sampler's
    /// before there is a reference).
    Pca,
}

/// The noise view's point sets on its two axes.
pub struct ProjectedNoise {
    pub samples: Points,
    pub prior_samples: Points,
    pub reference_samples: Option<Points>,
    pub encoded_data: Option<Points>,
    /// Whether the sets are the latent's own coordinates 0 and 1 (the heatmap applies).
    pub identity: bool,
    /// What the axes are, for the view's labels.
    pub axis_names: [String; 2],
}

#[derive(Default)]
pub struct NoiseProjection {
    /// The PCA fit and what it was fitted to (a reference generation, or 0 for the sampler).
    pca: Option<(u64, Pca2)>,
    shown: Option<(usize, NoiseAxes, Arc<ProjectedNoise>)>,
}

impl NoiseProjection {
    pub fn project(
        &mut self,
        snapshot: &Arc<Snapshot>,
        noise: &NoiseSnapshot,
        axes: NoiseAxes,
        encoded: Option<&Points>,
    ) -> Arc<ProjectedNoise> {
        let key = Arc::as_ptr(snapshot) as usize;
        if let Some((k, a, shown)) = &self.shown
            && *k == key
            && *a == axes
        {
            return shown.clone();
        }
        let dim = noise.samples.dim();
        let shown = Arc::new(if dim <= 2 {
            self.project_with(noise, encoded, |p| p.clone(), true, names(["z₀", "z₁"]))
        } else {
            match axes {
                NoiseAxes::Coordinates(c) => {
                    let c = c.map(|i| i.min(dim - 1));
                    self.project_with(
                        noise,
                        encoded,
                        |p| p.columns(&c),
                        false,
                        [format!("z{}", c[0]), format!("z{}", c[1])],
                    )
                }
                NoiseAxes::Pca => {
                    let pca = self.fit(noise);
                    match pca {
                        Some(pca) => self.project_with(
                            noise,
                            encoded,
                            |p| pca.project(p),
                            false,
                            names(["PC 1 of z", "PC 2 of z"]),
                        ),
                        None => self.project_with(
                            noise,
                            encoded,
                            |p| p.columns(&[0, 1]),
                            false,
                            names(["z0", "z1"]),
                        ),
                    }
                }
            }
        });
        self.shown = Some((key, axes, shown.clone()));
        shown
    }

    fn fit(&mut self, noise: &NoiseSnapshot) -> Option<Pca2> {
        let (key, source) = match &noise.reference_samples {
            Some(r) => (r.generation, r.points.as_ref()),
            None => (0, &noise.samples),
        };
        if key != 0
            && let Some((k, pca)) = &self.pca
            && *k == key
        {
            return Some(pca.clone());
        }
        let mut pca = Pca2::fit(source)?;
        if let Some((_, previous)) = &self.pca {
            pca.align_with(previous);
        }
        self.pca = Some((key, pca.clone()));
        Some(pca)
    }

    fn project_with(
        &self,
        noise: &NoiseSnapshot,
        encoded: Option<&Points>,
        f: impl Fn(&Points) -> Points,
        identity: bool,
        axis_names: [String; 2],
    ) -> ProjectedNoise {
        ProjectedNoise {
            samples: f(&noise.samples),
            prior_samples: f(&noise.prior_samples),
            reference_samples: noise.reference_samples.as_ref().map(|r| f(&r.points)),
            encoded_data: encoded.filter(|e| e.dim() == noise.samples.dim()).map(f),
            identity,
            axis_names,
        }
    }
}

fn names(n: [&str; 2]) -> [String; 2] {
    n.map(String::from)
}
