//! Computing the truth of an experiment for one β: exact target samples, the exact grid in
//! d ≤ 2, or weighted particles (SIR over prior samples, annealed importance sampling where SIR
//! has too few effective samples) resampled; its modes; and for images two independent halves.

use super::annealing::{AisSettings, WeightedParticles, anneal};
use super::trainer::Trainer;
use super::truth::Truth;
use crate::math::Points;
use crate::math::rng::Rng;
use crate::metrics::kmeans::kmeans;
use crate::metrics::reference_posterior::grid_posterior;
use crate::metrics::settings::ReferenceChoice;
use crate::metrics::sir;
use crate::metrics::{Modes, ReferenceMethod, ReferencePosterior};

impl Trainer {
    pub(super) fn compute_truth(&self, beta: f64) -> Truth {
        let eval = &self.config.eval;
        let mut rng = crate::math::rng::seeded(self.config.seed ^ 0x7275_7468);
        let samples = eval.distance_samples.max(20_000);
        // At β = 1 an energy target's posterior is the target itself: exact samples, exact log Z.
        let exact = self
            .target
            .as_ref()
            .filter(|_| beta == 1.0)
            .map(|target| ReferencePosterior {
                samples: target.sample(samples, &mut rng),
                log_z: target.log_z(),
                method: ReferenceMethod::Exact {
                    target: self.config.constraint.energy.target.clone(),
                },
            });
        let grid = || match self.reference.brownian_variance() {
            Some(variance) if self.reference.dim() <= 2 => grid_posterior(
                variance,
                self.constraint.as_ref(),
                beta,
                eval.grid_resolution,
                7.0 * variance.sqrt(),
                samples,
                &mut rng,
            ),
            _ => None,
        };
        let images = self.constraint.image_classifier().is_some();
        let mut halves = None;
        let posterior = match exact.or_else(grid) {
            Some(posterior) => posterior,
            None => {
                let (weighted, method) = self.weighted_reference(beta, &mut rng);
                if images {
                    halves = Some(self.independent_halves(&weighted, &mut rng));
                }
                let result = sir::resample(
                    &weighted.particles,
                    &weighted.log_weights,
                    samples,
                    &mut rng,
                );
                ReferencePosterior {
                    samples: result.samples,
                    log_z: result.log_z,
                    method: method(result.ess),
                }
            }
        };
        let data_samples = self
            .maps_to_data()
            .then(|| self.to_data_space(&posterior.samples));
        let data_space = data_samples.as_ref().unwrap_or(&posterior.samples);
        // A target without mixture components (funnel, Many Well, Gaussian) has its own
        // metrics; k-means cells over it would count modes it does not have.
        let modes = match (&self.known_modes, &self.target) {
            (Some(gmm), _) => Some(Modes::Components(gmm.clone())),
            // Images have classes, counted by the classifier instead.
            (None, Some(_)) => None,
            (None, None) if images => None,
            (None, None) => Some(Modes::from_centers(
                kmeans(&data_space.head(5000), eval.kmeans_modes, 100, &mut rng),
                data_space,
            )),
        };
        let log_r: Vec<f64> = self
            .constraint
            .log_r_batch(&posterior.samples.head(eval.distance_samples.max(1)))
            .into_iter()
            .filter(|v| v.is_finite())
            .collect();
        Truth {
            id: Truth::next_id(),
            beta,
            mean_log_r: log_r.iter().sum::<f64>() / log_r.len().max(1) as f64,
            posterior,
            data_samples,
            modes,
            halves,
        }
    }

    /// Weighted particles of the posterior in the sampler's space, with how they were made:
    /// prior samples weighted by r^β (SIR), or annealed importance sampling where SIR has too
    /// few effective samples (or the config asks for it).
    fn weighted_reference(
        &self,
        beta: f64,
        rng: &mut Rng,
    ) -> (WeightedParticles, Box<dyn Fn(f64) -> ReferenceMethod>) {
        let eval = &self.config.eval;
        let ais = |rng: &mut Rng| {
            let start = self.prior_samples(eval.ais_particles.max(2), rng);
            let settings = AisSettings {
                particles: eval.ais_particles.max(2),
                temperatures: eval.ais_temperatures,
                transitions: 1,
                leapfrog: 5,
            };
            anneal(
                &self.reference,
                self.constraint.as_ref(),
                beta,
                start,
                settings,
                rng,
            )
        };
        let (particles, temperatures) = (eval.ais_particles.max(2), eval.ais_temperatures);
        let annealed = |weighted| -> (WeightedParticles, Box<dyn Fn(f64) -> ReferenceMethod>) {
            (
                weighted,
                Box::new(move |ess| ReferenceMethod::Ais {
                    particles,
                    temperatures,
                    ess,
                }),
            )
        };
        if eval.reference == ReferenceChoice::Ais
            && let Some(weighted) = ais(rng)
        {
            return annealed(weighted);
        }
        let prior = self.prior_samples(eval.reference_samples.max(1), rng);
        let log_weights: Vec<f64> = self
            .constraint
            .log_r_batch(&prior)
            .into_iter()
            .map(|l| beta * l)
            .collect();
        let proposals = prior.len();
        let ess = sir::effective_sample_size(&log_weights);
        if eval.reference == ReferenceChoice::Auto
            && ess * (proposals as f64) < ReferenceMethod::FEW_EFFECTIVE
            && let Some(weighted) = ais(rng)
        {
            return annealed(weighted);
        }
        (
            WeightedParticles {
                particles: prior,
                log_weights,
            },
            Box::new(move |ess| ReferenceMethod::Sir { proposals, ess }),
        )
    }

    /// Two references resampled from the two halves of independent weighted particles,
    /// mapped to data space: independent draws of the posterior for the Fréchet distance's
    /// floor.
    fn independent_halves(&self, weighted: &WeightedParticles, rng: &mut Rng) -> (Points, Points) {
        let total = weighted.particles.len();
        let half = total / 2;
        let n = self.config.eval.samples.max(2);
        let mut one = |rows: std::ops::Range<usize>| {
            let log_w = weighted.log_weights[rows.clone()].to_vec();
            let part = weighted.particles.select(&rows.collect::<Vec<_>>());
            self.to_data_space(&sir::resample(&part, &log_w, n, rng).samples)
        };
        let first = one(0..half);
        let second = one(half..total);
        (first, second)
    }
}
