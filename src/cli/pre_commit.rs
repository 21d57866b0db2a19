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
    // The rules load on a second thread while this one reads the index and HEAD:
    // each is a few milliseconds of a hook that should take twenty.
    let root = repo.root().to_path_buf();
    let (config, staged) = std::thread::scope(|scope| {
        let config = scope.spawn(|| super::load_config(globals, &root));
        let staged = staged::read(&repo, &args.files, &cwd);
        (
            config.join().expect("loading the config does not panic"),
            staged,
        )
    });
    let config = config?;
    let staged = staged?;
    let policy = super::policy(globals, &config)?;
    let cx = staged::Context {
        repo: &repo,
        config: &config,
        policy: &policy,
        files: &args.files,
        cwd: &cwd,
    };
    staged::check_read(
        &cx,
        &staged,
        &check::Options {
            verify: args.verify,
            ..Default::default()
        },
    )
}
