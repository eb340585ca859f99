//! The worker's answer to `SetPrior`: a Brownian reference, a saved prior folder, or a
//! prior (diffusion, flow, VAE, GAN) trained on data (cancellable, keeping the prior in use
//! when cancelled).

use std::sync::atomic::Ordering;

use super::Worker;
use super::protocol::{Event, PriorChoice};
use crate::experiment::composition::parts;
use crate::experiment::config::PriorKind;
use crate::prior::factory;
use crate::prior::training::PriorProgress;
use crate::prior::{DataSource, ReferenceProcess, SamplerSpace};

impl Worker {
    pub(super) fn set_prior(&mut self, choice: PriorChoice) {
        let Some(config) = self.trainer.as_ref().map(|t| t.config.clone()) else {
            return;
        };
        let mut config = config;
        match choice {
            PriorChoice::Brownian { dim, sigma } => {
                config.prior.kind = PriorKind::Brownian;
                config.prior.dim = dim;
                config.prior.sigma = sigma;
                config.prior.path = None;
                self.build(config, None);
            }
            PriorChoice::Folder(path) => {
                // A flow, VAE or GAN folder names its generator; its sampler starts in z.
                if let Some(kind) = factory::saved_generator_kind(&path) {
                    config.prior.kind = kind;
                    config.prior.path = Some(path.display().to_string());
                    config.sampler.space = SamplerSpace::Noise;
                    self.build(config, None);
                    return;
                }
                config.prior.kind = PriorKind::Diffusion;
                config.prior.path = Some(path.display().to_string());
                let compute = self.compute(&config);
                match factory::build_reference(
                    &config.prior,
                    config.sampler.space,
                    config.seed,
                    None,
                    &compute,
                    &mut |_| true,
                ) {
                    Ok(ReferenceProcess::Diffusion(prior)) => {
                        self.rebuild_with(config, ReferenceProcess::Diffusion(prior));
                    }
                    Ok(other) => self.emit(Event::Error(format!(
                        "{}: not a diffusion prior ({})",
                        path.display(),
                        other.describe()
                    ))),
                    Err(e) => self.emit(Event::Error(e.to_string())),
                }
            }
            PriorChoice::Train { dataset, kind } => {
                if matches!(kind, PriorKind::Brownian | PriorKind::Ode) {
                    self.emit(Event::Error(format!(
                        "prior.kind: a `{}` prior is not trained on data",
                        kind.name()
                    )));
                    return;
                }
                let compute = self.compute(&config);
                let data = match DataSource::resolve(&dataset) {
                    Ok(d) => d,
                    Err(e) => {
                        self.emit(Event::Error(e.to_string()));
                        return;
                    }
                };
                // A prior the constraint cannot act on would be trained for nothing.
                let mut probe = config.clone();
                probe.prior.kind = PriorKind::Brownian;
                probe.prior.dim = data.dim();
                let probe_reference = ReferenceProcess::Brownian {
                    dim: data.dim(),
                    sigma: config.prior.sigma,
                };
                if let Err(e) =
                    parts::build_constraint(&probe, &probe_reference, self.base_dir.as_deref())
                {
                    let hint = if matches!(data, DataSource::Images { .. }) {
                        "; choose an image constraint (classifier or inpaint) first, or start \
                         from an image lesson"
                    } else {
                        ""
                    };
                    self.emit(Event::Error(format!(
                        "{dataset}: {}-dimensional data does not fit the current constraint \
                         ({e}){hint}",
                        data.dim()
                    )));
                    return;
                }
                self.set_playing(false);
                self.cancel_prior.store(false, Ordering::SeqCst);
                let events = self.events.clone();
                let notify = self.notify.clone();
                let cancel = self.cancel_prior.clone();
                let mut on_progress = |p: &PriorProgress| {
                    let _ = events.send(Event::PriorProgress(p.clone()));
                    notify();
                    !cancel.load(Ordering::SeqCst)
                };
                config.prior.kind = kind;
                config.prior.path = None;
                config.prior.dataset = dataset;
                // A VAE or GAN has no density: its sampler lives in z.
                config.sampler.space = if kind.has_density() {
                    SamplerSpace::Data
                } else {
                    SamplerSpace::Noise
                };
                match factory::build_reference(
                    &config.prior,
                    config.sampler.space,
                    config.seed,
                    None,
                    &compute,
                    &mut on_progress,
                ) {
                    // Cancel means "keep what I had", not "use the half-trained prior".
                    Ok(_) if self.cancel_prior.load(Ordering::SeqCst) => {
                        self.emit(Event::PriorCancelled);
                    }
                    Ok(reference) => self.rebuild_with(config, reference),
                    Err(e) => self.emit(Event::Error(e.to_string())),
                }
            }
        }
    }
}
