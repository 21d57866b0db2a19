//! `keyhook init`: make a repository safe in one command (see
//! [`keyhook::check::install::init`]).

use keyhook::check::{install, Status};
use keyhook::Error;

use super::Globals;

/// Arguments of `keyhook init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Do not install the pre-commit hook.
    #[arg(long)]
    pub no_hook: bool,
}

/// Runs `keyhook init` in the repository holding the current folder.
pub fn run(_globals: &Globals, args: &Args) -> Result<Status, Error> {
    for line in install::init(&super::current_dir()?, args.no_hook)? {
        super::tell(&line);
    }
    Ok(Status::Clean)
}
