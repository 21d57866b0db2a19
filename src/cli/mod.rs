//! The porcelain: clap arguments, config resolution, output and colour. Each
//! subcommand lives in its own module, calls one door of [`keyhook::check`] and
//! returns its [`Outcome`]; [`output`] prints it.

mod audit;
mod docs;
mod globals;
mod init;
mod install;
mod merge;
mod output;
mod pre_commit;
mod pre_push;
mod pre_receive;
mod progress;
mod rules;
mod scan;

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use keyhook::check::Status;
use keyhook::config::Config;
use keyhook::policy::Policy;
use keyhook::Error;

pub use globals::{ColorArg, FormatArg, Globals};
pub use output::{print, print_within, say, tell, Output};

/// keyhook: stop API keys from entering git history, and find the ones already there.
#[derive(Debug, Parser)]
#[command(name = "keyhook", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub globals: Globals,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files, directories or standard input (`-`).
    Scan(scan::Args),
    /// List the rules (or check their examples with --check).
    Rules(rules::Args),
    /// Scan what is staged (git pre-commit hook).
    PreCommit(pre_commit::Args),
    /// Scan the commits being pushed (git pre-push hook; reads git's stdin).
    PrePush(pre_push::Args),
    /// Scan pushed commits on a git server (pre-receive hook; reads git's stdin).
    PreReceive(pre_receive::Args),
    /// Install a hook (pre-commit by default; --server REPO for pre-receive).
    Install(install::InstallArgs),
    /// Remove keyhook's hooks, restoring any hook they chained.
    Uninstall(install::UninstallArgs),
    /// Add secret files to .gitignore, write a starter keyhook.toml, install the hook.
    Init(init::Args),
    /// Audit the whole history: every blob once, findings grouped by key.
    AuditHistory(audit::Args),
    /// Merge many audit JSON reports (one per repository) into one, grouped by key.
    MergeReports(merge::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(docs::CompletionsArgs),
    /// Print the man page (roff), or write every page with --dir.
    Man(docs::ManArgs),
}

/// The documented exit code of a status: `0` clean, `1` blocked, `3` incomplete.
pub fn exit_code(status: Status) -> i32 {
    match status {
        Status::Clean => 0,
        Status::Blocked => 1,
        Status::Incomplete => 3,
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<Status, Error> {
    let started = std::time::Instant::now();
    if let Some(dir) = &cli.globals.chdir {
        // A folder that cannot be entered is a usage error, as for `git -C`.
        std::env::set_current_dir(dir)
            .map_err(|e| Error::Usage(format!("-C {}: {e}", dir.display())))?;
    }
    if matches!(
        cli.command,
        Command::Scan(_)
            | Command::PreCommit(_)
            | Command::PrePush(_)
            | Command::PreReceive(_)
            | Command::AuditHistory(_)
    ) {
        start_builtin_rules();
    }
    let globals = &cli.globals;
    let result = match &cli.command {
        Command::Scan(args) => scan::run(globals, args)?,
        Command::Rules(args) => return rules::run(globals, args),
        Command::PreCommit(args) => pre_commit::run(globals, args)?,
        Command::PrePush(args) => pre_push::run(globals, args)?,
        Command::PreReceive(args) => return pre_receive::run(globals, args),
        Command::Install(args) => return install::run_install(globals, args),
        Command::Uninstall(args) => return install::run_uninstall(globals, args),
        Command::Init(args) => return init::run(globals, args),
        Command::AuditHistory(args) => audit::run(globals, args)?,
        Command::MergeReports(args) => return merge::run(globals, args),
        Command::Completions(args) => return docs::completions(globals, args),
        Command::Man(args) => return docs::man(globals, args),
    };
    let status = print(globals, &result);
    if globals.verbose {
        say(&format!(
            "keyhook: {} finished in {:.0} ms",
            result.mode.as_str(),
            started.elapsed().as_secs_f64() * 1000.0
        ));
    }
    status
}

/// Starts building the built-in rule set on another thread, so that it overlaps
/// finding the repository and its config on this one (the config then waits for
/// that build instead of starting its own). It is most of a hook's fixed start-up
/// cost; a config with rules of its own still shares its parse of the rule files.
fn start_builtin_rules() {
    std::thread::spawn(|| {
        // An error is reported by whichever caller needs the rules.
        let _ = keyhook::rules::RuleSet::builtin();
    });
}

/// Loads `--config`, else `keyhook.toml` in `root`, else the built-in defaults, then
/// narrows its rules to `--rule` / `--skip-rule`.
pub fn load_config(globals: &Globals, root: &std::path::Path) -> Result<Config, Error> {
    narrow(
        globals,
        keyhook::check::load_config(globals.config.as_deref(), root)?,
    )
}

/// Applies `--rule` / `--skip-rule` to a loaded config (an unknown id is a usage
/// error, exit 2), and with `-v` says which config and how many rules are in force.
pub fn narrow(globals: &Globals, mut config: Config) -> Result<Config, Error> {
    let (only, skip) = (&globals.only_rules, &globals.skip_rules);
    for (flag, id) in only
        .iter()
        .map(|id| ("--rule", id))
        .chain(skip.iter().map(|id| ("--skip-rule", id)))
    {
        if config.rules.find(id).is_none() {
            return Err(Error::Usage(format!(
                "{flag} {id}: no rule has this id (see `keyhook rules`; a rule the config disables cannot be chosen)"
            )));
        }
    }
    if !only.is_empty() || !skip.is_empty() {
        let keep = |r: &keyhook::rules::Rule| {
            (only.is_empty() || only.iter().any(|id| id == r.id()))
                && !skip.iter().any(|id| id == r.id())
        };
        config.rules = Arc::new(config.rules.select(keep)?);
    }
    if globals.verbose {
        say(&format!(
            "keyhook: config {}; {} rule(s) in force",
            config
                .source
                .as_ref()
                .map_or_else(|| "built-in defaults".into(), |p| p.display().to_string()),
            config.rules.rules().len()
        ));
    }
    Ok(config)
}

/// The policy of a run: config settings plus the baseline (`--baseline` wins).
pub fn policy(globals: &Globals, config: &Config) -> Result<Policy, Error> {
    keyhook::check::policy_for(globals.baseline.as_deref(), config)
}

/// The current folder.
pub fn current_dir() -> Result<PathBuf, Error> {
    std::env::current_dir().map_err(|source| Error::Io {
        path: ".".into(),
        source,
    })
}
