//! Images as data: MNIST-format folders read into rows of pixels, and the classifier whose
//! probabilities are a constraint and whose features measure samples.

pub mod classifier;
pub mod idx;
pub mod image_set;

pub use classifier::{Classifier, ClassifierSettings};
pub use image_set::{FASHION_MNIST, ImageSet, Split};
