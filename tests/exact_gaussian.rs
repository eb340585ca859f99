//! Ground truth in closed form: a Brownian reference N(0, I) and a Gaussian likelihood give a
//! Gaussian posterior with known mean, covariance and log Z.

mod common;

use posterior_studio::constraint::GaussianObservation;
use posterior_studio::math::rng::seeded;
use posterior_studio::metrics::exact_gaussian::gaussian_posterior;

fn exact(
    config: &posterior_studio::ExperimentConfig,
) -> posterior_studio::metrics::exact_gaussian::GaussianPosterior {
    let obs = GaussianObservation::new(&config.constraint.gaussian_obs).unwrap();
    gaussian_posterior(config.prior.sigma.powi(2), &obs, config.constraint.beta).unwrap()
}

#[test]
fn untrained_sampler_weights_equal_log_r() {
    let trainer = common::trainer("gaussian_exact.toml", &[]);
    let beta = trainer.beta();
    let draw = trainer.draw(500, &mut seeded(3));
    assert_eq!(draw.log_w.len(), 500);
    for (log_w, sample) in draw.log_w.iter().zip(draw.samples.rows()) {
        // The zero-initialised head makes v = 0, so Δlog = 0 exactly.
        assert_eq!(*log_w, beta * trainer.constraint().log_r(sample));
    }
}

#[test]
fn reference_log_z_by_quadrature_matches_closed_form() {
    let mut trainer = common::trainer("gaussian_exact.toml", &["train.iterations=0"]);
    let exact = exact(trainer.config());
    let metrics = trainer.evaluate().unwrap();
    let log_z_ref = metrics.log_z.log_z_ref.unwrap();
    assert!(
        (log_z_ref - exact.log_z).abs() < 1e-3,
        "{log_z_ref} vs {}",
        exact.log_z
    );
}

/// RTB on the closed-form task, with `overrides`: mean and covariance within 0.05, IW log Z
/// within 0.02 and learned log Z within 0.05 of the truth, ESS above 0.9.
fn assert_rtb_matches_closed_form(overrides: &[&str]) {
    let mut trainer = common::trainer("gaussian_exact.toml", overrides);
    let exact = exact(trainer.config());
    while !trainer.is_done() {
        trainer.step().unwrap();
    }
    let metrics = trainer.evaluate().unwrap();
    let draw = trainer.draw(8000, &mut seeded(11));
    let mean = draw.samples.mean();
    let cov = draw.samples.covariance();
    eprintln!(
        "{overrides:?}: exact mean {:?} cov {:?} log Z {:.4}\nRTB   mean {mean:?} cov {cov:?} IW log Z {:?} learned {:?} ESS {:?}",
        exact.mean,
        exact.covariance,
        exact.log_z,
        metrics.log_z.log_z_iw,
        metrics.log_z.log_z_learned,
        metrics.log_z.ess
    );
    for (m, e) in mean.iter().zip(&exact.mean) {
        assert!((m - e).abs() < 0.05, "mean {mean:?} vs {:?}", exact.mean);
    }
    for (c, e) in cov.iter().zip(&exact.covariance) {
        assert!(
            (c - e).abs() < 0.05,
            "covariance {cov:?} vs {:?}",
            exact.covariance
        );
    }
    let iw = metrics.log_z.log_z_iw.unwrap();
    assert!(
        (iw - exact.log_z).abs() < 0.02,
        "IW log Z {iw} vs {}",
        exact.log_z
    );
    let learned = metrics.log_z.log_z_learned.unwrap();
    assert!(
        (learned - exact.log_z).abs() < 0.05,
        "learned log Z {learned} vs {}",
        exact.log_z
    );
    assert!(
        metrics.log_z.ess.unwrap() > 0.9,
        "ESS {:?}",
        metrics.log_z.ess
    );
}

#[test]
fn rtb_matches_closed_form_gaussian_posterior() {
    assert_rtb_matches_closed_form(&[]);
}

#[test]
fn rtb_matches_closed_form_on_a_grid_with_small_last_steps() {
    // t_k = 1 − (1 − k/T)²: the last step is 1/T² of the time, the first about 2/T.
    assert_rtb_matches_closed_form(&["sampler.grid_power=2"]);
}

#[test]
fn rtb_with_the_forward_kl_term_still_matches_closed_form() {
    // Both directions of the KL vanish at the same sampler: adding the forward one must not
    // move the result.
    assert_rtb_matches_closed_form(&["train.forward_weight=1"]);
}

/// ‖sample mean − exact mean‖ of `n` samples of the trainer's sampler.
fn mean_error(trainer: &posterior_studio::Trainer, exact_mean: &[f64], n: usize) -> f64 {
    let mean = trainer.draw(n, &mut seeded(13)).samples.mean();
    mean.iter()
        .zip(exact_mean)
        .map(|(m, e)| (m - e).powi(2))
        .sum::<f64>()
        .sqrt()
}

#[test]
fn the_forward_kl_term_pulls_the_sampler_towards_the_closed_form_posterior() {
    // At a weight where the forward term dominates the update (Adam follows the sign of the
    // summed gradient), the sampler's mean must move towards the exact posterior mean: a
    // wrong sign in the surrogate would push it away from there.
    let mut forward = common::trainer(
        "gaussian_exact.toml",
        &["train.forward_weight=1000", "train.iterations=40"],
    );
    let exact = exact(forward.config());
    let before = mean_error(&forward, &exact.mean, 4000);
    while !forward.is_done() {
        forward.step().unwrap();
    }
    let after = mean_error(&forward, &exact.mean, 4000);
    eprintln!("forward KL: ‖mean − exact‖ {before:.4} untrained, {after:.4} after 40 iterations");
    assert!(after < 0.6 * before, "{before} → {after}");
}

#[test]
fn an_untrained_sampler_is_its_reference_on_any_grid() {
    let trainer = common::trainer("gaussian_exact.toml", &["sampler.grid_power=3"]);
    let draw = trainer.draw(500, &mut seeded(4));
    for (log_w, sample) in draw.log_w.iter().zip(draw.samples.rows()) {
        assert_eq!(*log_w, trainer.beta() * trainer.constraint().log_r(sample));
    }
    // x_T ~ N(0, σ²I) whatever the grid.
    let cov = trainer.prior_samples(20_000, &mut seeded(5)).covariance();
    assert!(
        (cov[0] - 1.0).abs() < 0.04 && (cov[3] - 1.0).abs() < 0.04,
        "{cov:?}"
    );
}

#[test]
fn a_learned_variance_reaches_a_sharp_closed_form_posterior() {
    // Observing x₀ with noise 0.05: the posterior's std along x₀ is 0.0499. The shipped
    // config uses a grid with a small last step and learns the sampler's step variance.
    let mut trainer = common::trainer("sharp_gaussian.toml", &[]);
    let exact = exact(trainer.config());
    while !trainer.is_done() {
        trainer.step().unwrap();
    }
    let metrics = trainer.evaluate().unwrap();
    let draw = trainer.draw(8000, &mut seeded(12));
    let (mean, cov) = (draw.samples.mean(), draw.samples.covariance());
    let (std, exact_std) = (cov[0].sqrt(), exact.covariance[0].sqrt());
    let iw = metrics.log_z.log_z_iw.unwrap();
    eprintln!(
        "x₀: mean {:.4} (exact {:.4}), std {std:.4} (exact {exact_std:.4}); IW log Z {iw:.4} \
         (exact {:.4}); ESS {:?}; mean log r {:?} (reference {:?})",
        mean[0],
        exact.mean[0],
        exact.log_z,
        metrics.log_z.ess,
        metrics.mean_log_r,
        metrics.mean_log_r_ref
    );
    assert!(
        (mean[0] - exact.mean[0]).abs() < 0.1 * exact.mean[0].abs(),
        "mean {mean:?}"
    );
    assert!(
        (std - exact_std).abs() < 0.1 * exact_std,
        "std {std} vs {exact_std}"
    );
    assert!(
        (iw - exact.log_z).abs() <= 0.05,
        "IW log Z {iw} vs {}",
        exact.log_z
    );
    assert!(
        metrics.log_z.ess.unwrap() >= 0.5,
        "ESS {:?}",
        metrics.log_z.ess
    );
}
