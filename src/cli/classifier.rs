//! `posterior-studio train-classifier`: the CNN that the classifier constraint and the image
//! metrics use, trained on an MNIST-format folder and measured on its test split.

use super::*;
use crate::images::{Classifier, ClassifierSettings, ImageSet, Split};

#[derive(Debug, Args)]
pub struct ClassifierArgs {
    /// An MNIST-format folder, or `fashion_mnist` (Debian's `dataset-fashion-mnist`).
    #[arg(long, default_value = crate::images::FASHION_MNIST)]
    pub data: String,
    /// Average the images over k×k blocks (2: 28×28 → 14×14).
    #[arg(long, default_value_t = 2)]
    pub downsample: usize,
    /// Folder to save the classifier in.
    #[arg(long)]
    pub output: PathBuf,
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    #[arg(long, default_value_t = 128)]
    pub batch: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// auto (a hardware GPU if present), gpu, or cpu.
    #[arg(long)]
    pub backend: Option<BackendChoice>,
    #[arg(long)]
    pub quiet: bool,
}

pub fn train_classifier(args: &ClassifierArgs) -> Result<Outcome> {
    let train = ImageSet::load(&args.data, Split::Train, args.downsample)?;
    let test = ImageSet::load(&args.data, Split::Test, args.downsample)?;
    let compute = backend::select(args.backend.unwrap_or_default());
    if let Some(reason) = &compute.fallback_reason {
        eprintln!("warning: {reason}");
    }
    eprintln!(
        "training a classifier on {} ({} images of {}×{}, {} classes) on {}",
        args.data,
        train.len(),
        train.width,
        train.height,
        train.classes.len(),
        compute.describe()
    );
    let settings = ClassifierSettings {
        epochs: args.epochs,
        batch: args.batch,
        seed: args.seed,
        ..Default::default()
    };
    let bar = progress_bar(0, args.quiet);
    bar.set_prefix("classifier");
    let started = Instant::now();
    let classifier = Classifier::train(&train, &test, &settings, &compute, &mut |p| {
        bar.set_length(p.steps as u64);
        bar.set_position(p.step as u64);
        bar.set_message(format!("loss {:.4}", p.loss));
    })?;
    bar.finish_and_clear();
    classifier.save(&args.output)?;
    eprintln!(
        "saved the classifier to {} ({:.0} s): test accuracy {:.4} on {} test images",
        args.output.display(),
        started.elapsed().as_secs_f64(),
        classifier.meta.test_accuracy,
        test.len()
    );
    Ok(Outcome::Ok)
}
