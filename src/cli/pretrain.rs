//! `posterior-studio pretrain`: train a prior on a dataset, save it, and check it against the data.

use super::*;
use crate::export::image_grid::{ImagePanel, write_grid};
use crate::metrics::sharpness;

pub fn pretrain(args: &PretrainArgs) -> Result<Outcome> {
    let (mut config, base_dir) = load_config(&args.common)?;
    if let Some(dataset) = &args.dataset {
        config.prior.dataset = dataset.clone();
    }
    let data = crate::prior::factory::resolve_data(&config.prior, base_dir.as_deref())?;
    let compute = backend::select(config.backend);
    if let Some(reason) = &compute.fallback_reason {
        eprintln!("warning: {reason}");
    }
    eprintln!("backend: {}", compute.describe());
    let bar = progress_bar(config.prior.iterations as u64, args.quiet);
    bar.set_prefix("prior");
    let started = Instant::now();
    let mut rng = crate::math::rng::seeded(config.seed.wrapping_add(99));
    let (kind_name, loss_name, final_loss, samples) = match config.prior.kind {
        PriorKind::Flow | PriorKind::Vae | PriorKind::Gan | PriorKind::Ode => {
            let kind = config.prior.kind;
            eprintln!(
                "training a {} prior on {} (d = {}, {} iterations)",
                kind.name(),
                data.name(),
                data.dim(),
                config.prior.iterations
            );
            let trained = crate::prior::factory::train_generator(
                &config.prior,
                &data,
                &compute,
                config.seed,
                &mut prior_progress(&bar),
            )?;
            trained.generator.save(&args.output)?;
            eprintln!("{}", trained.generator.describe());
            let samples = trained.generator.sample(20_000, &mut rng);
            (kind.name(), trained.loss_name, trained.final_loss, samples)
        }
        PriorKind::Diffusion | PriorKind::Brownian => {
            eprintln!(
                "training a diffusion prior on {} (d = {}, σ = {}, T = {}, {} iterations)",
                data.name(),
                data.dim(),
                config.prior.sigma,
                config.prior.steps,
                config.prior.iterations
            );
            let prior = train_diffusion_prior(
                &config.prior,
                &data,
                &compute,
                config.seed,
                &mut prior_progress(&bar),
            )?;
            prior.save(&args.output)?;
            let (final_loss, grid) = (prior.meta.final_loss, prior.meta.grid());
            let samples = crate::sampler::trajectory::sample_reference(
                &crate::prior::ReferenceProcess::Diffusion(prior),
                &grid,
                20_000,
                &mut rng,
                &compute.device,
            );
            ("diffusion", "loss", final_loss, samples)
        }
    };
    bar.finish_and_clear();
    eprintln!(
        "saved {kind_name} prior to {} (final {loss_name} {final_loss:.4}, {:.0} s)",
        args.output.display(),
        started.elapsed().as_secs_f64()
    );
    // A quick check of what was learned: mode shares (and the share outside every mode) of
    // prior samples vs the data's.
    let data_samples = data.sample(&mut rng, 20_000);
    if let Some(components) = data.components() {
        let modes = crate::metrics::Modes::Components(components.clone());
        let coverage = crate::metrics::ModeCoverage::compute(&modes, &samples, &data_samples, 0.01);
        eprintln!(
            "prior samples cover {}/{} modes, mode TV {:.4} against the data (outside every \
             mode: {:.1}% vs {:.1}%)",
            coverage.covered,
            coverage.total,
            coverage.tv,
            100.0 * coverage.sampler_outside,
            100.0 * coverage.reference_outside
        );
        eprintln!(
            "{:.1}% of prior samples lie within 3σ of a mode (data: {:.1}%)",
            100.0 * components.share_within(&samples, 3.0),
            100.0 * components.share_within(&data_samples, 3.0)
        );
        // Sharpness: a blurred prior has the right mode shares but wider modes.
        eprintln!(
            "per-axis variance around the nearest mode: {:.3} (data: {:.3})",
            sharpness::variance_around_modes(&samples, &components),
            sharpness::variance_around_modes(&data_samples, &components)
        );
    }
    let distance = crate::metrics::energy_distance(&samples.head(2000), &data_samples.head(2000));
    eprintln!("energy distance between prior samples and data: {distance:.4}");
    let near = sharpness::distance_against_floor(
        &samples.head(2000),
        &data_samples.head(2000),
        &data_samples.tail(2000),
    );
    eprintln!(
        "nearest-neighbour distance to the data: {:.4} (split-half floor {:.4}, ratio {:.2}; \
         1 is as sharp as the data)",
        near.distance,
        near.floor,
        near.ratio()
    );
    if let (Some(path), Some(images)) = (&args.figure, data.images()) {
        let layout = crate::export::image_grid::standard_layout(images.width, images.height);
        write_grid(
            path,
            &[
                ImagePanel {
                    points: &data_samples,
                },
                ImagePanel { points: &samples },
            ],
            layout,
        )?;
        eprintln!(
            "wrote figure to {} (left: data, right: {kind_name} prior samples)",
            path.display()
        );
        return Ok(Outcome::Ok);
    }
    if let Some(path) = &args.figure {
        let panels = [
            ScatterPanel {
                title: format!("data ({})", data.name()),
                points: &data_samples.head(5000),
                color: REFERENCE_COLOR,
                markers: None,
            },
            ScatterPanel {
                title: format!("{kind_name} prior samples"),
                points: &samples.head(5000),
                color: SAMPLER_COLOR,
                markers: None,
            },
        ];
        write_scatter(path, &format!("{kind_name} prior"), &panels)?;
        eprintln!("wrote figure to {}", path.display());
    }
    Ok(Outcome::Ok)
}
