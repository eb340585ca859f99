//! One experiment's every setting, as one serde struct: the TOML file of the CLI, the state of
//! the GUI's panels and the `config.toml` saved beside checkpoints are all this.

use serde::{Deserialize, Serialize};

use crate::backend::BackendChoice;
use crate::constraint::ConstraintConfig;
use crate::error::{Error, Result};
pub use crate::metrics::settings::EvalConfig;
pub use crate::objective::settings::{
    BetaAnnealConfig, BufferConfig, ExplorationConfig, HmcConfig, LocalSearchConfig, MalaConfig,
    ObjectiveKind, TrainConfig,
};
use crate::prior::SamplerSpace;
pub use crate::prior::settings::{PriorConfig, PriorKind};
pub use crate::sampler::settings::SamplerConfig;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExperimentConfig {
    /// A label for reports and saved files.
    pub name: String,
    /// Seeds every random draw: network initialisation, noise, buffers, metrics.
    pub seed: u64,
    /// Where tensors live: `auto` (a hardware GPU if there is one, else the CPU), `gpu`, `cpu`.
    pub backend: BackendChoice,
    pub prior: PriorConfig,
    pub constraint: ConstraintConfig,
    pub sampler: SamplerConfig,
    pub train: TrainConfig,
    pub eval: EvalConfig,
}

impl Default for ExperimentConfig {
    fn default() -> Self {
        Self {
            name: "experiment".into(),
            seed: 0,
            backend: BackendChoice::Auto,
            prior: PriorConfig::default(),
            constraint: ConstraintConfig::default(),
            sampler: SamplerConfig::default(),
            train: TrainConfig::default(),
            eval: EvalConfig::default(),
        }
    }
}

impl ExperimentConfig {
    /// Parses TOML text; `origin` names the file in error messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::bad_file(origin, toml_message(&e)))
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot serialise: {e}"))
    }

    /// Applies `key=value` overrides (`train.batch=500`, `constraint.beta=2`,
    /// `constraint.box.lower=[-1,-1]`). The value is read as TOML, or as a string when it is
    /// not valid TOML.
    pub fn with_overrides(&self, overrides: &[String]) -> Result<Self> {
        if overrides.is_empty() {
            return Ok(self.clone());
        }
        let mut value = toml::Value::try_from(self)
            .map_err(|e| Error::Unsupported(format!("cannot represent config: {e}")))?;
        for item in overrides {
            let Some((key, raw)) = item.split_once('=') else {
                return Err(Error::config(
                    item,
                    "an override must look like key=value, e.g. train.batch=500",
                ));
            };
            let key = key.trim();
            let new = parse_override_value(raw.trim());
            set_path(&mut value, key, new)?;
        }
        value
            .try_into()
            .map_err(|e: toml::de::Error| Error::config("--set", toml_message(&e)))
    }

    /// Checks values that serde cannot: each module's own ranges, then the combinations of
    /// settings from different modules.
    pub fn validate(&self) -> Result<()> {
        self.prior.validate()?;
        self.sampler.validate()?;
        self.train.validate()?;
        self.eval.validate()?;
        crate::validation::finite_positive("constraint.beta", self.constraint.beta)?;
        if self.train.local_search.enabled && self.prior.kind == PriorKind::Diffusion {
            return Err(Error::config(
                "train.local_search.enabled",
                "MALA needs the posterior density up to a constant, which a diffusion prior \
                 does not give; use it with a Brownian reference or a generator prior",
            ));
        }
        if self.train.buffer.known_hmc > 0 && self.prior.kind == PriorKind::Diffusion {
            return Err(Error::config(
                "train.buffer.known_hmc",
                "HMC needs the posterior density up to a constant, which a diffusion prior \
                 does not give; use it with a Brownian reference or a generator prior",
            ));
        }
        if self.sampler.space == SamplerSpace::Noise && !self.prior.kind.is_generator() {
            return Err(Error::config(
                "sampler.space",
                format!(
                    "`noise` needs a generator prior x = f(z) (prior.kind = \"flow\", \"vae\", \
                     \"gan\" or \"ode\"), not `{}`",
                    self.prior.kind.name()
                ),
            ));
        }
        if self.sampler.space == SamplerSpace::Data && !self.prior.kind.has_density() {
            return Err(Error::config(
                "sampler.space",
                format!(
                    "a {} prior has no density p(x), so its posterior cannot be sampled in \
                     data space: set sampler.space = \"noise\"",
                    self.prior.kind.name()
                ),
            ));
        }
        Ok(())
    }
}

fn toml_message(e: &toml::de::Error) -> String {
    // toml's Display spans several lines with a source excerpt; keep the first line and the
    // explanation, which name the key.
    let text = e.to_string();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('|') && !l.starts_with('^'))
        .collect();
    lines.join(": ")
}

fn parse_override_value(raw: &str) -> toml::Value {
    let wrapped = format!("v = {raw}");
    match toml::from_str::<toml::Table>(&wrapped) {
        Ok(mut table) => table
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.into())),
        Err(_) => toml::Value::String(raw.into()),
    }
}

fn set_path(root: &mut toml::Value, key: &str, new: toml::Value) -> Result<()> {
    let parts: Vec<&str> = key.split('.').collect();
    let mut node = root;
    for (i, part) in parts.iter().enumerate() {
        let Some(table) = node.as_table_mut() else {
            return Err(Error::config(
                key,
                format!("`{}` is not a section", parts[..i].join(".")),
            ));
        };
        if i + 1 == parts.len() {
            table.insert((*part).to_string(), new);
            return Ok(());
        }
        node = table
            .entry((*part).to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    }
    Err(Error::config(key, "empty key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_round_trips_through_toml() {
        let config = ExperimentConfig::default();
        let text = config.to_toml();
        assert_eq!(
            ExperimentConfig::from_toml(&text, "x.toml").unwrap(),
            config
        );
    }

    #[test]
    fn overrides_set_nested_fields() {
        let config = ExperimentConfig::default()
            .with_overrides(&[
                "train.batch=500".into(),
                "constraint.beta=2.5".into(),
                "train.objective=var_grad".into(),
                "train.grad_clip=10".into(),
            ])
            .unwrap();
        assert_eq!(config.train.batch, 500);
        assert_eq!(config.constraint.beta, 2.5);
        assert_eq!(config.train.objective, ObjectiveKind::VarGrad);
        assert_eq!(config.train.grad_clip, Some(10.0));
    }

    #[test]
    fn unknown_fields_are_named() {
        let err = ExperimentConfig::from_toml("[train]\nbatchsize = 3\n", "my.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("my.toml") && err.contains("batchsize"),
            "{err}"
        );
        let err = ExperimentConfig::default()
            .with_overrides(&["train.bach=3".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("bach"), "{err}");
    }

    #[test]
    fn invalid_values_name_their_field() {
        let mut config = ExperimentConfig::default();
        config.train.batch = 0;
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("train.batch")
        );
        let mut config = ExperimentConfig::default();
        config.constraint.beta = -1.0;
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("constraint.beta")
        );
    }
}
