//! A small convolutional classifier p(c|x) of images: the classifier constraint's log r, the
//! class histogram of samples, and the feature space of the Fréchet distance (its penultimate
//! layer). Trained by `posterior-studio train-classifier`, saved as a folder:
//! `classifier.toml` (architecture, classes, measured test accuracy) and `weights.bpk`.

use std::path::Path;

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::{log_softmax, relu};
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::seq::SliceRandom as _;
use serde::{Deserialize, Serialize};

use super::image_set::ImageSet;
use crate::backend::ComputeDevice;
use crate::error::{Error, Result};
use crate::files;
use crate::math::Points;
use crate::math::rng::seeded;
use crate::nn::{points_to_tensor, tensor_to_points};
use crate::records;

const META_FILE: &str = "classifier.toml";
const WEIGHTS_FILE: &str = "weights.bpk";
/// Images per forward pass when scoring many samples.
const CHUNK: usize = 2048;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifierMeta {
    pub format_version: u32,
    pub dataset: String,
    pub width: usize,
    pub height: usize,
    pub classes: Vec<String>,
    /// Channels of the two strided convolutions after the first (which has `channels[0]`).
    pub channels: [usize; 2],
    /// Width of the penultimate layer: the Fréchet distance's feature space.
    pub features: usize,
    /// Accuracy on the dataset's test split, measured after training.
    pub test_accuracy: f64,
    pub epochs: usize,
    pub seed: u64,
}

/// Training settings of `train-classifier`.
#[derive(Clone, Debug)]
pub struct ClassifierSettings {
    pub epochs: usize,
    pub batch: usize,
    pub lr: f64,
    pub channels: [usize; 2],
    pub features: usize,
    pub seed: u64,
}

impl Default for ClassifierSettings {
    fn default() -> Self {
        Self {
            epochs: 3,
            batch: 128,
            lr: 2e-3,
            channels: [16, 32],
            features: 64,
            seed: 0,
        }
    }
}

#[derive(Module, Debug)]
pub struct ClassifierNet {
    conv1: Conv2d,
    conv2: Conv2d,
    conv3: Conv2d,
    hidden: Linear,
    head: Linear,
    #[module(skip)]
    shape: [usize; 2],
}

/// Spatial size after a 3×3 convolution with stride 2 and padding 1.
fn halved(n: usize) -> usize {
    n.div_ceil(2)
}

impl ClassifierNet {
    fn new(meta: &ClassifierMeta, device: &Device) -> Self {
        let [c1, c2] = meta.channels;
        let conv = |input: usize, output: usize, stride: usize| {
            Conv2dConfig::new([input, output], [3, 3])
                .with_stride([stride, stride])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device)
        };
        let flat = c2 * halved(halved(meta.height)) * halved(halved(meta.width));
        Self {
            conv1: conv(1, c1, 1),
            conv2: conv(c1, c2, 2),
            conv3: conv(c2, c2, 2),
            hidden: LinearConfig::new(flat, meta.features).init(device),
            head: LinearConfig::new(meta.features, meta.classes.len()).init(device),
            shape: [meta.height, meta.width],
        }
    }

    /// Penultimate features of B images given as B × (h·w) rows.
    pub fn features(&self, x: Tensor<2>) -> Tensor<2> {
        let [batch, _] = x.dims();
        let [h, w] = self.shape;
        let x = x.reshape([batch, 1, h, w]);
        let x = relu(self.conv1.forward(x));
        let x = relu(self.conv2.forward(x));
        let x = relu(self.conv3.forward(x));
        relu(self.hidden.forward(x.flatten(1, 3)))
    }

    /// log p(c|x), B × classes.
    pub fn log_probs(&self, x: Tensor<2>) -> Tensor<2> {
        log_softmax(self.head.forward(self.features(x)), 1)
    }
}

/// A trained classifier on a device.
#[derive(Clone, Debug)]
pub struct Classifier {
    pub meta: ClassifierMeta,
    pub net: ClassifierNet,
    pub device: Device,
}

/// Reported while the classifier trains.
#[derive(Clone, Copy, Debug)]
pub struct ClassifierProgress {
    pub step: usize,
    pub steps: usize,
    pub loss: f64,
}

impl Classifier {
    /// Trains on `train` by cross-entropy and measures the accuracy on `test`.
    pub fn train(
        train: &ImageSet,
        test: &ImageSet,
        settings: &ClassifierSettings,
        compute: &ComputeDevice,
        on_progress: &mut dyn FnMut(&ClassifierProgress),
    ) -> Result<Self> {
        if settings.epochs == 0 || settings.batch == 0 {
            return Err(Error::config(
                "train-classifier",
                "epochs and batch must be at least 1",
            ));
        }
        if (train.width, train.height) != (test.width, test.height) {
            return Err(Error::Dimension {
                what: format!("the test images of {}", test.name),
                expected: train.dim(),
                got: test.dim(),
            });
        }
        let mut meta = ClassifierMeta {
            format_version: 1,
            dataset: train.name.clone(),
            width: train.width,
            height: train.height,
            classes: train.classes.clone(),
            channels: settings.channels,
            features: settings.features,
            test_accuracy: f64::NAN,
            epochs: settings.epochs,
            seed: settings.seed,
        };
        let device = compute.autodiff();
        device.seed(settings.seed);
        let mut net = ClassifierNet::new(&meta, &device);
        let mut optimizer = AdamConfig::new().init();
        let mut rng = seeded(settings.seed);
        let mut order: Vec<usize> = (0..train.len()).collect();
        let per_epoch = train.len().div_ceil(settings.batch);
        let steps = per_epoch * settings.epochs;
        let mut step = 0;
        for _ in 0..settings.epochs {
            order.shuffle(&mut rng);
            for chunk in order.chunks(settings.batch) {
                let x = points_to_tensor(&train.images.select(chunk), &device);
                let labels: Vec<i64> = chunk.iter().map(|&i| train.labels[i] as i64).collect();
                let y =
                    Tensor::<1, Int>::from_data(TensorData::new(labels, [chunk.len()]), &device);
                let log_p = net.log_probs(x);
                let loss = -log_p.gather(1, y.reshape([chunk.len(), 1])).mean();
                let lr = settings.lr
                    * 0.5
                    * (1.0 + (std::f64::consts::PI * step as f64 / steps as f64).cos());
                step += 1;
                if step % 50 == 0 || step == steps {
                    let value: f64 = loss.clone().into_scalar::<f32>().into();
                    if !value.is_finite() {
                        return Err(Error::NonFinite {
                            iteration: step,
                            what: "the classifier's cross-entropy".into(),
                            value,
                        });
                    }
                    on_progress(&ClassifierProgress {
                        step,
                        steps,
                        loss: value,
                    });
                }
                let grads = GradientsParams::from_grads(loss.backward(), &net);
                net = optimizer.step(lr, net, grads);
            }
        }
        let mut classifier = Self {
            meta: meta.clone(),
            net: net.valid(),
            device: compute.device.clone(),
        };
        meta.test_accuracy = classifier.accuracy(test);
        classifier.meta = meta;
        Ok(classifier)
    }

    /// Share of `set` whose most probable class is its label.
    pub fn accuracy(&self, set: &ImageSet) -> f64 {
        let predicted = self.predict(&set.images);
        let right = predicted
            .iter()
            .zip(&set.labels)
            .filter(|(p, l)| **p == **l as usize)
            .count();
        right as f64 / set.len().max(1) as f64
    }

    pub fn dim(&self) -> usize {
        self.meta.width * self.meta.height
    }

    /// log p(c|x) for every row, chunk by chunk.
    pub fn log_probs(&self, x: &Points) -> Points {
        self.map_chunks(x, |t| self.net.log_probs(t))
    }

    /// Penultimate-layer features of every row.
    pub fn features(&self, x: &Points) -> Points {
        self.map_chunks(x, |t| self.net.features(t))
    }

    /// The most probable class of every row.
    pub fn predict(&self, x: &Points) -> Vec<usize> {
        self.log_probs(x)
            .rows()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .map_or(0, |(i, _)| i)
            })
            .collect()
    }

    /// log Σ_{c∈S} p(c|x) for every row, and (when `with_grad`) its gradient in x.
    pub fn log_prob_of_set(
        &self,
        x: &Points,
        set: &[usize],
        with_grad: bool,
    ) -> (Vec<f64>, Option<Points>) {
        let mut values = Vec::with_capacity(x.len());
        let mut grads: Option<Points> = None;
        let index = Tensor::<1, Int>::from_data(
            TensorData::new(
                set.iter().map(|&c| c as i64).collect::<Vec<_>>(),
                [set.len()],
            ),
            &self.device,
        );
        for start in (0..x.len()).step_by(CHUNK) {
            let rows: Vec<usize> = (start..(start + CHUNK).min(x.len())).collect();
            let input = points_to_tensor(&x.select(&rows), &self.device);
            let forward = |input: Tensor<2>| {
                let [batch, _] = input.dims();
                let log_p = self.net.log_probs(input).select(1, index.clone());
                // logsumexp over the class set, stabilised by its maximum.
                let max = log_p.clone().max_dim(1).detach();
                (log_p - max.clone())
                    .exp()
                    .sum_dim(1)
                    .log()
                    .add(max)
                    .reshape([batch])
            };
            if with_grad {
                let autodiff = input.autodiff().require_grad();
                let out = forward(autodiff.clone());
                let gradients = out.clone().sum().backward();
                values.extend(crate::nn::tensor_to_vec(out.inner()));
                let g = autodiff
                    .grad(&gradients)
                    .map(tensor_to_points)
                    .unwrap_or_else(|| Points::zeros(rows.len(), x.dim()));
                match &mut grads {
                    Some(all) => all.extend(&g),
                    None => grads = Some(g),
                }
            } else {
                values.extend(crate::nn::tensor_to_vec(forward(input)));
            }
        }
        (values, grads)
    }

    fn map_chunks(&self, x: &Points, f: impl Fn(Tensor<2>) -> Tensor<2>) -> Points {
        let mut out: Option<Points> = None;
        for start in (0..x.len()).step_by(CHUNK) {
            let rows: Vec<usize> = (start..(start + CHUNK).min(x.len())).collect();
            let part = tensor_to_points(f(points_to_tensor(&x.select(&rows), &self.device)));
            match &mut out {
                Some(out) => out.extend(&part),
                None => out = Some(part),
            }
        }
        out.unwrap_or_else(|| Points::zeros(0, 1))
    }

    pub fn save(&self, dir: &Path) -> Result<()> {
        let text = toml::to_string(&self.meta).map_err(|e| {
            Error::Unsupported(format!("cannot write the classifier's settings: {e}"))
        })?;
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        records::save_module(&self.net, &dir.join(WEIGHTS_FILE), "the classifier")?;
        files::write_atomic(&dir.join(META_FILE), text.as_bytes())
    }

    pub fn load(dir: &Path, device: &Device) -> Result<Self> {
        let meta_path = dir.join(META_FILE);
        let meta: ClassifierMeta = toml::from_str(&files::read_to_string(&meta_path)?)
            .map_err(|e| Error::bad_file(&meta_path, e.to_string()))?;
        if meta.classes.is_empty() || meta.width == 0 || meta.height == 0 {
            return Err(Error::bad_file(
                &meta_path,
                "declares no classes or an empty image size",
            ));
        }
        let net = records::load_module(ClassifierNet::new(&meta, device), &dir.join(WEIGHTS_FILE))?;
        Ok(Self {
            meta,
            net,
            device: device.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn untrained() -> Classifier {
        let meta = ClassifierMeta {
            format_version: 1,
            dataset: "test".into(),
            width: 4,
            height: 4,
            classes: (0..4).map(|c| c.to_string()).collect(),
            channels: [4, 4],
            features: 8,
            test_accuracy: 0.0,
            epochs: 0,
            seed: 0,
        };
        let device = Device::flex();
        device.seed(3);
        Classifier {
            net: ClassifierNet::new(&meta, &device),
            meta,
            device,
        }
    }

    #[test]
    fn log_probability_of_a_set_and_its_gradient() {
        let classifier = untrained();
        let x = Points::from_rows(16, [[0.3f32; 16], [0.9; 16]]);
        let log_p = classifier.log_probs(&x);
        let (values, grads) = classifier.log_prob_of_set(&x, &[1, 3], true);
        for (i, row) in log_p.rows().enumerate() {
            let expected = ((row[1] as f64).exp() + (row[3] as f64).exp()).ln();
            assert!((values[i] - expected).abs() < 1e-5);
        }
        // Central differences of the first row.
        let grads = grads.unwrap();
        let h = 1e-2f32;
        for j in [0, 5, 15] {
            let mut plus = x.row(0).to_vec();
            let mut minus = plus.clone();
            plus[j] += h;
            minus[j] -= h;
            let f = |v: Vec<f32>| {
                classifier
                    .log_prob_of_set(&Points::from_rows(16, [v]), &[1, 3], false)
                    .0[0]
            };
            let fd = (f(plus) - f(minus)) / (2.0 * h as f64);
            let g = grads.row(0)[j] as f64;
            assert!(
                (fd - g).abs() < 1e-3 + 0.05 * fd.abs(),
                "pixel {j}: {fd} vs {g}"
            );
        }
    }

    #[test]
    fn saves_and_loads_the_same_classifier() {
        let classifier = untrained();
        let dir = tempfile::tempdir().unwrap();
        classifier.save(dir.path()).unwrap();
        let loaded = Classifier::load(dir.path(), &Device::flex()).unwrap();
        let x = Points::from_rows(16, [[0.5f32; 16]]);
        assert_eq!(classifier.log_probs(&x), loaded.log_probs(&x));
        std::fs::write(dir.path().join(META_FILE), "width = \"wide\"").unwrap();
        let err = Classifier::load(dir.path(), &Device::flex())
            .unwrap_err()
            .to_string();
        assert!(err.contains(META_FILE), "{err}");
    }
}
