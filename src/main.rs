//! `posterior-studio`: the desktop app without arguments, the headless engine with a command.

use std::process::ExitCode;

/// Training allocates and frees tensors of megabytes every iteration; the system allocator
/// hands such blocks back to the kernel each time, and page faults then cost a quarter of the
/// run time. mimalloc keeps them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use posterior_studio::cli::{self, Cli, Outcome};

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        return open_app(cli.backend);
    };
    match cli::run(&command) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Stopped) => ExitCode::from(2),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "gui")]
fn open_app(backend: Option<posterior_studio::backend::BackendChoice>) -> ExitCode {
    match posterior_studio::app::run(backend) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "gui"))]
fn open_app(_backend: Option<posterior_studio::backend::BackendChoice>) -> ExitCode {
    eprintln!("built without the `gui` feature; run `posterior-studio --help` for the commands");
    ExitCode::FAILURE
}
