//! `keyhook completions SHELL` and `keyhook man`: generated from the clap
//! definitions (clap_complete, clap_mangen), so they never drift from the flags.

use std::io::Write;

use clap::CommandFactory;

use keyhook::check::Status;
use keyhook::Error;

use super::{Cli, Globals, Output};

/// Arguments of `keyhook completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `keyhook man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write keyhook.1 and one page per subcommand (keyhook-scan.1, …) into DIR
    /// instead of keyhook.1 to standard output.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

fn io(source: std::io::Error) -> Error {
    Error::Io {
        path: "<output>".into(),
        source,
    }
}

/// Writes the completion script to stdout (or `--output`).
pub fn completions(globals: &Globals, args: &CompletionsArgs) -> Result<Status, Error> {
    let mut out = Output::open(globals)?;
    let mut cmd = Cli::command();
    // Rendered into memory first: clap_complete panics on a failed write, and a
    // closed pipe (`keyhook completions bash | head`) must not be a panic.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "keyhook", &mut script);
    out.writer
        .write_all(&script)
        .and_then(|()| out.writer.flush())
        .map_err(io)?;
    Ok(Status::Clean)
}

/// Writes the man page (roff, section 1), or every page into `--dir`.
pub fn man(globals: &Globals, args: &ManArgs) -> Result<Status, Error> {
    let cmd = Cli::command();
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir).map_err(io)?;
        clap_mangen::generate_to(cmd, dir).map_err(io)?;
        println!("wrote the keyhook man pages to {}", dir.display());
        return Ok(Status::Clean);
    }
    let mut out = Output::open(globals)?;
    clap_mangen::Man::new(cmd)
        .render(&mut out.writer)
        .map_err(io)?;
    out.writer.flush().map_err(io)?;
    Ok(Status::Clean)
}
