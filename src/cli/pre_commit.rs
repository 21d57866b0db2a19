//! `keyhook pre-commit [FILE…]`: scan what is staged (the index, never the work
//! tree), added lines only; refuse forbidden files; check `.gitignore`.

use keyhook::check::{self, staged, Outcome, Repo};
use keyhook::Error;

use super::Globals;

/// Arguments of `keyhook pre-commit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scan the staged versions of exactly these files (as the pre-commit framework
    /// passes them); a listed file identical to HEAD is scanned whole.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
    /// Ask each provider whether the keys found are live (sends each key to its
    /// own provider's read-only endpoint; see README). Never changes the exit code.
    #[arg(long)]
    pub verify: bool,
}

/// Scans the staged changes of the repository holding the current folder.
pub fn run(globals: &Globals, args: &Args) -> Result<Outcome, Error> {
    let cwd = super::current_dir()?;
    let repo = Repo::discover(&cwd)?;
    let config = super::load_config(globals, repo.root())?;
    let policy = super::policy(globals, &config)?;
    let cx = staged::Context {
        repo: &repo,
        config: &config,
        policy: &policy,
        files: &args.files,
        cwd: &cwd,
    };
    staged::check(
        &cx,
        &check::Options {
            verify: args.verify,
            ..Default::default()
        },
    )
}
