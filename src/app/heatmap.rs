//! The data view's background choice; the fields themselves are computed by the engine
//! (`constraint::field`, `math::field`) and coloured by `export::colour`.

/// What the data view draws under the samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum HeatmapKind {
    None,
    LogR,
    Prior,
    Posterior,
}

impl HeatmapKind {
    pub const ALL: [HeatmapKind; 4] = [Self::None, Self::LogR, Self::Prior, Self::Posterior];

    pub fn label(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::LogR => "log r",
            Self::Prior => "prior density",
            Self::Posterior => "reference posterior",
        }
    }
}
