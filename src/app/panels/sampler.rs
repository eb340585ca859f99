//! The sampler panel: objective, network, optimisation and off-policy settings, then Apply.

use eframe::egui;

use crate::app::StudioApp;
use crate::experiment::config::{ObjectiveKind, PriorKind};
use crate::experiment::worker::Command;
use crate::prior::SamplerSpace;
use crate::sampler::settings::{LangevinGain, StepVariance};

pub(super) fn sampler(app: &mut StudioApp, ui: &mut egui::Ui) {
    let applied = app.info.as_ref().map(|i| i.config.clone());
    let config = &mut app.config;
    let objectives = [
        (ObjectiveKind::Rtb, "RTB (TB for an energy)"),
        (ObjectiveKind::VarGrad, "VarGrad"),
        (ObjectiveKind::Guidance, "classifier guidance"),
        (ObjectiveKind::Dps, "DPS"),
        (ObjectiveKind::KlPolicyGradient, "KL-regularised RL"),
        (ObjectiveKind::Sir, "SIR"),
        (ObjectiveKind::Mala, "MALA (non-amortised)"),
        (ObjectiveKind::Hmc, "HMC (non-amortised)"),
    ];
    let combo = egui::ComboBox::from_id_salt("objective")
        .selected_text(
            objectives
                .iter()
                .find(|o| o.0 == config.train.objective)
                .map_or("?", |o| o.1),
        )
        .show_ui(ui, |ui| {
            for (kind, name) in objectives {
                ui.selectable_value(&mut config.train.objective, kind, name);
            }
        });
    let _ = combo.response.accessible_name("objective");
    egui::Grid::new("sampler_grid")
        .num_columns(2)
        .show(ui, |ui| {
            if config.prior.kind.is_generator() {
                ui.label("sampler lives in");
                ui.horizontal(|ui| {
                    ui.selectable_value(&mut config.sampler.space, SamplerSpace::Noise, "noise z")
                        .on_hover_text("z, against Brownian motion with σ = 1, reward r(f(z))");
                    ui.add_enabled_ui(config.prior.kind.has_density(), |ui| {
                        ui.selectable_value(&mut config.sampler.space, SamplerSpace::Data, "data x")
                            .on_hover_text("x, with the prior's density in the target (flows only)")
                    });
                });
                ui.end_row();
            }
            let label = ui.label("steps T");
            ui.add(super::drag_value(&mut config.sampler.steps, 2..=1000))
                .labelled_by(label.id);
            ui.end_row();
            if config.prior.kind == PriorKind::Brownian {
                let label = ui.label("σ");
                ui.add(super::drag_value(&mut config.prior.sigma, super::SIGMA_RANGE).speed(0.05))
                    .labelled_by(label.id);
                ui.end_row();
            }
            let label = ui.label("batch");
            ui.add(super::drag_value(&mut config.train.batch, 1..=10_000))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("iterations");
            ui.add(super::drag_value(&mut config.train.iterations, 1..=1_000_000).speed(50))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("learning rate");
            ui.add(super::drag_value(&mut config.train.lr, 1e-6..=1.0).speed(1e-5))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("log Z learning rate");
            ui.add(super::drag_value(&mut config.train.lr_log_z, 0.0..=10.0).speed(1e-3))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("final lr fraction");
            ui.add(super::drag_value(&mut config.train.lr_final_fraction, 0.01..=1.0).speed(0.01))
                .labelled_by(label.id)
                .on_hover_text(
                    "both learning rates fall by a cosine to this fraction over the iterations",
                );
            ui.end_row();
            let label = ui.label("hidden width");
            ui.add(super::drag_value(&mut config.sampler.net.hidden, 4..=1024))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("depth");
            ui.add(super::drag_value(&mut config.sampler.net.depth, 1..=8))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("state gain bound");
            ui.add(super::drag_value(&mut config.sampler.net.state_gain, 0.0..=100.0).speed(0.1))
                .labelled_by(label.id)
                .on_hover_text(
                    "0: off. Otherwise the drift is u(x, t) + s(x, t)·x with |s| below this: \
                     a spread that depends on other coordinates (the funnel's mouth) is one \
                     gain, not a product to fit",
                );
            ui.end_row();
            let label = ui.label("exploration std");
            ui.add(super::drag_value(&mut config.train.exploration.std, 0.0..=5.0).speed(0.01))
                .labelled_by(label.id);
            ui.end_row();
            let exploration = &mut config.train.exploration;
            exploration.floor = exploration.floor.min(exploration.std);
            if exploration.std > 0.0 {
                let label = ui.label("  floor");
                ui.add(
                    super::drag_value(&mut exploration.floor, 0.0..=exploration.std).speed(0.01),
                )
                .labelled_by(label.id)
                .on_hover_text(
                    "exploration decays to this, not to 0: on-policy training once exploration \
                     has stopped can drain light modes into heavy ones",
                );
                ui.end_row();
            }
            let label = ui.label("replay buffer");
            ui.checkbox(&mut config.train.buffer.enabled, "")
                .labelled_by(label.id);
            ui.end_row();
            if config.train.buffer.enabled {
                let buffer = &mut config.train.buffer;
                let label = ui.label("  known from HMC");
                ui.add(super::drag_value(&mut buffer.known_hmc, 0..=100_000).speed(100))
                    .labelled_by(label.id)
                    .on_hover_text(
                        "end states of this many HMC chains on the target (run once, at the \
                         first replay) join the replay and never leave: MCMC reaches regions \
                         on-policy training has no reason to try, like the funnel's mouth",
                    );
                ui.end_row();
                if buffer.known_hmc > 0 || buffer.known_states.is_some() {
                    let label = ui.label("  known share");
                    ui.add(super::drag_value(&mut buffer.known_share, 0.0..=1.0).speed(0.01))
                        .labelled_by(label.id)
                        .on_hover_text("the share of each replay batch drawn from known states");
                    ui.end_row();
                    let label = ui.label("  fit by likelihood");
                    ui.add(
                        super::drag_value(&mut buffer.known_likelihood, 0.0..=100.0).speed(0.05),
                    )
                    .labelled_by(label.id)
                    .on_hover_text(
                        "λ > 0: known states raise the sampler's likelihood of reaching them \
                         (λ·E[−log q(τ)]) instead of entering the objective beside the buffer's; \
                         0: replay them through the objective",
                    );
                    ui.end_row();
                }
            }
            let label = ui.label("local search");
            ui.checkbox(&mut config.train.local_search.enabled, "")
                .labelled_by(label.id);
            ui.end_row();
            if config.train.local_search.enabled {
                let label = ui.label("  from reference");
                ui.add(
                    super::drag_value(&mut config.train.local_search.reference_starts, 0.0..=1.0)
                        .speed(0.01),
                )
                .labelled_by(label.id)
                .on_hover_text(
                    "the share of MALA chains started at fresh reference draws: they find \
                     modes the sampler has not reached",
                );
                ui.end_row();
                let label = ui.label("  step per chain");
                ui.checkbox(&mut config.train.local_search.per_chain_steps, "")
                    .labelled_by(label.id)
                    .on_hover_text(
                        "each MALA chain adapts its own step size: for targets whose scale \
                         varies from place to place, like the funnel's neck and mouth",
                    );
                ui.end_row();
            }
            let label = ui.label("β annealing");
            ui.checkbox(&mut config.train.beta_anneal.enabled, "")
                .labelled_by(label.id);
            ui.end_row();
            if config.train.beta_anneal.enabled {
                let label = ui.label("  from β =");
                ui.add(
                    super::drag_value(&mut config.train.beta_anneal.start, 0.0..=1.0).speed(0.01),
                )
                .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("  over iterations");
                ui.add(super::drag_value(
                    &mut config.train.beta_anneal.iterations,
                    1..=1_000_000,
                ))
                .labelled_by(label.id);
                ui.end_row();
            }
            let label = ui.label("Langevin term");
            ui.checkbox(&mut config.sampler.langevin, "")
                .labelled_by(label.id);
            ui.end_row();
            if config.sampler.langevin {
                let label = ui.label("  gain");
                let gain = &mut config.sampler.langevin_gain;
                ui.horizontal(|ui| {
                    ui.selectable_value(gain, LangevinGain::Learned, "learned");
                    ui.selectable_value(gain, LangevinGain::Reference, "Gaussian");
                })
                .response
                .labelled_by(label.id)
                .on_hover_text(
                    "learned: NN(t), zero until trained; Gaussian: σ²/(σ²(1−t)+1), the \
                     exact Gaussian control's gain, scaled by training within 0…2 (for a \
                     wide reference)",
                );
                ui.end_row();
                if config.sampler.langevin_gain == LangevinGain::Reference {
                    let label = ui.label("  step variance");
                    let variance = &mut config.sampler.step_variance;
                    ui.horizontal(|ui| {
                        ui.selectable_value(variance, StepVariance::Reference, "reference");
                        ui.selectable_value(variance, StepVariance::Gaussian, "Gaussian");
                    })
                    .response
                    .labelled_by(label.id)
                    .on_hover_text(
                        "reference: σ²Δ; Gaussian: σ²Δ·H(t+Δ)/H(t), H(t) = σ²(1−t)+1, the exact \
                         Gaussian control's step, so that samples are not wider than the modes",
                    );
                    ui.end_row();
                }
            }
            // The Gaussian step variance belongs to the fixed gain: switching the gain off
            // switches it off too, so that the settings never become invalid from here.
            if !(config.sampler.langevin && config.sampler.langevin_gain == LangevinGain::Reference)
            {
                config.sampler.step_variance = StepVariance::Reference;
            }
            let label = ui.label("learned variance");
            ui.checkbox(&mut config.sampler.learned_variance, "")
                .labelled_by(label.id)
                .on_hover_text("the sampler learns its step variance σ²·e^h, |h| ≤ 4");
            ui.end_row();
            let label = ui.label("grid power");
            ui.add(super::drag_value(&mut config.sampler.grid_power, 1.0..=4.0).speed(0.05))
                .labelled_by(label.id)
                .on_hover_text("time grid t_k = 1 − (1 − k/T)^p: 2 makes the last step 1/T²");
            ui.end_row();
            let label = ui.label("guidance scale");
            ui.add(super::drag_value(&mut config.train.guidance_scale, 0.0..=100.0).speed(0.05))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("KL weight");
            ui.add(super::drag_value(&mut config.train.kl_weight, 0.0..=100.0).speed(0.05))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("forward KL weight");
            ui.add(super::drag_value(&mut config.train.forward_weight, 0.0..=100.0).speed(0.05))
                .labelled_by(label.id)
                .on_hover_text(
                    "RTB and VarGrad: add this × KL(target ‖ sampler), importance-weighted, on \
                     on-policy batches once exploration has ended: pulls mass into regions the \
                     sampler covers too thinly",
                );
            ui.end_row();
            let label = ui.label("seed");
            ui.add(egui::DragValue::new(&mut config.seed))
                .labelled_by(label.id);
            ui.end_row();
        });
    let pending = applied.as_ref().is_some_and(|a| {
        let mut a = a.clone();
        a.constraint = config.constraint.clone();
        a != *config
    });
    ui.horizontal(|ui| {
        let apply = egui::Button::new(if pending { "Apply ●" } else { "Apply" });
        if ui.add_enabled(pending, apply).clicked() {
            app.send(Command::Configure(Box::new(app.config.clone())));
        }
        if pending
            && ui.button("Revert").clicked()
            && let Some(a) = applied
        {
            let constraint = app.config.constraint.clone();
            app.config = a;
            app.config.constraint = constraint;
        }
    });
}
