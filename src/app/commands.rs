//! The app's actions, each with its label, keyboard shortcut and handler in one place: the
//! menu bar, the keyboard and the F1 help are all made from [`AppCommand::ALL`].

use eframe::egui::{self, Key, Modifiers};

use super::StudioApp;
use super::background::Purpose;
use crate::experiment::History;
use crate::experiment::worker::Command;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppCommand {
    PlayPause,
    Step,
    Reset,
    Evaluate,
    TimeBack,
    TimeForward,
    Save,
    Open,
    Help,
    ClearSelection,
}

impl AppCommand {
    pub const ALL: [Self; 10] = [
        Self::PlayPause,
        Self::Step,
        Self::Reset,
        Self::Evaluate,
        Self::TimeBack,
        Self::TimeForward,
        Self::Save,
        Self::Open,
        Self::Help,
        Self::ClearSelection,
    ];

    /// What the help says the command does.
    pub fn description(self) -> &'static str {
        match self {
            Self::PlayPause => "play / pause training",
            Self::Step => "one training step",
            Self::Reset => "reset the sampler (the prior is kept)",
            Self::Evaluate => "evaluate now (metrics, mode bars)",
            Self::TimeBack => "trajectory time one step back",
            Self::TimeForward => "trajectory time one step on",
            Self::Save => "save the experiment (a folder)",
            Self::Open => "open an experiment",
            Self::Help => "this help",
            Self::ClearSelection => "clear the brushed selection",
        }
    }

    /// The label of its button or menu entry.
    pub fn label(self, app: &StudioApp) -> &'static str {
        match self {
            Self::PlayPause if app.playing => "▮▮ Pause",
            Self::PlayPause => "▶ Play",
            Self::Step => "Step",
            Self::Reset => "Reset",
            Self::Evaluate => "Evaluate",
            Self::TimeBack => "◀ Time",
            Self::TimeForward => "Time ▶",
            Self::Save => "Save experiment…",
            Self::Open => "Open experiment…",
            Self::Help => "Help",
            Self::ClearSelection => "Clear selection",
        }
    }

    pub fn shortcut(self) -> (Modifiers, Key) {
        match self {
            Self::PlayPause => (Modifiers::NONE, Key::Space),
            Self::Step => (Modifiers::NONE, Key::S),
            Self::Reset => (Modifiers::NONE, Key::R),
            Self::Evaluate => (Modifiers::NONE, Key::E),
            Self::TimeBack => (Modifiers::NONE, Key::ArrowLeft),
            Self::TimeForward => (Modifiers::NONE, Key::ArrowRight),
            Self::Save => (Modifiers::COMMAND, Key::S),
            Self::Open => (Modifiers::COMMAND, Key::O),
            Self::Help => (Modifiers::NONE, Key::F1),
            Self::ClearSelection => (Modifiers::NONE, Key::Escape),
        }
    }

    /// The shortcut as the help and the tooltips write it.
    pub fn shortcut_text(self) -> String {
        let (modifiers, key) = self.shortcut();
        let key = match key {
            Key::ArrowLeft => "←",
            Key::ArrowRight => "→",
            other => other.name(),
        };
        if modifiers.command {
            format!("Ctrl+{key}")
        } else {
            key.to_string()
        }
    }

    pub fn run(self, app: &mut StudioApp) {
        match self {
            Self::PlayPause => app.send(if app.playing {
                Command::Pause
            } else {
                Command::Play
            }),
            Self::Step => app.send(Command::Step),
            Self::Reset => {
                app.history = History::default();
                app.send(Command::Reset);
            }
            Self::Evaluate => app.send(Command::Evaluate),
            Self::TimeBack => app.time.index = app.time.index.saturating_sub(1),
            Self::TimeForward => {
                app.time.index = (app.time.index + 1).min(app.config.sampler.steps);
            }
            Self::Save => app
                .background
                .dialog(Purpose::SaveExperiment, true, &[], ""),
            Self::Open => app
                .background
                .dialog(Purpose::OpenExperiment, false, &[], ""),
            Self::Help => app.show_help = !app.show_help,
            Self::ClearSelection => app.selection.clear(),
        }
    }

    /// A button that runs the command, with its shortcut as the tooltip.
    pub fn button(self, app: &mut StudioApp, ui: &mut egui::Ui) {
        let label = self.label(app);
        if ui
            .button(label)
            .on_hover_text(self.shortcut_text())
            .clicked()
        {
            self.run(app);
        }
    }
}

/// Runs the commands whose shortcuts were pressed this frame (none while a text field has
/// the keyboard).
pub fn keyboard(app: &mut StudioApp, ctx: &egui::Context) {
    if ctx.memory(|m| m.focused().is_some()) {
        return;
    }
    for command in AppCommand::ALL {
        let (modifiers, key) = command.shortcut();
        if ctx.input_mut(|i| i.consume_key(modifiers, key)) {
            command.run(app);
        }
    }
}

/// The F1 help: every command with its shortcut, then how the views are used.
pub fn help_text() -> String {
    let mut text = String::from("Posterior Studio trains a diffusion sampler of p(x)·r(x)^β.\n\n");
    for command in AppCommand::ALL {
        text.push_str(&format!(
            "{:<7}{}\n",
            command.shortcut_text(),
            command.description()
        ));
    }
    text.push_str(
        "\nData view tools: Navigate (drag to pan, scroll to zoom), Edit (click to place an \
         observation, drag box corners, the annulus centre or rim, the half-plane boundary), \
         Sketch (paint r; the sketch becomes a grid constraint).\n\n\
         Generator priors: hover a view, or Shift + drag a box in it, to highlight the same \
         samples in the noise view (z) and the data view (x = f(z)); a click or Esc clears the \
         box.",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_its_own_shortcut_and_the_help_lists_it() {
        let help = help_text();
        for (i, a) in AppCommand::ALL.iter().enumerate() {
            assert!(
                help.contains(a.description()),
                "{a:?} missing from the help"
            );
            for b in &AppCommand::ALL[i + 1..] {
                assert_ne!(a.shortcut(), b.shortcut(), "{a:?} and {b:?} share a key");
            }
        }
        assert_eq!(AppCommand::Save.shortcut_text(), "Ctrl+S");
    }
}
