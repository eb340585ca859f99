//! The desktop app driven headlessly with egui_kittest: it opens, trains when asked, follows a
//! constraint edit, exports figures, reports bad files without changing anything, and shows a
//! generator prior's noise space beside its data space.
#![cfg(feature = "gui")]

mod common;

use std::time::{Duration, Instant};

use common::small_config as config;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use posterior_studio::ExperimentConfig;
use posterior_studio::app::StudioApp;
use posterior_studio::backend::{self, BackendChoice};
use posterior_studio::experiment::worker::{Cadence, Command};
use posterior_studio::prior::SamplerSpace;

fn cadence() -> Cadence {
    Cadence {
        evaluate_every: 0,
        snapshot_samples: 300,
        snapshot_trajectories: 20,
        ..Cadence::default()
    }
}

fn harness(config: ExperimentConfig) -> Harness<'static, StudioApp> {
    let ctx = eframe::egui::Context::default();
    let app = StudioApp::with_config(&ctx, config, None, cadence());
    Harness::builder()
        .with_size([1400.0, 900.0])
        .with_accessibility_check(true)
        .with_context_setup(posterior_studio::app::install_fonts)
        .build_ui_state(|ui, app: &mut StudioApp| app.show(ui), app)
}

/// Steps frames (real time passes, the worker runs) until `done` or the deadline.
fn wait_for(harness: &mut Harness<'_, StudioApp>, what: &str, done: impl Fn(&StudioApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !done(harness.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_app_trains_follows_a_constraint_edit_and_exports_figures() {
    let mut harness = harness(config());
    wait_for(&mut harness, "the experiment", |app| {
        app.is_ready() && app.snapshot().is_some()
    });
    assert_eq!(harness.state().iteration(), 0);

    harness.get_by_label("▶ Play").click();
    wait_for(&mut harness, "training", |app| app.iteration() >= 5);
    assert!(harness.state().playing);

    // Space pauses; the count then stops rising.
    harness.key_press(eframe::egui::Key::Space);
    wait_for(&mut harness, "the pause", |app| !app.playing);
    let paused_at = harness.state().iteration();
    for _ in 0..20 {
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(harness.state().iteration(), paused_at);

    // Move the observation as the Edit tool does; the worker re-targets the running sampler.
    {
        let app = harness.state_mut();
        app.config.constraint.gaussian_obs.y = vec![3.0, 2.0];
        app.constraint_changed();
    }
    wait_for(&mut harness, "the new constraint", |app| {
        app.info
            .as_ref()
            .is_some_and(|i| i.config.constraint.gaussian_obs.y == vec![3.0, 2.0])
    });
    assert!(
        harness.state().iteration() >= paused_at,
        "re-targeting keeps the sampler"
    );

    let dir = tempfile::tempdir().unwrap();
    harness.state_mut().view.export_dir = dir.path().display().to_string();
    harness.get_by_label("Export").click();
    harness.run_steps(2);
    harness.get_by_label("Export all views (PNG + SVG)").click();
    harness.run_steps(2);
    wait_for(&mut harness, "the exports", |app| !app.background_busy());
    let png = dir.path().join("data_view.png");
    let svg = dir.path().join("data_view.svg");
    let image = image::open(&png).expect("the data view PNG decodes");
    assert!(image.width() >= 480 && image.height() >= 400);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains("sampler"));
    assert!(dir.path().join("trajectories.svg").is_file());
    assert!(dir.path().join("training_curves.png").is_file());
    let last = harness.state().messages.last().unwrap();
    assert!(
        !last.error && last.text.contains("exported"),
        "{}",
        last.text
    );
}

#[test]
fn bad_files_show_a_message_and_change_nothing() {
    let mut harness = harness(config());
    wait_for(&mut harness, "the experiment", |app| app.is_ready());
    let before = harness.state().config.clone();
    let dir = tempfile::tempdir().unwrap();

    // A sketch that is not an image.
    let fake = dir.path().join("sketch.png");
    std::fs::write(&fake, "not a picture").unwrap();
    harness.state_mut().load_sketch(&fake);
    harness.run_steps(2);
    let error = harness.state().error.clone().expect("an error is shown");
    assert!(error.contains("sketch.png"), "{error}");
    assert_eq!(harness.state().config, before);
    harness.get_by_label("OK").click();
    harness.run_steps(2);
    assert!(harness.state().error.is_none());

    // A checkpoint folder with a corrupt sampler.
    let ckpt = dir.path().join("broken");
    std::fs::create_dir_all(&ckpt).unwrap();
    std::fs::write(ckpt.join("config.toml"), before.to_toml()).unwrap();
    std::fs::write(ckpt.join("sampler.bpk"), b"garbage").unwrap();
    harness
        .state()
        .send(posterior_studio::experiment::worker::Command::Open(ckpt));
    wait_for(&mut harness, "the checkpoint error", |app| {
        app.error.is_some()
    });
    assert_eq!(harness.state().config, before);

    // Data of the wrong dimension for the constraint.
    harness.state_mut().error = None;
    let csv = dir.path().join("three_d.csv");
    std::fs::write(&csv, "a,b,c\n1,2,3\n4,5,6\n7,8,9\n").unwrap();
    harness
        .state()
        .send(posterior_studio::experiment::worker::Command::SetPrior(
            posterior_studio::experiment::worker::PriorChoice::Train {
                dataset: csv.display().to_string(),
                kind: posterior_studio::experiment::config::PriorKind::Diffusion,
            },
        ));
    wait_for(&mut harness, "the CSV error", |app| app.error.is_some());
    let error = harness.state().error.clone().unwrap();
    assert!(
        error.contains("three_d.csv") && error.contains("3-dimensional"),
        "{error}"
    );
    assert_eq!(harness.state().config, before);
}

#[test]
fn a_saved_experiment_reopens_with_its_curves() {
    let mut harness = harness(config());
    wait_for(&mut harness, "the experiment", |app| app.is_ready());
    for _ in 0..3 {
        harness.key_press(eframe::egui::Key::S);
        harness.run_steps(1);
    }
    wait_for(&mut harness, "three steps", |app| app.iteration() >= 3);
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("experiment");
    harness
        .state()
        .send(posterior_studio::experiment::worker::Command::Save(
            folder.clone(),
        ));
    wait_for(&mut harness, "the save", |app| {
        app.messages.iter().any(|m| m.text.starts_with("saved"))
    });
    let steps = harness.state().history.steps.clone();
    drop(harness);

    let mut reopened = self::harness(config());
    reopened
        .state()
        .send(posterior_studio::experiment::worker::Command::Open(folder));
    wait_for(&mut reopened, "the reopened experiment", |app| {
        app.info.as_ref().is_some_and(|i| i.opened_from.is_some())
    });
    let app = reopened.state();
    assert_eq!(app.history.steps.len(), steps.len());
    assert_eq!(app.iteration(), 3);
    assert_eq!(app.config.constraint.gaussian_obs.y, vec![1.0, -0.5]);
}

#[test]
fn the_noise_space_lesson_links_the_two_views() {
    let mut config = (posterior_studio::app::lessons::LESSONS[3].config)();
    config.backend = posterior_studio::backend::BackendChoice::Cpu;
    config.eval.grid_resolution = 200;
    config.eval.reference_samples = 5000;
    let mut harness = harness(config);
    wait_for(&mut harness, "the noise landscape", |app| {
        app.snapshot()
            .and_then(|s| s.noise.as_ref())
            .is_some_and(|n| n.landscape.is_some())
    });
    harness.run_steps(2);
    harness.get_by_label("Noise space z");
    harness.get_by_label("z grid through f");
    // The flow's inverse maps the training data into z for the noise view.
    let encoded = harness.state().info.as_ref().unwrap().encoded_data.clone();
    assert!(encoded.is_some_and(|e| e.len() == 2000 && e.all_finite()));
    {
        let snapshot = harness.state().snapshot().unwrap();
        let noise = snapshot.noise.as_ref().unwrap();
        assert_eq!(noise.samples.len(), snapshot.samples.len());
        let landscape = noise.landscape.as_ref().unwrap();
        assert_eq!(landscape.warped_grid.len(), 30);
        assert!(landscape.posterior.values.iter().all(|v| v.is_finite()));
    }
    // Brushing rows in z shows the same rows in x; the noise view exports as a figure.
    harness.state_mut().selection.set_rows(vec![0, 1, 2]);
    harness.run_steps(2);
    let dir = tempfile::tempdir().unwrap();
    harness.state_mut().export_view(
        posterior_studio::export::views::View::Noise,
        dir.path().join("noise_view.svg"),
    );
    wait_for(&mut harness, "the export", |app| !app.background_busy());
    let text = std::fs::read_to_string(dir.path().join("noise_view.svg")).unwrap();
    assert!(text.starts_with("<svg") && text.contains("sampler in z"));

    // Moving the sampler to data space keeps the noise-space curves for comparison.
    harness.state().send(Command::Evaluate);
    wait_for(&mut harness, "an evaluation", |app| {
        !app.history.evaluations.is_empty()
    });
    {
        let app = harness.state_mut();
        app.config.sampler.space = SamplerSpace::Data;
        let config = app.config.clone();
        app.send(Command::Configure(Box::new(config)));
    }
    wait_for(&mut harness, "the data-space sampler", |app| {
        app.info
            .as_ref()
            .is_some_and(|i| i.config.sampler.space == SamplerSpace::Data)
    });
    harness.run_steps(2);
    let (name, previous) = harness
        .state()
        .comparison
        .clone()
        .expect("the noise-space curves are kept");
    assert_eq!(name, "noise space");
    assert!(!previous.evaluations.is_empty());
    // The data-space snapshot follows the Ready event; wait for it rather than race it.
    wait_for(&mut harness, "a data-space snapshot", |app| {
        app.snapshot().is_some_and(|s| s.noise.is_none())
    });
}

/// With the GPU backend (Mesa's lavapipe in CI) the app hands burn's wgpu device to its
/// renderer: training and drawing run on one device, and both keep working together.
#[test]
fn training_on_the_gpu_draws_on_the_same_device() {
    let gpu = backend::select(BackendChoice::Gpu);
    let Some(setup) = gpu.wgpu_setup.clone() else {
        panic!(
            "no Vulkan adapter ({:?}); install Mesa's software driver (mesa-vulkan-drivers)",
            gpu.fallback_reason
        );
    };
    let mut config = config();
    config.backend = BackendChoice::Gpu;
    let ctx = eframe::egui::Context::default();
    let mut app = StudioApp::with_config(&ctx, config, None, cadence());
    app.set_render_device(setup.device.clone());
    let mut harness = Harness::builder()
        .with_size([1400.0, 900.0])
        .wgpu_setup(posterior_studio::app::render_on(setup))
        .with_context_setup(posterior_studio::app::install_fonts)
        .build_ui_state(|ui, app: &mut StudioApp| app.show(ui), app);
    wait_for(&mut harness, "the experiment", |app| {
        app.is_ready() && app.snapshot().is_some()
    });
    assert!(
        harness.state().trains_on_render_device(),
        "training runs on {:?}",
        harness.state().info.as_ref().map(|i| &i.backend)
    );
    harness.get_by_label("▶ Play").click();
    wait_for(&mut harness, "training on the GPU", |app| {
        app.iteration() >= 5
    });
    let image = harness.render().expect("drawing on the training device");
    let lit = image.pixels().filter(|p| p.0[..3] != [0, 0, 0]).count();
    assert!(lit > image.pixels().len() / 2, "only {lit} pixels drawn");
    assert!(
        harness
            .query_by_label_contains("drawn on the same device")
            .is_some()
    );
}

#[test]
fn after_a_crash_the_app_offers_the_autosave_and_restores_it() {
    use posterior_studio::experiment::Trainer;
    use posterior_studio::experiment::worker::autosave::{Autosave, unclean_session};
    // A session that trained 7 iterations, autosaved, and never ended cleanly.
    let dir = tempfile::tempdir().unwrap();
    let autosave = dir.path().join("last_experiment");
    let mut trainer = Trainer::new(config(), None).unwrap();
    for _ in 0..7 {
        trainer.step().unwrap();
    }
    Autosave::new(&autosave, Duration::from_secs(60))
        .tick(&trainer, true)
        .unwrap();
    assert!(unclean_session(&autosave).is_some());

    let mut harness = harness(config());
    wait_for(&mut harness, "the experiment", |app| app.is_ready());
    harness.state_mut().offer_autosave(autosave.clone());
    harness.run_steps(2);
    harness.get_by_label("Restore").click();
    wait_for(&mut harness, "the restored experiment", |app| {
        app.iteration() == 7
    });
    // Autosaving into the folder goes on; dropping the app ends the session cleanly.
    drop(harness);
    assert_eq!(unclean_session(&autosave), None);
}

#[test]
fn a_many_well_experiment_shows_its_wells_pairs_and_marginals_on_chosen_axes() {
    // From the plane to d = 32 through the lesson: frames drawn between the new experiment's
    // report and its first snapshot still show the 2-D one, and must not fail.
    let mut harness = harness(config());
    wait_for(&mut harness, "the experiment", |app| {
        app.is_ready() && app.snapshot().is_some()
    });
    // What the Many Well lesson sends, on a smaller network so that the test stays short.
    let mut many_well = ExperimentConfig::from_toml(
        include_str!("../examples/configs/manywell.toml"),
        "manywell.toml",
    )
    .unwrap();
    many_well.backend = BackendChoice::Cpu;
    many_well.sampler.steps = 10;
    many_well.sampler.net.hidden = 16;
    many_well.train.batch = 32;
    many_well.train.local_search.enabled = false;
    {
        let app = harness.state_mut();
        app.config = many_well.clone();
        app.send(Command::Configure(Box::new(many_well)));
        app.send(Command::Reset);
    }
    wait_for(&mut harness, "the Many Well experiment", |app| {
        app.snapshot().is_some_and(|s| s.samples.dim() == 32)
    });
    harness.run_steps(2);
    // A Many Well experiment opens on the well balance, one bar per pair.
    harness.get_by_label("well balance");
    harness.get_by_label("pair plot").click();
    harness.run_steps(2);
    harness.get_by_label("x7");
    harness.get_by_label("marginals").click();
    harness.run_steps(2);

    // Known states for the replay buffer: their share and the likelihood fit are offered only
    // once there are some.
    assert!(harness.query_by_label_contains("known from HMC").is_some());
    assert!(
        harness
            .query_by_label_contains("fit by likelihood")
            .is_none()
    );
    harness.state_mut().config.train.buffer.known_hmc = 100;
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("known share").is_some());
    assert!(
        harness
            .query_by_label_contains("fit by likelihood")
            .is_some()
    );
    harness.state_mut().config.train.buffer.known_hmc = 0;

    // The data view on coordinates 2 and 5: the shown samples are those columns of the full ones.
    harness.state_mut().view.axes = [2, 5];
    harness.get_by_label("▶ Play").click();
    wait_for(&mut harness, "training", |app| app.iteration() >= 2);
    harness.run_steps(2);
    let app = harness.state_mut();
    let full = app.snapshot().unwrap().samples.clone();
    let shown = app.shown_samples().unwrap();
    assert_eq!(full.dim(), 32);
    assert_eq!(shown.dim(), 2);
    assert_eq!(shown.row(0), &[full.row(0)[2], full.row(0)[5]]);

    // No prior takes part in an energy benchmark: the prior-training controls wait behind a
    // closed header until asked for.
    assert!(harness.query_by_label("Train prior").is_none());
    harness
        .get_by_label("Train or open a prior instead")
        .click();
    harness.run_steps(2);
    harness.get_by_label("Train prior");

    // "Brownian" restarts on the experiment's own dimension (here with a new σ), not the
    // plane's, which the 32-D target would refuse.
    harness.state_mut().config.prior.sigma = 2.5;
    harness.get_by_label("Brownian").click();
    wait_for(&mut harness, "the restart", |app| {
        app.error.is_some() || app.info.as_ref().unwrap().config.prior.sigma == 2.5
    });
    let app = harness.state();
    assert!(app.error.is_none(), "{:?}", app.error);
    assert_eq!(app.info.as_ref().unwrap().dim, 32);
}

#[test]
fn the_image_lesson_shows_grids_a_trajectory_strip_and_class_bars() {
    let mut config = (posterior_studio::app::lessons::LESSONS[7].config)();
    assert_eq!(config.name, "lesson_image_guidance");
    config.backend = BackendChoice::Cpu;
    config.sampler.steps = 10;
    config.eval.samples = 300;
    config.eval.reference_samples = 4000;
    let mut harness = harness(config);
    wait_for(&mut harness, "an image snapshot", |app| {
        app.snapshot().is_some_and(|s| s.samples.dim() == 196)
    });
    {
        let info = harness.state().info.as_ref().unwrap();
        assert_eq!(info.image_shape, Some((14, 14)));
        assert_eq!(info.classes.len(), 10);
    }
    harness.run_steps(2);
    // Images are shown as images: grids in the data view's place, strips in the trajectory
    // panel's, the class bars in the images tab.
    harness.get_by_label("images");
    for label in ["prior grid", "sampler grid"] {
        harness.get_by_label(label);
    }
    let strip = "x_t from t = 0 (left) to 1 (right), 10 frames; 6 prior (left) and 6 sampler \
                 trajectories (right); in noise space, f(z_t)";
    assert!(
        harness.query_all_by_value(strip).next().is_some(),
        "no strip"
    );
    // The latent (16-D) is shown on its principal axes, the samples coloured by class.
    {
        let snapshot = harness.state().snapshot().unwrap();
        let classes = snapshot.classes.as_ref().expect("classes of the samples");
        assert_eq!(classes.samples.len(), snapshot.samples.len());
        assert_eq!(classes.prior.len(), snapshot.prior_samples.len());
        assert!(classes.samples.iter().all(|&c| c < 10));
    }
    harness.get_by_label("colour by class");
    harness.get_by_label("PCA");
    // Hovering a sampler tile brushes that sample (the middle tile of the 6 × 6 grid is 21)...
    harness.get_by_label("sampler grid").hover();
    harness.run_steps(2);
    assert_eq!(harness.state().selection.rows(), &[21]);
    // ...and samples brushed in the noise view fill the sampler grid.
    harness.state_mut().selection.set_rows(vec![3, 5, 8]);
    harness.run_steps(2);
    assert!(
        harness
            .query_all_by_value("sampler: 3 brushed")
            .next()
            .is_some(),
        "the sampler grid does not show the brushed samples"
    );
    harness.state_mut().selection.clear();
    harness.state().send(Command::Evaluate);
    wait_for(&mut harness, "an evaluation", |app| {
        !app.history.evaluations.is_empty()
    });
    harness.run_steps(2);
    let last = harness.state().history.evaluations.last().unwrap().clone();
    assert_eq!(last.images.class_shares.len(), 10);
    let tv = last.images.class_tv.unwrap();
    assert!((0.0..=1.0).contains(&tv), "class TV {tv}");
    wait_for(&mut harness, "the reference grid", |app| {
        app.snapshot()
            .is_some_and(|s| s.reference_samples.is_some())
    });
    harness.run_steps(2);
    assert!(harness.query_all_by_value("reference").next().is_some());
    let line = format!(
        "iteration {}: class TV {:.3}, Fréchet {:.3} (floor {:.3})",
        last.run.iterations,
        tv,
        last.images.frechet.unwrap(),
        last.images.frechet_floor.unwrap()
    );
    assert!(
        harness.query_all_by_value(&line).next().is_some(),
        "no line `{line}`"
    );
    // Export all views: the image grids and the trajectory strips come out as PNG.
    let dir = tempfile::tempdir().unwrap();
    harness.state_mut().view.export_dir = dir.path().display().to_string();
    harness.state_mut().export_all_views();
    wait_for(&mut harness, "the export", |app| !app.background_busy());
    for name in ["image_grids.png", "image_trajectories.png"] {
        let image = image::open(dir.path().join(name)).expect(name);
        assert!(image.width() > image.height(), "{name}");
    }
    assert!(!dir.path().join("image_grids.svg").exists());
}

#[test]
fn painting_the_observation_re_targets_the_inpainting_sampler() {
    let mut config = (posterior_studio::app::lessons::LESSONS[8].config)();
    assert_eq!(config.name, "lesson_inpainting");
    config.backend = BackendChoice::Cpu;
    config.sampler.steps = 10;
    config.eval.samples = 300;
    config.eval.reference_samples = 4000;
    let mut harness = harness(config);
    let observed = |app: &StudioApp| {
        app.info
            .as_ref()
            .and_then(|i| i.inpainting.as_ref())
            .map(|o| (o.observed(), o.y[7 * 14 + 7]))
    };
    wait_for(&mut harness, "an image snapshot", |app| {
        app.snapshot().is_some_and(|s| s.samples.dim() == 196) && observed(app).is_some()
    });
    harness.run_steps(2);
    // Top half observed: 7 of 14 rows.
    assert_eq!(observed(harness.state()).unwrap().0, 98);
    // The default brush hides a 3 × 3 square: clicking the middle pixel (7, 7) takes the three
    // observed pixels of row 6 out of the mask.
    harness.get_by_label("observation canvas").click();
    harness.run_steps(2);
    assert_eq!(harness.state().config.constraint.inpaint.hide.len(), 9);
    wait_for(&mut harness, "the re-targeted constraint", |app| {
        observed(app).is_some_and(|(n, _)| n == 95)
    });
    // Drawn ink is observed where it is drawn: rows 6–8 are all observed now, (7, 7) is white.
    harness.get_by_label("draw").click();
    harness.run_steps(1);
    harness.get_by_label("observation canvas").click();
    harness.run_steps(2);
    assert!(harness.state().config.constraint.inpaint.hide.is_empty());
    wait_for(&mut harness, "the drawn pixels", |app| {
        observed(app) == Some((104, 1.0))
    });
    // The sampler's snapshot follows the new target.
    let before = harness.state().snapshot().unwrap().iteration;
    harness.state().send(Command::Step);
    wait_for(&mut harness, "a snapshot after the edit", |app| {
        app.snapshot().is_some_and(|s| s.iteration > before)
    });
    harness.get_by_label("Clear painting").click();
    harness.run_steps(2);
    wait_for(&mut harness, "the shape's mask again", |app| {
        observed(app).is_some_and(|(n, _)| n == 98)
    });
    assert!(!harness.state().config.constraint.inpaint.has_edits());
}

/// Drawing the panels never changes the experiment: every shipped config, opened in the app,
/// is still the same config after a few frames. The panels' ranges once clamped the mixture's
/// σ = 100 to 50 in the first frame, so that the app trained a config nobody had chosen.
#[test]
fn the_panels_keep_every_shipped_config_as_it_is() {
    // `prior.toml`, `flow_prior.toml`, …: `pretrain` settings, not experiments.
    let experiments = common::shipped_configs()
        .into_iter()
        .filter(|p| !p.to_string_lossy().ends_with("prior.toml"));
    for path in experiments {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (shipped, _) = common::example_config(&name, &[]);
        let mut harness = harness(shipped.clone());
        for _ in 0..3 {
            harness.step();
        }
        let (now, was) = (harness.state().config.to_toml(), shipped.to_toml());
        let changed: Vec<_> = was
            .lines()
            .zip(now.lines())
            .filter(|(was, now)| was != now)
            .collect();
        assert!(
            harness.state().config == shipped,
            "{name}: the panels changed (shipped, now) {changed:?}"
        );
    }
}

#[test]
fn the_worker_draws_log_r_and_composes_an_energy_target_chosen_in_the_panel() {
    let mut harness = harness(config());
    wait_for(&mut harness, "the experiment", |app| {
        app.is_ready() && app.snapshot().is_some()
    });
    // The log r heatmap is the worker's answer to a request; the UI thread builds no
    // constraint.
    wait_for(&mut harness, "the log r heatmap", |app| {
        app.heatmap_key().is_some()
    });
    let first = harness.state().heatmap_key().unwrap().to_string();
    // A new observation: the heatmap follows once the worker answers.
    let app = harness.state_mut();
    app.config.constraint.gaussian_obs.y = vec![-1.0, 1.0];
    app.constraint_changed();
    wait_for(&mut harness, "the new heatmap", |app| {
        app.heatmap_key().is_some_and(|k| k != first)
    });
    // An energy target of another size, chosen in the panel, is a new experiment on Brownian
    // motion of its size, composed by the worker as the CLI composes it, and the change is
    // reported.
    let app = harness.state_mut();
    app.config.constraint.kind = posterior_studio::constraint::ConstraintKind::Energy;
    app.config.constraint.energy.target = "funnel".into();
    app.constraint_changed();
    wait_for(&mut harness, "the funnel", |app| {
        app.error.is_some() || app.info.as_ref().is_some_and(|i| i.dim == 10)
    });
    let app = harness.state();
    assert_eq!(app.error, None);
    assert_eq!(app.config.prior.dim, 10);
    assert!(
        app.messages
            .iter()
            .any(|m| m.text.starts_with("adjusted prior.dim = 10")),
        "{:?}",
        app.messages.iter().map(|m| &m.text).collect::<Vec<_>>()
    );
}
