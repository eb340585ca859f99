//! The shipped diffusion priors against their data, not against themselves: a prior whose
//! samples are blurred copies of the data (the last step's noise of a coarse grid) has the
//! right mode shares and a good energy distance, so these look at the width of its modes and
//! at its distance to the data over the data's own split-half floor.

mod common;

use posterior_studio::backend::ComputeDevice;
use posterior_studio::math::Points;
use posterior_studio::math::rng::seeded;
use posterior_studio::metrics::sharpness;
use posterior_studio::metrics::{ModeCoverage, Modes};
use posterior_studio::prior::{BuiltinDataset, DiffusionPrior, ReferenceProcess};
use posterior_studio::sampler::trajectory::sample_reference;

fn prior_samples(name: &str, n: usize) -> (DiffusionPrior, Points) {
    let compute = ComputeDevice::cpu();
    let prior = DiffusionPrior::load(
        &common::repo_path(&format!("assets/priors/{name}")),
        &compute.device,
    )
    .expect("the shipped prior loads");
    let grid = prior.meta.grid();
    let samples = sample_reference(
        &ReferenceProcess::Diffusion(prior.clone()),
        &grid,
        n,
        &mut seeded(7),
        &compute.device,
    );
    (prior, samples)
}

#[test]
fn the_25gmm_prior_is_as_sharp_as_its_data() {
    let (prior, samples) = prior_samples("gmm25", 20_000);
    assert!(prior.meta.grid_power > 1.0 && prior.meta.preconditioning.is_some());
    let dataset = BuiltinDataset::Gmm25;
    let components = dataset.components().unwrap();
    let data = dataset.sample(&mut seeded(8), 20_000);

    let variance = sharpness::variance_around_modes(&samples, &components);
    let within = components.share_within(&samples, 3.0);
    let coverage = ModeCoverage::compute(
        &Modes::Components(components.clone()),
        &samples,
        &data,
        0.01,
    );
    eprintln!(
        "25GMM prior: variance around modes {variance:.3} (data {:.3}), within 3σ {:.1}% \
         (data {:.1}%), {}/{} modes, mode TV {:.4}",
        sharpness::variance_around_modes(&data, &components),
        100.0 * within,
        100.0 * components.share_within(&data, 3.0),
        coverage.covered,
        coverage.total,
        coverage.tv
    );
    // The data's per-axis variance is 0.30; the uniform grid's prior had 0.49.
    assert!((variance - 0.30).abs() <= 0.03, "variance {variance}");
    // The bar is 98 %; `pretrain` measured 98.1 % (seed 0) and this draw 98.0 %. The share's
    // sampling error at 20,000 samples is 0.1 %, hence the slack; the uniform grid gave 93 %.
    assert!(within >= 0.978, "within 3σ: {within}");
    assert_eq!((coverage.covered, coverage.total), (25, 25));
    assert!(coverage.tv <= 0.03, "mode TV {}", coverage.tv);
}

#[test]
fn the_8_gaussians_and_two_moons_priors_are_about_as_sharp_as_their_data() {
    for (name, dataset) in [
        ("eight_gaussians", BuiltinDataset::EightGaussians),
        ("two_moons", BuiltinDataset::TwoMoons),
    ] {
        let (_, samples) = prior_samples(name, 4000);
        let data_a = dataset.sample(&mut seeded(8), 4000);
        let data_b = dataset.sample(&mut seeded(9), 4000);
        let against =
            sharpness::distance_against_floor(&samples.head(2000), &data_a, &data_b.head(2000));
        eprintln!("{name}: nearest-neighbour ratio {:.3}", against.ratio());
        // 1 is as sharp as the data; the uniform grid's priors were at 1.3 and above.
        assert!(against.ratio() < 1.15, "{name}: ratio {}", against.ratio());
    }
}
