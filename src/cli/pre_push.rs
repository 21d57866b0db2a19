//! `keyhook pre-push`: git's pre-push hook. Reads `<local ref> <local oid> <remote
//! ref> <remote oid>` lines and scans the commits the remote does not have yet,
//! added lines only.

use keyhook::check::{self, push, Outcome, Repo};
use keyhook::Error;

use super::Globals;

/// Arguments of `keyhook pre-push` (git passes both).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Name of the remote being pushed to.
    pub remote: Option<String>,
    /// URL of the remote.
    pub url: Option<String>,
    /// Ask each provider whether the keys found are live (sends each key to its
    /// own provider's read-only endpoint; see README). Never changes the exit code.
    #[arg(long)]
    pub verify: bool,
}

/// Scans the commits being pushed.
pub fn run(globals: &Globals, args: &Args) -> Result<Outcome, Error> {
    let repo = Repo::discover(&super::current_dir()?)?;
    let config = super::load_config(globals, repo.root())?;
    let policy = super::policy(globals, &config)?;
    let input = push::read_updates(&repo, std::io::stdin().lock())?;
    let cx = push::Context {
        repo: &repo,
        config: &config,
        policy: &policy,
        remote: args.remote.as_deref().or(input.remote.as_deref()),
        updates: &input.updates,
    };
    push::check(
        &cx,
        &check::Options {
            verify: args.verify,
            ..Default::default()
        },
    )
}
