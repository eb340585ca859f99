//! Beyond the plane: the energy benchmarks in d = 10 to 50 through the engine and the command
//! line. A correlated Gaussian in d = 10 is learned to its closed-form log Z; every benchmark
//! reports its own metrics (and null for those that do not apply); checkpoints, `sample`
//! and `evaluate` carry d = 32.

mod common;

use std::process::Output;

use common::{run, trainer};

fn last_json(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let last = stdout.lines().last().expect("stdout has a last line");
    serde_json::from_str(last).expect("last line is JSON")
}

#[test]
fn a_ten_dimensional_correlated_gaussian_is_learned_to_its_closed_form() {
    let mut t = trainer(
        "gaussian_50d.toml",
        &[
            "prior.dim=10",
            "constraint.energy.dim=10",
            "train.iterations=1500",
            "train.lr=0.002",
            "train.lr_final_fraction=0.05",
            "eval.samples=10000",
        ],
    );
    for _ in 0..1500 {
        t.step().expect("finite training");
    }
    let m = t.evaluate().unwrap();
    let log_z = m.log_z.log_z_ref.unwrap();
    let (iw, elbo, eubo) = (
        m.log_z.log_z_iw.unwrap(),
        m.log_z.elbo.unwrap(),
        m.log_z.eubo.unwrap(),
    );
    eprintln!(
        "d = 10: log Z {log_z:.4}, IW {iw:.4}, ELBO {elbo:.4}, EUBO {eubo:.4}, ESS {:.3}, \
         mean error {:.3}, covariance error {:.3}",
        m.log_z.ess.unwrap(),
        m.target.fit.mean_error.unwrap(),
        m.target.fit.covariance_error.unwrap()
    );
    // log Z = ½(10 log 2π + log det Σ): not zero, so a sampler that ignored it would fail.
    assert!(log_z > 5.0);
    assert!((iw - log_z).abs() < 0.05, "IW {iw} vs {log_z}");
    assert!((m.log_z.delta_log_z.unwrap() - (iw - log_z).abs()).abs() < 1e-12);
    // The bounds sandwich the truth, and closely.
    assert!(elbo < log_z && log_z < eubo, "{elbo} < {log_z} < {eubo}");
    assert!(eubo - elbo < 0.5, "EUBO − ELBO = {}", eubo - elbo);
    assert!(m.log_z.ess.unwrap() > 0.6);
    // With 10⁴ samples, exact ones have mean error ≈ 0.04 and covariance error ≈ 0.04.
    assert!(m.target.fit.mean_error.unwrap() < 0.15);
    assert!(m.target.fit.covariance_error.unwrap() < 0.12);
    assert_eq!(
        m.run.reference_method,
        "exact samples of the target gaussian"
    );
    assert!(
        m.modes.modes_total.is_none()
            && m.target.fit.well_tv.is_none()
            && m.target.fit.neck_ks.is_none()
    );
}

/// The same Gaussian sampled in u = asinh(x) (`constraint.energy.warp = 1`): the Jacobian keeps
/// its log Z, and the moments are measured in x, where a sampler's u-space moments would miss.
#[test]
fn a_warped_gaussian_keeps_its_log_z_and_is_measured_in_data_space() {
    let mut t = trainer(
        "gaussian_50d.toml",
        &[
            "prior.dim=10",
            "prior.sigma=1.0",
            "constraint.energy.dim=10",
            "constraint.energy.warp=1.0",
            "train.iterations=1500",
            "train.lr=0.002",
            "train.lr_final_fraction=0.05",
            "eval.samples=10000",
        ],
    );
    for _ in 0..1500 {
        t.step().expect("finite training");
    }
    let m = t.evaluate().unwrap();
    let (log_z, iw) = (m.log_z.log_z_ref.unwrap(), m.log_z.log_z_iw.unwrap());
    eprintln!(
        "warped d = 10: log Z {log_z:.4}, IW {iw:.4}, ELBO gap {:.4}, ESS {:.3}, mean error \
         {:.3}, covariance error {:.3}",
        m.log_z.elbo_gap.unwrap(),
        m.log_z.ess.unwrap(),
        m.target.fit.mean_error.unwrap(),
        m.target.fit.covariance_error.unwrap()
    );
    assert!(log_z > 5.0);
    assert!((iw - log_z).abs() < 0.1, "IW {iw} vs {log_z}");
    assert!(m.log_z.ess.unwrap() > 0.3);
    assert!(m.target.fit.mean_error.unwrap() < 0.2);
    assert!(m.target.fit.covariance_error.unwrap() < 0.2);
    // The truth is kept in both spaces: exact samples in u for the sampler's own measures, and
    // mapped back to x for the metrics, the export and the views.
    let truth = t.truth().clone();
    let (u, x) = (&truth.posterior.samples, truth.data_space_samples());
    let (u0, x0) = (u.row(0)[0] as f64, x.row(0)[0] as f64);
    assert!(
        (x0 - u0.sinh()).abs() < 1e-4 * x0.abs().max(1.0),
        "{u0} → {x0}"
    );
    let draw = t.draw(5, &mut posterior_studio::math::rng::seeded(1));
    let data = t.to_data_space(&draw.samples);
    let (a, b) = (draw.samples.row(3)[7] as f64, data.row(3)[7] as f64);
    assert!((b - a.sinh()).abs() < 1e-4 * b.abs().max(1.0), "{a} → {b}");
}

/// Importance resampling of the sampler's own weighted samples corrects what a sampler trained
/// for one iteration gets wrong about a Gaussian in d = 5 (measured against its closed-form
/// mean and covariance), and `sample --resample-from` writes such samples.
#[test]
fn resampling_the_samplers_weighted_samples_corrects_its_bias() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("run");
    let config = common::repo_path("examples/configs/gaussian_50d.toml");
    let exported = dir.path().join("exported.csv");
    let train = |extra: &[&str]| {
        let mut args = vec![
            "train",
            "--config",
            config.to_str().unwrap(),
            "--backend",
            "cpu",
            "--json",
            "--quiet",
            "--save",
            save.to_str().unwrap(),
            "--export-samples",
            exported.to_str().unwrap(),
        ];
        for set in [
            "prior.dim=5",
            "constraint.energy.dim=5",
            "train.iterations=1",
            "train.local_search.enabled=false",
        ]
        .iter()
        .chain(extra)
        {
            args.extend(["--set", set]);
        }
        run(&args)
    };
    let json = last_json(&train(&["eval.resample_from=20000"]));
    let text = std::fs::read_to_string(&exported).unwrap();
    let resampled_rows = text.lines().filter(|l| l.starts_with("resampled,")).count();
    assert_eq!(resampled_rows, 2000);
    let raw_mean = json["mean_error"].as_f64().unwrap();
    let raw_covariance = json["covariance_error"].as_f64().unwrap();
    let raw_energy = json["energy_distance"].as_f64().unwrap();
    let r = &json["resampled"];
    let mean = r["mean_error"].as_f64().unwrap();
    let covariance = r["covariance_error"].as_f64().unwrap();
    let energy = r["energy_distance"].as_f64().unwrap();
    eprintln!(
        "raw: mean {raw_mean:.3}, covariance {raw_covariance:.3}, energy {raw_energy:.4}; \
         resampled (ESS {}, {} distinct): {mean:.3}, {covariance:.3}, {energy:.4}",
        r["ess"], r["distinct"]
    );
    assert_eq!(r["proposals"], 20000);
    assert!(raw_mean > 1.0, "the sampler is still biased: {raw_mean}");
    assert!(mean < 0.25 && mean < raw_mean / 5.0, "{mean} vs {raw_mean}");
    assert!(covariance < 0.4 && covariance < raw_covariance / 2.0);
    assert!(energy < raw_energy / 10.0, "{energy} vs {raw_energy}");
    assert!(r["distinct"].as_u64().unwrap() > 500, "{r}");
    assert!(r["neck_ks"].is_null() && r["well_tv"].is_null());

    let out = train(&["eval.resample_from=10"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("eval.resample_from"),
        "{stderr}"
    );

    let csv = dir.path().join("resampled.csv");
    let sample = |proposals: &str| {
        run(&[
            "sample",
            "--checkpoint",
            save.to_str().unwrap(),
            "-n",
            "300",
            "--resample-from",
            proposals,
            "--output",
            csv.to_str().unwrap(),
        ])
    };
    let out = sample("5000");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("resampled 300 of 5000 proposals"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().count(), 301);
    let out = sample("100");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("--resample-from 100"),
        "{stderr}"
    );
}

#[test]
fn each_benchmark_reports_its_own_metrics_and_null_for_the_others() {
    let mut funnel = trainer(
        "funnel.toml",
        &[
            "train.iterations=5",
            "eval.samples=500",
            "eval.resample_from=5000",
        ],
    );
    for _ in 0..5 {
        funnel.step().unwrap();
    }
    let m = funnel.evaluate().unwrap();
    assert!(
        m.target
            .fit
            .neck_ks
            .is_some_and(|ks| (0.0..=1.0).contains(&ks))
    );
    let resampled = m.resampled.as_ref().expect("eval.resample_from is on");
    assert_eq!(resampled.proposals, 5000);
    assert!(
        resampled
            .target
            .neck_ks
            .is_some_and(|ks| (0.0..=1.0).contains(&ks))
    );
    assert_eq!(m.log_z.log_z_ref, Some(0.0));
    assert!(m.log_z.eubo.is_some() && m.log_z.elbo_gap.is_some() && m.log_z.delta_log_z.is_some());
    assert!(
        m.target.fit.well_tv.is_none()
            && m.modes.modes_total.is_none()
            && m.target.fit.mean_error.is_none()
    );

    let mut mixture = trainer(
        "gmm40_50d.toml",
        &[
            "train.iterations=5",
            "eval.samples=500",
            "train.local_search.enabled=false",
        ],
    );
    for _ in 0..5 {
        mixture.step().unwrap();
    }
    let m = mixture.evaluate().unwrap();
    assert_eq!(m.modes.modes_total, Some(40));
    assert!(m.modes.fit.mode_tv.is_some() && m.modes.fit.outside_share.is_some());
    // Exact samples of a 50-D mixture lie within its modes' 3σ-equivalent radius.
    assert!(m.modes.outside_share_ref.unwrap() < 0.03, "{m:?}");
    assert!(m.target.fit.neck_ks.is_none() && m.target.fit.well_patterns.is_none());
}

#[test]
fn many_well_checkpoints_sample_and_evaluate_in_32_dimensions() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::repo_path("examples/configs/manywell.toml");
    let save = dir.path().join("run");
    let out = run(&[
        "train",
        "--config",
        config.to_str().unwrap(),
        "--set",
        "train.iterations=10",
        "--set",
        "train.eval_every=4",
        "--set",
        "eval.samples=2000",
        "--set",
        "train.local_search.enabled=false",
        "--backend",
        "cpu",
        "--json",
        "--quiet",
        "--save",
        save.to_str().unwrap(),
    ]);
    let json = last_json(&out);
    let log_z = json["log_z_ref"].as_f64().unwrap();
    // 16·(log Z₁ + ½ log 2π) with Z₁ = 11784.509 (quadrature).
    assert!((log_z - 164.6957).abs() < 1e-3, "{log_z}");
    assert!(json["well_tv"].as_f64().is_some());
    assert_eq!(json["well_shares"].as_array().unwrap().len(), 16);
    // The evaluations during training (at 4 and 8; the final one is the object itself), each
    // with its per-pair shares.
    let evaluations = json["evaluations"].as_array().unwrap();
    let at: Vec<u64> = evaluations
        .iter()
        .map(|e| e["iterations"].as_u64().unwrap())
        .collect();
    assert_eq!(at, [4, 8]);
    for evaluation in evaluations {
        assert_eq!(evaluation["well_shares"].as_array().unwrap().len(), 16);
        assert!(evaluation.get("evaluations").is_none());
    }
    let reference_patterns = json["well_patterns_ref"].as_u64().unwrap();
    assert!(
        (800..990).contains(&reference_patterns),
        "{reference_patterns}"
    );
    for key in ["modes_total", "mode_tv", "neck_ks", "mean_error"] {
        assert!(json[key].is_null(), "{key} should be null: {}", json[key]);
    }

    let csv = dir.path().join("samples.csv");
    let out = run(&[
        "sample",
        "--checkpoint",
        save.to_str().unwrap(),
        "-n",
        "50",
        "--output",
        csv.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let header = text.lines().next().unwrap();
    assert_eq!(header.split(',').count(), 33, "{header}");
    assert!(header.ends_with("x31"));

    let out = run(&[
        "evaluate",
        "--checkpoint",
        save.to_str().unwrap(),
        "--set",
        "eval.samples=500",
        "--json",
    ]);
    let json = last_json(&out);
    assert_eq!(json["iterations"], 10);
    assert!(json["well_patterns"].as_u64().is_some());
}

/// A user's own points in d = 3 (a CSV of three columns): a diffusion prior trains on them,
/// a sampler trains under it against a 3-D box, and samples come out with three columns.
#[test]
fn a_csv_prior_of_three_dimensions_trains_and_samples() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("points.csv");
    let mut text = String::from("a,b,c\n");
    for i in 0..400 {
        let s = if i % 2 == 0 { 2.0 } else { -2.0 };
        let u = (i as f64 * 0.37).sin() * 0.3;
        let v = (i as f64 * 0.71).cos() * 0.3;
        text.push_str(&format!("{},{},{}\n", s + u, -s + v, u - v));
    }
    std::fs::write(&csv, text).unwrap();
    let prior_dir = dir.path().join("prior");
    let out = run(&[
        "pretrain",
        "--config",
        common::repo_path("examples/configs/prior.toml")
            .to_str()
            .unwrap(),
        "--dataset",
        csv.to_str().unwrap(),
        "--output",
        prior_dir.to_str().unwrap(),
        "--set",
        "prior.iterations=200",
        "--set",
        "prior.net.hidden=32",
        "--set",
        "prior.batch=128",
        "--backend",
        "cpu",
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = dir.path().join("run.toml");
    std::fs::write(
        &config,
        format!(
            r#"
            name = "csv3"
            [prior]
            kind = "diffusion"
            path = "{}"
            [constraint]
            kind = "box"
            [constraint.box]
            lower = [0.0, -4.0, -4.0]
            upper = [4.0, 0.0, 4.0]
            softness = 0.2
            [sampler]
            steps = 100
            [sampler.net]
            hidden = 32
            [train]
            iterations = 20
            batch = 64
            [eval]
            samples = 300
            reference_samples = 5000
            distance_samples = 300
            "#,
            prior_dir.display()
        ),
    )
    .unwrap();
    let save = dir.path().join("run");
    let out = run(&[
        "train",
        "--config",
        config.to_str().unwrap(),
        "--backend",
        "cpu",
        "--json",
        "--quiet",
        "--save",
        save.to_str().unwrap(),
    ]);
    let json = last_json(&out);
    assert_eq!(json["iterations"], 20);
    assert!(json["log_z_ref"].as_f64().is_some_and(f64::is_finite));
    let samples = dir.path().join("samples.csv");
    let out = run(&[
        "sample",
        "--checkpoint",
        save.to_str().unwrap(),
        "-n",
        "20",
        "--output",
        samples.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&samples).unwrap();
    assert_eq!(text.lines().next().unwrap().split(',').count(), 4);
    assert_eq!(text.lines().count(), 21);
}

/// Local search from fresh reference draws finds modes the sampler under-visits: on eight
/// far-apart modes in d = 10, a sampler pulled mostly to one of them by the full Langevin gain
/// fills its buffer with that one, and the chains started at reference draws spread it.
#[test]
fn local_search_from_the_reference_spreads_the_buffer_over_the_modes() {
    // The buffer's states within 2√d of a unit-variance mode (MALA has arrived there), per mode.
    let states_per_mode = |reference_starts: &str| {
        let mut t = trainer(
            "gmm40_50d.toml",
            &[
                "prior.dim=10",
                "constraint.energy.dim=10",
                "constraint.energy.components=8",
                "sampler.steps=20",
                "sampler.net.hidden=16",
                "sampler.langevin_fade=0",
                // The shipped σ = 100 starts chains too far out for one round of MALA to
                // arrive; what is tested here is where the chains start.
                "prior.sigma=25",
                "train.batch=100",
                "train.local_search.every=1",
                "train.local_search.chains=200",
                "train.local_search.step_size=0.1",
                &format!("train.local_search.reference_starts={reference_starts}"),
                "eval.samples=500",
            ],
        );
        t.step().expect("finite training");
        let centers = t.truth().modes.as_ref().unwrap().centers();
        let record = t.buffer().unwrap().to_record();
        let mut reached = [0usize; 8];
        for state in record.states.chunks(10) {
            let distances = centers.rows().map(|c| {
                c.iter()
                    .zip(state)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f32>()
                    .sqrt()
            });
            let (nearest, distance) = distances
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap();
            if distance < 6.4 {
                reached[nearest] += 1;
            }
        }
        eprintln!("reference_starts {reference_starts}: states per mode {reached:?}");
        reached
    };
    // Total variation from equal shares.
    let unevenness = |reached: [usize; 8]| {
        let total = reached.iter().sum::<usize>() as f64;
        reached
            .iter()
            .map(|&n| (n as f64 / total - 0.125).abs())
            .sum::<f64>()
            / 2.0
    };
    let from_buffer = states_per_mode("0");
    let from_reference = states_per_mode("1");
    // Measured: [4, 11, 2, 12, 9, 22, 226, 3] (TV 0.66) and [22, 38, 24, 33, 10, 32, 122, 8]
    // (TV 0.30).
    assert!(from_reference.iter().all(|&n| n >= 5), "{from_reference:?}");
    assert!(
        unevenness(from_reference) < unevenness(from_buffer) - 0.2,
        "{from_reference:?} against {from_buffer:?}"
    );
}
