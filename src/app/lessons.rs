//! Teaching presets: a config and a short text each, one click away in the Lessons menu.

use std::path::PathBuf;

use crate::constraint::ConstraintKind;
use crate::constraint::targets::EnergyConfig;
use crate::experiment::History;
use crate::experiment::config::{ExperimentConfig, ObjectiveKind, PriorKind};
use crate::experiment::worker::Command;

/// A shipped prior (`assets/priors/NAME`), found beside the sources or the executable.
pub fn shipped_prior(name: &str) -> Option<PathBuf> {
    shipped_asset("priors", name, "prior.toml")
}

/// A folder of `assets/KIND/NAME` holding `file`, beside the sources or the executable.
fn shipped_asset(kind: &str, name: &str, file: &str) -> Option<PathBuf> {
    let mut candidates = vec![
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("assets")
            .join(kind)
            .join(name),
    ];
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.parent()
    {
        candidates.push(dir.join("assets").join(kind).join(name));
    }
    candidates.push(PathBuf::from("assets").join(kind).join(name));
    candidates.into_iter().find(|p| p.join(file).is_file())
}

/// The app's first screen: the 25GMM diffusion prior and the 9-of-25 constraint, trained by RTB.
pub fn default_config() -> ExperimentConfig {
    let mut config = ExperimentConfig::from_toml(
        include_str!("../../examples/configs/rtb_9of25.toml"),
        "the built-in default experiment",
    )
    .unwrap_or_default();
    match shipped_prior("gmm25") {
        Some(path) => config.prior.path = Some(path.display().to_string()),
        None => {
            // No shipped prior next to this build: train a small one first (the prior panel
            // shows its progress).
            config.prior.path = None;
            config.prior.dataset = "gmm25".into();
            config.prior.iterations = 4000;
        }
    }
    config.eval.reference_samples = 50_000;
    config
}

pub struct Lesson {
    pub title: &'static str,
    pub text: &'static str,
    pub config: fn() -> ExperimentConfig,
}

pub const LESSONS: [Lesson; 9] = [
    Lesson {
        title: "Guidance is biased",
        text: "The prior is a diffusion model of the 25-Gaussian grid and the constraint keeps 9 of \
               the modes with new weights. DPS steers the prior's sampler with the gradient of log r \
               at a one-step guess of the end point: it needs no training, and the mode bars show \
               it is wrong — it over-weights some modes and misses mass elsewhere. Note its mode TV, \
               then set the objective to RTB, press Reset and Play (Space): RTB's bars converge to \
               the reference's.",
        config: lesson_guidance,
    },
    Lesson {
        title: "Off-policy exploration finds every mode",
        text: "Sampling the 25-Gaussian energy with plain on-policy trajectory balance: the sampler \
               locks onto the modes it found first, and 'modes covered' stalls. Turn on exploration \
               noise, the replay buffer, local search and the Langevin term in the sampler panel, \
               Apply and Play: all 25 modes are found, and mode TV falls towards 0.",
        config: lesson_exploration,
    },
    Lesson {
        title: "β sharpens the posterior",
        text: "The posterior is p(x)·r(x)^β. With β = 1 the 9 kept modes have the weights the \
               constraint gives; move the β slider up and the heaviest modes take over (the \
               reference bars change at once), down to 0 and the posterior is the prior again. \
               Training follows the new target without a restart.",
        config: lesson_beta,
    },
    Lesson {
        title: "Noise space is smoother",
        text: "The prior is a normalizing flow x = f(z) of the 25-Gaussian grid and the constraint \
               keeps 9 modes. The left view is the noise space z: its heatmap N(z)·r(f(z)) is a few \
               broad, smooth cells, while in data space (right) the same posterior is nine sharp \
               peaks; the grey lines are a regular z grid bent by f. Hover either view to see where \
               samples come from. Play: the sampler lives in z, against plain Brownian motion. Then \
               pick 'data x' under 'sampler lives in', Apply, and Play again: in x it misses modes \
               (measured at 3,000 iterations: 9/9 modes in z, 5/9 in x).",
        config: lesson_noise_space,
    },
    Lesson {
        title: "Sharp posteriors need small last steps",
        text: "Brownian motion as the prior and one coordinate observed with noise 0.05: the true \
               posterior is a slice 0.05 wide. On a uniform time grid the last step alone adds \
               noise σ/√T = 0.22, so the sampler cannot be that sharp: Play and watch its samples \
               stay wide and the IW estimate of log Z stay off. Then in the sampler panel set the \
               grid power to 2 (the last step becomes 1/T², its noise σ/T = 0.05) and tick \
               'learned variance', Apply, Reset and Play: the slice narrows to the reference's.",
        config: lesson_sharp,
    },
    Lesson {
        title: "The funnel's neck",
        text: "Neal's funnel in d = 10: x0 ~ N(0, 9) sets the scale e^(x0/2) of the other nine \
               coordinates. Where x0 is very negative (the neck) the target is a narrow spike that \
               still holds 9 % of the mass (x0 < -4); where x0 is large (the mouth) the others \
               spread far beyond the reference's σ. This lesson trains on-policy only: Play, then \
               open 'marginals' under the curves and compare x0 (blue: sampler, red: exact). \
               Measured at 4,000 iterations: the sampler never enters the neck (0 % of samples \
               at x0 < -4, x0 mean 2.1, neck_ks 0.60), because it learns only from where it \
               already goes. Then in the sampler panel turn on exploration, the replay buffer, \
               local search and the Langevin term, Apply, Reset and Play: they reach the neck \
               (17 % at x0 < -4 at 10,000 iterations, now too many) but miss the mouth (no \
               samples at x0 > 4, against 9 %), neck_ks 0.28. Doubling the network width \
               (hidden 128) halves that: neck_ks 0.15, still 23 % in the neck and 0.2 % in the \
               mouth. Then set the objective to VarGrad, as funnel.toml ships (log Z is the \
               batch's own estimate, not a learned number that lags): the neck gets its share \
               (10 % at x0 < -4), neck_ks 0.09-0.10 over three seeds; the mouth is still \
               missed (1 % at x0 > 4).",
        config: lesson_funnel,
    },
    Lesson {
        title: "Manywell: 65,536 modes",
        text: "Sixteen independent double wells in d = 32: every pair of coordinates has a left \
               and a right well (the right one holds 84.4 % of the mass), so the target has \
               2^16 = 65,536 modes and no sampler can show them one by one. The 'well balance' \
               bars show, per pair, the share of samples in the right well against the truth \
               (red line), updated live; the summary counts distinct well patterns among 2,000 \
               samples, next to the count for 2,000 exact samples (about 890: likely patterns \
               repeat). Pick any two coordinates for the data view above the trajectories: a pair \
               (x0, x1) shows its two wells, two first coordinates of different pairs (x0, x2) \
               show four.",
        config: lesson_manywell,
    },
    Lesson {
        title: "Guidance is biased on images too",
        text: "A VAE of Fashion-MNIST (14×14) is the prior, and a classifier asks for footwear: \
               r(x) = p(sandal, sneaker or ankle boot | x). Classifier guidance (here equal to DPS: \
               the sampler lives in the VAE's latent, where the reference has no drift) pushes \
               the prior's trajectories up the classifier's gradient. It needs no training, and \
               the class bars in the images tab show what it gets wrong against the reference \
               (importance resampling of 10⁵ prior samples). Set the objective to RTB, Reset and \
               Play: the bars and the Fréchet distance converge to the reference's.",
        config: lesson_image_guidance,
    },
    Lesson {
        title: "Inpainting: paint what is seen",
        text: "The top half of a Fashion-MNIST test image is observed with noise s = 0.1 and the \
               VAE prior must complete the rest: r(x) = exp(−‖M⊙(x − y)‖²/(2s²)). Beside the \
               grids, the observation shows the mask (hidden pixels are dimmed blue). Paint on it: \
               'hide' takes pixels out of the mask, 'observe' puts them back, 'draw' inks pixels \
               that the completions must then match. The sampler re-targets when the brush rests, \
               and the sampler grid follows: the observed region stays put while the hidden one \
               varies. In the noise view, the completions' classes show how many kinds of garment \
               fit what is seen.",
        config: lesson_inpainting,
    },
];

fn lesson_guidance() -> ExperimentConfig {
    let mut config = default_config();
    config.name = "lesson_guidance".into();
    config.train.objective = ObjectiveKind::Dps;
    config
}

fn lesson_image_guidance() -> ExperimentConfig {
    let mut config = shipped_lesson(
        include_str!("../../examples/configs/fashion_vae_footwear.toml"),
        "the built-in image guidance lesson",
        "lesson_image_guidance",
    );
    // The shipped config names its assets relative to its folder; the app has no such folder.
    config.prior.path = shipped_prior("fashion_vae").map(|p| p.display().to_string());
    if let Some(path) = shipped_asset("classifiers", "fashion14", "classifier.toml") {
        config.constraint.classifier.path = path.display().to_string();
    }
    config.train.objective = ObjectiveKind::Guidance;
    config
}

fn lesson_inpainting() -> ExperimentConfig {
    let mut config = shipped_lesson(
        include_str!("../../examples/configs/fashion_vae_inpaint.toml"),
        "the built-in inpainting lesson",
        "lesson_inpainting",
    );
    config.prior.path = shipped_prior("fashion_vae").map(|p| p.display().to_string());
    config.constraint.inpaint.classifier =
        shipped_asset("classifiers", "fashion14", "classifier.toml")
            .map(|p| p.display().to_string());
    config
}

fn lesson_exploration() -> ExperimentConfig {
    let mut config = shipped_lesson(
        include_str!("../../examples/configs/gmm25_energy.toml"),
        "the built-in exploration lesson",
        "lesson_exploration",
    );
    config.prior.kind = PriorKind::Brownian;
    config.constraint.kind = ConstraintKind::Energy;
    config.constraint.energy = EnergyConfig::default();
    config.train.exploration.std = 0.0;
    config.train.buffer.enabled = false;
    config.train.local_search.enabled = false;
    config.sampler.langevin = false;
    config
}

fn lesson_beta() -> ExperimentConfig {
    let mut config = default_config();
    config.name = "lesson_beta".into();
    config.constraint.beta = 2.0;
    // The slider sets the target's β directly; an annealing schedule would hide its effect.
    config.train.beta_anneal.enabled = false;
    config
}

fn lesson_noise_space() -> ExperimentConfig {
    let mut config = shipped_lesson(
        include_str!("../../examples/configs/outsourced_flow_9of25.toml"),
        "the built-in noise-space lesson",
        "lesson_noise_space",
    );
    match shipped_prior("gmm25_flow") {
        Some(path) => config.prior.path = Some(path.display().to_string()),
        None => {
            config.prior.path = None;
            config.prior.dataset = "gmm25".into();
        }
    }
    config.eval.reference_samples = 50_000;
    // A lesson must move in class: the config's wider network reaches a lower mode TV, but at
    // half the iterations per second.
    config.sampler.net.hidden = 64;
    config.sampler.net.depth = 2;
    config
}

impl super::StudioApp {
    /// Opens lesson `index`: its config on a fresh experiment, its text in a window.
    pub fn start_lesson(&mut self, index: usize) {
        let Some(lesson) = LESSONS.get(index) else {
            return;
        };
        let config = (lesson.config)();
        self.lesson = Some(index);
        self.history = History::default();
        self.info = None;
        self.send(Command::Configure(Box::new(config.clone())));
        self.config = config;
        // A lesson always starts from a fresh experiment, even with the same prior.
        self.send(Command::Reset);
        self.say(format!("lesson: {}", lesson.title));
    }
}

fn lesson_sharp() -> ExperimentConfig {
    let mut config = shipped_lesson(
        include_str!("../../examples/configs/sharp_gaussian.toml"),
        "the built-in sharp-posterior lesson",
        "lesson_sharp",
    );
    // The lesson starts from the process that cannot reach the target.
    config.sampler.grid_power = 1.0;
    config.sampler.learned_variance = false;
    config
}

fn lesson_funnel() -> ExperimentConfig {
    let mut config = shipped_lesson(
        include_str!("../../examples/configs/funnel.toml"),
        "the built-in funnel lesson",
        "lesson_funnel",
    );
    // The lesson starts on-policy with RTB: what the off-policy settings, the width and
    // VarGrad each fix is the point. It keeps the papers' width 64, twice as fast in class as
    // the config's 128.
    config.sampler.net.hidden = 64;
    config.train.objective = ObjectiveKind::Rtb;
    config.train.exploration.std = 0.0;
    config.train.buffer.enabled = false;
    config.train.local_search.enabled = false;
    config.sampler.langevin = false;
    config
}

fn lesson_manywell() -> ExperimentConfig {
    shipped_lesson(
        include_str!("../../examples/configs/manywell.toml"),
        "the built-in Many Well lesson",
        "lesson_manywell",
    )
}

/// A lesson built on a shipped config (compiled in, so a lesson never depends on files).
fn shipped_lesson(toml: &str, origin: &str, name: &str) -> ExperimentConfig {
    let mut config = ExperimentConfig::from_toml(toml, origin).unwrap_or_default();
    config.name = name.into();
    config
}
