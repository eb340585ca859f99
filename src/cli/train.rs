//! `posterior-studio train`: train a sampler (or run a baseline), checkpoint it, report it.

use super::*;
use crate::experiment::composition::{compose, prepare_prior};
use crate::export::image_grid::{ImagePanel, write_grid};
use crate::metrics::{Metrics, Modes};

pub fn train(args: &TrainArgs) -> Result<Outcome> {
    let mut trainer = match &args.resume {
        Some(dir) => {
            let mut overrides = args.common.set.clone();
            if let Some(backend) = args.common.backend {
                overrides.push(format!("backend=\"{backend}\""));
            }
            let trainer = Trainer::load(dir, &overrides)?;
            eprintln!(
                "resumed {} at iteration {} of {}",
                dir.display(),
                trainer.iteration(),
                trainer.config.train.iterations
            );
            trainer
        }
        None => {
            let (config, base_dir) = load_config(&args.common)?;
            let base_dir = base_dir.as_deref();
            let compute = crate::backend::select(config.backend);
            // A config that describes its prior instead of naming a folder trains it first.
            let prior_bar = progress_bar(config.prior.iterations as u64, args.quiet);
            prior_bar.set_prefix("prior");
            let mut on_prior = prior_progress(&prior_bar);
            let prior = prepare_prior(&config, base_dir, &compute, &mut on_prior)?;
            prior_bar.finish_and_clear();
            let composition = compose(config, prior, base_dir, &compute)?;
            for adjustment in &composition.adjustments {
                eprintln!("adjusted {adjustment}");
            }
            Trainer::from_composition(composition, compute, base_dir)?
        }
    };
    let save_dir = args.save.clone().or_else(|| args.resume.clone());
    if !(args.checkpoint_every.is_finite() && args.checkpoint_every > 0.0) {
        return Err(Error::config(
            "--checkpoint-every",
            format!(
                "must be a positive number of seconds, got {}",
                args.checkpoint_every
            ),
        ));
    }
    let mut autosave = save_dir
        .as_ref()
        .map(|dir| Autosave::new(dir, Duration::from_secs_f64(args.checkpoint_every)));
    if let Some(reason) = &trainer.compute.fallback_reason {
        eprintln!("warning: {reason}");
    }
    eprintln!("backend: {}", trainer.compute.describe());
    eprintln!("reference: {}", trainer.reference.describe());
    eprintln!(
        "constraint: {} (β = {})",
        trainer.constraint.describe(),
        trainer.config.constraint.beta
    );

    let iterations = trainer.config.train.iterations;
    let eval_every = trainer.config.train.eval_every;
    let bar = progress_bar(
        iterations as u64,
        args.quiet || !trainer.config.train.objective.is_trained(),
    );
    bar.set_prefix(trainer.config.train.objective.name());
    let mut outcome = Outcome::Ok;
    let mut evaluations = Vec::new();
    bar.set_position(trainer.iteration() as u64);
    while !trainer.is_done() {
        match trainer.step() {
            Ok(record) => {
                let mut evaluated = false;
                bar.set_position(record.iteration as u64);
                if record.iteration % 10 == 0 {
                    bar.set_message(format!(
                        "loss {:.3} log Z {:.3} |∇| {:.2}",
                        record.loss, record.log_z, record.grad_norm
                    ));
                }
                if eval_every > 0
                    && record.iteration % eval_every == 0
                    && record.iteration < iterations
                {
                    let m = trainer.evaluate()?;
                    let shape = match (m.images.class_tv, m.modes.modes_total) {
                        (Some(tv), _) => format!(
                            "class TV {tv:.4} Fréchet {} (floor {})",
                            fmt_opt(m.images.frechet),
                            fmt_opt(m.images.frechet_floor)
                        ),
                        (None, Some(total)) => format!(
                            "modes {}/{total} TV {}",
                            m.modes.fit.modes_covered.unwrap_or(0),
                            fmt_opt(m.modes.fit.mode_tv)
                        ),
                        (None, None) => format!("Δlog Z {}", fmt_opt(m.log_z.delta_log_z)),
                    };
                    let line = format!(
                        "[{}] {shape} IW log Z {} (ref {}) ED {}",
                        m.run.iterations,
                        fmt_iw(&m),
                        fmt_opt(m.log_z.log_z_ref),
                        fmt_opt(m.distances.energy_distance),
                    );
                    bar.suspend(|| eprintln!("{line}"));
                    for warning in &m.warnings {
                        bar.suspend(|| eprintln!("warning: {warning}"));
                    }
                    evaluations.push(m);
                    evaluated = true;
                }
                if let Some(autosave) = autosave.as_mut() {
                    autosave.tick(&trainer, evaluated)?;
                }
            }
            Err(e @ Error::NonFinite { .. }) => {
                bar.abandon();
                eprintln!("error: {e}");
                outcome = Outcome::Stopped;
                break;
            }
            Err(e) => return Err(e),
        }
    }
    bar.finish_and_clear();
    if let Some(autosave) = autosave.as_mut() {
        autosave.tick(&trainer, true)?;
        autosave.finish()?;
        eprintln!("saved experiment to {}", autosave.dir.display());
    }
    let metrics = trainer.evaluate()?;
    for warning in &metrics.warnings {
        eprintln!("warning: {warning}");
    }
    let needs_samples = args.export_samples.is_some() || args.figure.is_some();
    if needs_samples {
        let mut rng = crate::math::rng::seeded(trainer.config.seed.wrapping_add(17));
        let n = trainer.config.eval.samples;
        let draw = trainer.draw(n, &mut rng);
        let truth = trainer.truth().clone();
        let noise = trainer.reference.noise_generator().is_some().then(|| {
            let prior = trainer.prior_samples(n, &mut rng);
            (draw.samples.clone(), truth.posterior.samples.head(n), prior)
        });
        let samples = trainer.to_data_space(&draw.samples);
        let reference = truth.data_space_samples().head(n);
        let prior = trainer.data_space_prior_samples(n, &mut rng);
        let proposals = trainer.config.eval.resample_from;
        let resampled = (proposals > 0 && args.export_samples.is_some())
            .then(|| trainer.draw_resampled(n, proposals, &mut rng))
            .flatten()
            .map(|r| trainer.to_data_space(&r.samples));
        if let Some(path) = &args.export_samples {
            let mut sources = vec![
                ("sampler", &samples),
                ("reference", &reference),
                ("prior", &prior),
            ];
            if let Some(resampled) = &resampled {
                sources.push(("resampled", resampled));
            }
            write_csv(path, &sources)?;
            eprintln!("wrote samples to {}", path.display());
            if let Some((sampler_z, reference_z, prior_z)) = &noise {
                let noise_path = noise_samples_path(path);
                write_csv(
                    &noise_path,
                    &[
                        ("sampler", sampler_z),
                        ("reference", reference_z),
                        ("prior", prior_z),
                    ],
                )?;
                eprintln!("wrote noise-space samples z to {}", noise_path.display());
            }
        }
        if let (Some(path), Some((width, height))) = (&args.figure, trainer.image_shape()) {
            let layout = crate::export::image_grid::standard_layout(width, height);
            write_grid(
                path,
                &[
                    ImagePanel { points: &prior },
                    ImagePanel { points: &reference },
                    ImagePanel { points: &samples },
                ],
                layout,
            )?;
            eprintln!(
                "wrote figure to {} (left to right: prior, reference posterior, {} sampler)",
                path.display(),
                metrics.run.objective
            );
        } else if let Some(path) = &args.figure {
            let centers = truth.modes.as_ref().map(Modes::centers);
            let panels = [
                ScatterPanel {
                    title: "prior".into(),
                    points: &prior,
                    color: PRIOR_COLOR,
                    markers: None,
                },
                ScatterPanel {
                    title: format!(
                        "reference posterior ({})",
                        short_method(&metrics.run.reference_method)
                    ),
                    points: &reference,
                    color: REFERENCE_COLOR,
                    markers: centers.as_ref(),
                },
                ScatterPanel {
                    title: format!("{} sampler", metrics.run.objective),
                    points: &samples,
                    color: SAMPLER_COLOR,
                    markers: centers.as_ref(),
                },
            ];
            let name = &trainer.config.name;
            let mut title = match (metrics.modes.fit.modes_covered, metrics.modes.modes_total) {
                (Some(c), Some(t)) => format!(
                    "{name}: TV {:.3}, modes {c}/{t}",
                    metrics.modes.fit.mode_tv.unwrap_or(f64::NAN)
                ),
                _ => format!(
                    "{name}: Δlog Z (IW) {:.3}",
                    metrics.log_z.delta_log_z.unwrap_or(f64::NAN)
                ),
            };
            if samples.dim() > 2 {
                title.push_str(&format!(" — x0, x1 of d = {}", samples.dim()));
            }
            write_scatter(path, &title, &panels)?;
            eprintln!("wrote figure to {}", path.display());
        }
    }
    if let Some(path) = &args.curves {
        crate::export::views::write_log_z_curves(path, &trainer.config.name, &trainer.history)?;
        eprintln!("wrote training curves to {}", path.display());
    }
    eprintln!("{}", summary(&metrics));
    if args.json {
        let report = Report {
            metrics: &metrics,
            evaluations: &evaluations,
        };
        let json = serde_json::to_string(&report)
            .map_err(|e| Error::Unsupported(format!("cannot write JSON: {e}")))?;
        println!("{json}");
    }
    Ok(outcome)
}

/// The `--json` object: the final metrics, and those of every evaluation during training
/// (`train.eval_every`), so that a script can see whether a miss drifts in or is fixed early.
#[derive(serde::Serialize)]
struct Report<'a> {
    #[serde(flatten)]
    metrics: &'a Metrics,
    evaluations: &'a [Metrics],
}

/// `samples.csv` → `samples.noise.csv`: where a noise-space run writes its samples of z.
pub fn noise_samples_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "samples".into());
    path.with_file_name(format!("{stem}.noise.csv"))
}

fn short_method(method: &str) -> &str {
    method.split(" (").next().unwrap_or(method)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Every key path of a JSON value: `a`, `a.b` inside objects, `a[].b` inside arrays of
    /// objects.
    fn key_paths(value: &serde_json::Value, prefix: &str, paths: &mut BTreeSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    let path = format!("{prefix}{key}");
                    key_paths(inner, &format!("{path}."), paths);
                    paths.insert(path);
                }
            }
            serde_json::Value::Array(items) => {
                let prefix = format!("{}[].", prefix.trim_end_matches('.'));
                for item in items {
                    key_paths(item, &prefix, paths);
                }
            }
            _ => {}
        }
    }

    fn golden() -> BTreeSet<String> {
        include_str!("../../tests/data/metrics_keys.txt")
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn assert_same_keys(what: &str, actual: &BTreeSet<String>, expected: &BTreeSet<String>) {
        let missing: Vec<_> = expected.difference(actual).collect();
        let extra: Vec<_> = actual.difference(expected).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{what}: missing keys {missing:?}, new keys {extra:?}"
        );
    }

    /// Scripts, sweeps and saved histories read these keys: the `--json` object of a run in
    /// which every figure applies (resampling on, an evaluation during training) has exactly
    /// the keys of `tests/data/metrics_keys.txt`, and one in which none applies has the same
    /// top-level keys.
    #[test]
    fn the_json_report_keeps_its_keys() {
        let full: Metrics =
            serde_json::from_str(include_str!("../../tests/data/metrics_full.json")).unwrap();
        let report = |metrics: &Metrics| {
            serde_json::to_value(Report {
                metrics,
                evaluations: std::slice::from_ref(metrics),
            })
            .unwrap()
        };
        let mut keys = BTreeSet::new();
        key_paths(&report(&full), "", &mut keys);
        assert_same_keys("every figure set", &keys, &golden());

        let mut keys = BTreeSet::new();
        key_paths(&report(&Metrics::default()), "", &mut keys);
        let top_level: BTreeSet<String> = golden()
            .into_iter()
            .filter(|k| !k.starts_with("resampled."))
            .filter(|k| !k.starts_with("evaluations[].resampled."))
            .collect();
        assert_same_keys("no figure set", &keys, &top_level);

        let mut keys = BTreeSet::new();
        key_paths(&serde_json::to_value(&full).unwrap(), "", &mut keys);
        let evaluate: BTreeSet<String> = golden()
            .into_iter()
            .filter(|k| k != "evaluations" && !k.starts_with("evaluations[]."))
            .collect();
        assert_same_keys("`evaluate --json`", &keys, &evaluate);
    }
}
