//! Built-in 2-D datasets, each a sampler with its density where one is known, and user data
//! from CSV. All are scaled to roughly [−10, 10]² so that one prior setting fits them all.

use std::f64::consts::PI;
use std::path::Path;
use std::sync::Arc;

use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::math::rng::{Rng, standard_normal};
use crate::math::{IsoGmm, Points};

use super::csv_data;
use crate::images::{ImageSet, Split};

/// The built-in datasets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuiltinDataset {
    /// 25 Gaussians on the grid {−10,−5,0,5,10}², variance 0.3, equal weights.
    Gmm25,
    /// 8 Gaussians on a ring of radius 8, variance 0.3.
    EightGaussians,
    /// Two interleaved half circles with noise.
    TwoMoons,
    /// Uniform on the dark squares of a 4×4 board covering [−8, 8]².
    Checkerboard,
    /// Five curved arms.
    Pinwheel,
    /// A noisy spiral.
    SwissRoll,
}

impl BuiltinDataset {
    pub const ALL: [BuiltinDataset; 6] = [
        Self::Gmm25,
        Self::EightGaussians,
        Self::TwoMoons,
        Self::Checkerboard,
        Self::Pinwheel,
        Self::SwissRoll,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Gmm25 => "gmm25",
            Self::EightGaussians => "eight_gaussians",
            Self::TwoMoons => "two_moons",
            Self::Checkerboard => "checkerboard",
            Self::Pinwheel => "pinwheel",
            Self::SwissRoll => "swiss_roll",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The Gaussian components, where the dataset is a mixture: its known modes.
    pub fn components(self) -> Option<IsoGmm> {
        match self {
            Self::Gmm25 => Some(IsoGmm::grid25()),
            Self::EightGaussians => {
                let means = (0..8)
                    .map(|k| {
                        let a = 2.0 * PI * k as f64 / 8.0;
                        vec![8.0 * a.cos(), 8.0 * a.sin()]
                    })
                    .collect();
                Some(IsoGmm::equal_weights(means, 0.3))
            }
            _ => None,
        }
    }

    /// log density where it has a closed form.
    pub fn log_density(self, x: &[f32]) -> Option<f64> {
        if let Some(gmm) = self.components() {
            return Some(gmm.log_density(x));
        }
        match self {
            Self::Checkerboard => {
                let inside = x.iter().all(|v| v.abs() < 8.0);
                let cell = |v: f32| ((v + 8.0) / 4.0).floor() as i32;
                let dark = (cell(x[0]) + cell(x[1])).rem_euclid(2) == 0;
                // 8 dark cells of area 16.
                Some(if inside && dark {
                    -(128f64).ln()
                } else {
                    f64::NEG_INFINITY
                })
            }
            _ => None,
        }
    }

    pub fn sample(self, rng: &mut Rng, n: usize) -> Points {
        if let Some(gmm) = self.components() {
            return gmm.sample(rng, n);
        }
        let mut points = Points::with_capacity(n, 2);
        for _ in 0..n {
            let row = match self {
                Self::TwoMoons => two_moons_point(rng),
                Self::Checkerboard => checkerboard_point(rng),
                Self::Pinwheel => pinwheel_point(rng),
                Self::SwissRoll => swiss_roll_point(rng),
                Self::Gmm25 | Self::EightGaussians => unreachable!("mixtures are sampled above"),
            };
            points.push(&row);
        }
        points
    }
}

fn normal(rng: &mut Rng) -> f64 {
    standard_normal(rng, 1)[0] as f64
}

fn two_moons_point(rng: &mut Rng) -> [f32; 2] {
    let theta = rng.random::<f64>() * PI;
    let (x, y) = if rng.random::<bool>() {
        (theta.cos(), theta.sin())
    } else {
        (1.0 - theta.cos(), 0.5 - theta.sin())
    };
    let x = 4.0 * (x - 0.5 + 0.1 * normal(rng));
    let y = 4.0 * (y - 0.25 + 0.1 * normal(rng));
    [x as f32, y as f32]
}

fn checkerboard_point(rng: &mut Rng) -> [f32; 2] {
    // Pick one of the 8 dark cells, then a uniform point in it.
    let k = rng.random_range(0..8);
    let row = k / 2;
    let col = 2 * (k % 2) + (row % 2);
    let x = -8.0 + 4.0 * (col as f64 + rng.random::<f64>());
    let y = -8.0 + 4.0 * (row as f64 + rng.random::<f64>());
    [x as f32, y as f32]
}

fn pinwheel_point(rng: &mut Rng) -> [f32; 2] {
    let arms = 5;
    let arm = rng.random_range(0..arms);
    let radial = 1.0 + 0.3 * normal(rng);
    let tangential = 0.1 * normal(rng);
    let angle = 2.0 * PI * arm as f64 / arms as f64 + 0.25 * radial.exp();
    let (s, c) = angle.sin_cos();
    let x = 3.0 * (c * radial - s * tangential) * 1.6;
    let y = 3.0 * (s * radial + c * tangential) * 1.6;
    [x as f32, y as f32]
}

fn swiss_roll_point(rng: &mut Rng) -> [f32; 2] {
    let t = 1.5 * PI * (1.0 + 2.0 * rng.random::<f64>());
    let x = 0.7 * (t * t.cos()) + 0.3 * normal(rng);
    let y = 0.7 * (t * t.sin()) + 0.3 * normal(rng);
    [x as f32, y as f32]
}

/// Where a prior's training data comes from: a built-in dataset or a CSV of points.
#[derive(Clone, Debug, PartialEq)]
pub enum DataSource {
    Builtin(BuiltinDataset),
    /// Points loaded from a file; sampled by drawing rows uniformly with replacement.
    Points {
        name: String,
        points: Points,
    },
    /// The training split of an MNIST-format folder: images as rows of pixels in [0, 1].
    Images {
        /// The folder (or `fashion_mnist`), with `@k` when averaged over k×k blocks.
        name: String,
        set: Arc<ImageSet>,
    },
}

impl DataSource {
    /// Resolves a config value: a built-in name, an MNIST-format folder (or `fashion_mnist`;
    /// `@k` after it averages k×k blocks), or a path to a CSV file.
    pub fn resolve(spec: &str) -> Result<Self> {
        Self::resolve_with(spec, 1)
    }

    /// [`resolve`](Self::resolve), with images averaged over `downsample`² blocks (an `@k` in
    /// `spec` wins).
    pub fn resolve_with(spec: &str, downsample: usize) -> Result<Self> {
        if let Some(builtin) = BuiltinDataset::from_name(spec) {
            return Ok(Self::Builtin(builtin));
        }
        let (folder, downsample) = match spec.rsplit_once('@') {
            Some((folder, k)) if k.parse::<usize>().is_ok() => {
                (folder, k.parse::<usize>().unwrap_or(1))
            }
            _ => (spec, downsample),
        };
        if ImageSet::is_image_spec(folder) {
            let set = ImageSet::load(folder, Split::Train, downsample)?;
            let name = if downsample > 1 {
                format!("{folder}@{downsample}")
            } else {
                folder.to_string()
            };
            return Ok(Self::Images { name, set });
        }
        let path = Path::new(spec);
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
            || path.exists()
        {
            let points = csv_data::read_points(path)?;
            return Ok(Self::Points {
                name: spec.to_string(),
                points,
            });
        }
        let names: Vec<_> = BuiltinDataset::ALL.iter().map(|d| d.name()).collect();
        Err(Error::config(
            "prior.dataset",
            format!(
                "`{spec}` is neither a built-in dataset ({}), an MNIST-format folder, nor a CSV \
                 file",
                names.join(", ")
            ),
        ))
    }

    pub fn name(&self) -> &str {
        match self {
            Self::Builtin(b) => b.name(),
            Self::Points { name, .. } | Self::Images { name, .. } => name,
        }
    }

    pub fn dim(&self) -> usize {
        match self {
            Self::Builtin(_) => 2,
            Self::Points { points, .. } => points.dim(),
            Self::Images { set, .. } => set.dim(),
        }
    }

    pub fn components(&self) -> Option<IsoGmm> {
        match self {
            Self::Builtin(b) => b.components(),
            Self::Points { .. } | Self::Images { .. } => None,
        }
    }

    pub fn sample(&self, rng: &mut Rng, n: usize) -> Points {
        match self {
            Self::Builtin(b) => b.sample(rng, n),
            Self::Points { points, .. } => {
                let indices: Vec<usize> =
                    (0..n).map(|_| rng.random_range(0..points.len())).collect();
                points.select(&indices)
            }
            Self::Images { set, .. } => {
                let indices: Vec<usize> = (0..n).map(|_| rng.random_range(0..set.len())).collect();
                set.images.select(&indices)
            }
        }
    }

    /// The images, where the data are images.
    pub fn images(&self) -> Option<&Arc<ImageSet>> {
        match self {
            Self::Images { set, .. } => Some(set),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::rng::seeded;

    #[test]
    fn every_builtin_dataset_samples_finite_points_in_range() {
        let mut rng = seeded(0);
        for dataset in BuiltinDataset::ALL {
            let pts = dataset.sample(&mut rng, 2000);
            assert_eq!(pts.len(), 2000);
            assert!(pts.all_finite(), "{}", dataset.name());
            for (lo, hi) in pts.bounds() {
                assert!(lo > -14.0 && hi < 14.0, "{}: {lo}..{hi}", dataset.name());
            }
        }
    }

    #[test]
    fn checkerboard_samples_lie_where_its_density_is_positive() {
        let mut rng = seeded(1);
        let d = BuiltinDataset::Checkerboard;
        for row in d.sample(&mut rng, 1000).rows() {
            assert!(d.log_density(row).unwrap().is_finite());
        }
    }

    #[test]
    fn unknown_dataset_names_the_field() {
        let err = DataSource::resolve("no_such_data").unwrap_err().to_string();
        assert!(
            err.contains("prior.dataset") && err.contains("no_such_data"),
            "{err}"
        );
    }
}
