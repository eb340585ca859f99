//! Outsourced sampling under the shipped 25GMM generator priors x = f(z): the noise-space truth
//! is the data-space truth pushed back (flow), agrees with SIR on prior samples (VAE, GAN), a
//! black-box f still trains with RTB, and methods that need gradients of f refuse a black box
//! by name.

mod common;

use posterior_studio::Error;
use posterior_studio::experiment::{ExperimentConfig, Trainer};
use posterior_studio::math::rng::seeded;
use posterior_studio::metrics::reference_posterior::sir_posterior;
use posterior_studio::metrics::{ModeCoverage, energy_distance};
use posterior_studio::prior::BuiltinDataset;

const NOISE: &str = "outsourced_flow_9of25.toml";
const DATA: &str = "flow_9of25_dataspace.toml";

fn build(name: &str, overrides: &[&str]) -> Result<Trainer, Error> {
    let (config, dir): (ExperimentConfig, _) = common::example_config(name, overrides);
    Trainer::new(config, Some(&dir))
}

#[test]
fn the_noise_space_truth_pushes_forward_to_the_exact_data_space_posterior() {
    let grid = ["eval.grid_resolution=800", "eval.distance_samples=2000"];
    let mut noise = build(NOISE, &grid).unwrap();
    let mut data = build(DATA, &grid).unwrap();
    let (noise_truth, data_truth) = (noise.truth().clone(), data.truth().clone());
    // Two quadratures of one integral: ∫N(z)·r(f(z))dz over z and ∫p(x)·r(x)dx over x.
    let gap = (noise_truth.posterior.log_z - data_truth.posterior.log_z).abs();
    assert!(
        gap < 0.03,
        "log Z in z {} vs in x {}",
        noise_truth.posterior.log_z,
        data_truth.posterior.log_z
    );
    // 20,000 samples of each: the mode-share noise floor is then about 0.013 in TV.
    let pushed = noise_truth.data_space_samples();
    let exact = &data_truth.posterior.samples;
    let coverage = ModeCoverage::compute(
        data_truth.modes.as_ref().expect("mixture modes"),
        pushed,
        exact,
        0.01,
    );
    assert_eq!(
        coverage.total, 9,
        "the nine modes of the constraint carry the mass"
    );
    assert!(
        coverage.tv < 0.04,
        "mode TV between the two truths {}",
        coverage.tv
    );
    let distance = energy_distance(&pushed.head(2000), &exact.head(2000));
    assert!(
        distance < 0.02,
        "energy distance between the two truths {distance}"
    );
}

#[test]
fn a_black_box_generator_still_trains_with_rtb() {
    let mut trainer = build(
        NOISE,
        &[
            "prior.black_box=true",
            "sampler.net.hidden=64",
            "sampler.net.depth=2",
            "train.iterations=300",
            "train.batch=300",
            "sampler.steps=50",
            "eval.grid_resolution=300",
        ],
    )
    .unwrap();
    assert!(!trainer.constraint().has_gradient());
    let before = trainer.evaluate().unwrap();
    while !trainer.is_done() {
        trainer.step().unwrap();
    }
    let after = trainer.evaluate().unwrap();
    // The untrained sampler is the prior (f of N(0, I)), whose ELBO E[log r] is far below
    // log Z because most prior mass sits on the 16 excluded modes.
    let gap =
        |m: &posterior_studio::metrics::Metrics| m.log_z.log_z_ref.unwrap() - m.log_z.elbo.unwrap();
    assert!(
        gap(&after) < 0.5 * gap(&before),
        "log Z − ELBO {} before, {} after 300 iterations",
        gap(&before),
        gap(&after)
    );
    assert!(after.mean_log_r.unwrap() > before.mean_log_r.unwrap());
    assert_eq!(after.run.space, "noise");
    assert!(after.noise_distances.energy_distance.is_some());
}

#[test]
fn gradient_methods_refuse_a_black_box_by_name() {
    for (setting, field) in [
        ("sampler.langevin=true", "sampler.langevin"),
        ("train.objective=\"dps\"", "train.objective"),
    ] {
        let error = build(NOISE, &["prior.black_box=true", setting])
            .err()
            .unwrap_or_else(|| panic!("{setting} must be refused"));
        let text = error.to_string();
        assert!(text.contains(field) && text.contains("black box"), "{text}");
    }
    let error = build(NOISE, &["prior.kind=\"diffusion\""]).err().unwrap();
    assert!(error.to_string().contains("sampler.space"), "{error}");
}

#[test]
fn the_vae_gan_and_ode_truths_agree_with_sir_and_their_priors_sit_on_the_grid() {
    // (config, overrides, least share of prior samples within 3σ of a grid mode; exact
    // samples: 0.989), SIR proposals. The ODE runs with 25 Heun steps here (50 in the config)
    // and a coarser grid to stay quick: each of its evaluations is 51 network passes.
    for (name, overrides, on_grid, proposals) in [
        ("outsourced_gan_9of25.toml", &[][..], 0.9, 200_000),
        ("outsourced_vae_9of25.toml", &[][..], 0.75, 200_000),
        (
            "outsourced_ode_9of25.toml",
            &["prior.ode.steps=25", "eval.grid_resolution=300"][..],
            0.4,
            50_000,
        ),
    ] {
        let mut all = vec!["eval.grid_resolution=600"];
        all.extend_from_slice(overrides);
        let mut trainer = build(name, &all).unwrap();
        let mut rng = seeded(11);
        let prior = trainer.data_space_prior_samples(20_000, &mut rng);
        let grid = BuiltinDataset::Gmm25.components().unwrap();
        let share = grid.share_within(&prior, 3.0);
        assert!(
            share > on_grid,
            "{name}: {share} of prior samples near a mode"
        );
        // The exact z-grid quadrature against self-normalised importance sampling from N(0, I).
        let truth = trainer.truth().clone();
        let z = trainer.prior_samples(proposals, &mut rng);
        let sir = sir_posterior(&z, trainer.constraint().as_ref(), 1.0, 20_000, &mut rng);
        assert!(
            (truth.posterior.log_z - sir.log_z).abs() < 0.05,
            "{name}: log Z by quadrature {} vs SIR {}",
            truth.posterior.log_z,
            sir.log_z
        );
        let pushed = truth.data_space_samples();
        let sir_x = trainer.to_data_space(&sir.samples);
        let coverage = ModeCoverage::compute(
            truth.modes.as_ref().expect("mixture modes"),
            &sir_x,
            pushed,
            0.01,
        );
        eprintln!(
            "{name}: {share:.3} of prior samples within 3σ; log Z quadrature {:.4} vs SIR {:.4}; \
             mode TV {:.4}",
            truth.posterior.log_z, sir.log_z, coverage.tv
        );
        assert_eq!(coverage.total, 9, "{name}: nine modes carry the posterior");
        assert!(
            coverage.tv < 0.05,
            "{name}: mode TV quadrature vs SIR {}",
            coverage.tv
        );
    }
}

#[test]
fn the_probability_flow_ode_reproduces_its_diffusion_priors_samples() {
    // The ODE of the shipped 25GMM diffusion prior against the prior's own stochastic samples:
    // the same marginals, so the same mode shares (per mode and per column of the grid), and
    // a deterministic map adds no last-step noise, so at least as many samples near a mode.
    let mut rng = seeded(21);
    let ode = build("outsourced_ode_9of25.toml", &["prior.ode.steps=50"]).unwrap();
    let diffusion = common::trainer("rtb_9of25.toml", &[]);
    let n = 20_000;
    let from_ode = ode.data_space_prior_samples(n, &mut rng);
    let from_sde = diffusion.data_space_prior_samples(n, &mut rng);
    let grid = BuiltinDataset::Gmm25.components().unwrap();
    let modes = posterior_studio::metrics::Modes::Components(grid.clone());
    let (ode_shares, sde_shares) = (modes.shares(&from_ode), modes.shares(&from_sde));
    let column = |shares: &[f64]| -> Vec<f64> {
        let mut columns = vec![0.0; 5];
        for (c, share) in shares.iter().enumerate() {
            let x = grid.means()[c][0];
            columns[((x + 10.0) / 5.0).round().clamp(0.0, 4.0) as usize] += share;
        }
        columns
    };
    let (ode_columns, sde_columns) = (column(&ode_shares.modes), column(&sde_shares.modes));
    let within = (
        grid.share_within(&from_ode, 3.0),
        grid.share_within(&from_sde, 3.0),
    );
    eprintln!(
        "ODE column shares {ode_columns:.3?} vs SDE {sde_columns:.3?}; within 3σ: ODE {:.3}, \
         SDE {:.3}",
        within.0, within.1
    );
    for (a, b) in ode_shares.modes.iter().zip(&sde_shares.modes) {
        assert!(
            (a - b).abs() < 0.03,
            "mode shares {ode_shares:?} vs {sde_shares:?}"
        );
    }
    for (a, b) in ode_columns.iter().zip(&sde_columns) {
        assert!(
            (a - b).abs() < 0.03,
            "column shares {ode_columns:?} vs {sde_columns:?}"
        );
    }
    assert!(
        within.0 >= 0.95,
        "ODE samples within 3σ of a mode: {}",
        within.0
    );
}
