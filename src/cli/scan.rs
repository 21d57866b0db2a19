//! `keyhook scan [PATH…]`: files, directories (walked like ripgrep) and stdin.

use std::path::PathBuf;

use keyhook::check::{self, paths, Outcome};
use keyhook::Error;

use super::Globals;

/// Arguments of `keyhook scan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories to scan; `-` reads standard input. Default: `.`.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Also scan files that .gitignore and other ignore files exclude.
    #[arg(long)]
    pub no_ignore: bool,
    /// Ask each provider whether the keys found are live (sends each key to its
    /// own provider's read-only endpoint; see README). Never changes the exit code.
    #[arg(long)]
    pub verify: bool,
}

/// Scans the paths and returns the verdict.
pub fn run(globals: &Globals, args: &Args) -> Result<Outcome, Error> {
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let cwd = super::current_dir()?;
    let config_root = paths::config_root(&roots, &cwd);
    let config = super::load_config(globals, &config_root)?;
    let policy = super::policy(globals, &config)?;
    let cx = paths::Context {
        roots: &roots,
        cwd: &cwd,
        config_root: &config_root,
        config: &config,
        policy: &policy,
        no_ignore: args.no_ignore,
    };
    paths::check(
        &cx,
        &check::Options {
            verify: args.verify,
            ..Default::default()
        },
    )
}
