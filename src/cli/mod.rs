//! The porcelain: clap arguments, config resolution, output and colour. Each
//! subcommand lives in its own module and returns a [`Run`]; this module prints it.

mod audit;
mod blobs;
mod init;
mod install;
mod pack_pass;
mod pre_commit;
mod pre_push;
mod pre_receive;
mod rules;
mod scan;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use keyhook::config::{self, Config};
use keyhook::policy::{Baseline, Policy, Verdict};
use keyhook::report::{self, Format, Mode, ReportContext};
use keyhook::rules::RuleSet;
use keyhook::verify::{self, Secrets};
use keyhook::Error;

/// keyhook: stop API keys from entering git history, and find the ones already there.
#[derive(Debug, Parser)]
#[command(name = "keyhook", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub globals: Globals,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, clap::Args)]
pub struct Globals {
    /// Run as if keyhook was started in PATH (like `git -C`).
    #[arg(short = 'C', global = true, value_name = "PATH")]
    pub chdir: Option<PathBuf>,
    /// Configuration file (default: keyhook.toml at the repository or directory root).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// When to colour text output (NO_COLOR is honoured by `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Baseline file of accepted fingerprints (overrides `baseline` in the config).
    #[arg(long, global = true, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Human-readable, grouped.
    Text,
    /// Versioned JSON (see README).
    Json,
    /// SARIF 2.1.0.
    Sarif,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
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
}

/// What a subcommand produced: a verdict to print, for a mode.
pub struct Run {
    /// The door.
    pub mode: Mode,
    /// The verdict.
    pub verdict: Verdict,
    /// The rules the verdict refers to.
    pub rules: Arc<RuleSet>,
}

/// How the process ends (errors are mapped in `main`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing blocking: exit 0.
    Clean,
    /// Findings or forbidden files block: exit 1.
    Blocked,
    /// Something could not be read: exit 3.
    Incomplete,
}

impl Status {
    /// The documented exit code.
    pub fn code(self) -> i32 {
        match self {
            Status::Clean => 0,
            Status::Blocked => 1,
            Status::Incomplete => 3,
        }
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<Status, Error> {
    if let Some(dir) = &cli.globals.chdir {
        std::env::set_current_dir(dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
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
        Command::AuditHistory(args) => {
            let run = audit::run(globals, args)?;
            let status = print(globals, &run)?;
            // An audit that could not read everything is incomplete even when it
            // found keys: exit 3 tells the caller to look at `errors` (issue 5).
            return Ok(if run.verdict.errors.is_empty() {
                status
            } else {
                Status::Incomplete
            });
        }
    };
    print(globals, &result)
}

/// Prints a run's verdict in the chosen format and returns its status.
pub fn print(globals: &Globals, run: &Run) -> Result<Status, Error> {
    let format = match globals.format {
        FormatArg::Text => Format::Text,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
    };
    let mut out = Output::open(globals)?;
    let context = ReportContext {
        mode: run.mode,
        rules: &run.rules,
        color: out.color,
    };
    report::write(format, &run.verdict, &context, &mut out.writer)
        .and_then(|()| out.writer.flush())
        .map_err(|source| Error::Io {
            path: globals.output.clone().unwrap_or_else(|| "<stdout>".into()),
            source,
        })?;
    Ok(if run.verdict.blocked() {
        Status::Blocked
    } else if !run.verdict.errors.is_empty() {
        Status::Incomplete
    } else {
        Status::Clean
    })
}

/// Where the report goes, and whether to colour it.
pub struct Output {
    /// The writer.
    pub writer: Box<dyn Write>,
    /// Colour text.
    pub color: bool,
}

impl Output {
    /// Opens `--output FILE` or standard output.
    pub fn open(globals: &Globals) -> Result<Output, Error> {
        let (writer, terminal): (Box<dyn Write>, bool) = match &globals.output {
            Some(path) => {
                let file = std::fs::File::create(path).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
                (Box::new(std::io::BufWriter::new(file)), false)
            }
            None => (
                Box::new(std::io::BufWriter::new(std::io::stdout())),
                std::io::stdout().is_terminal(),
            ),
        };
        let color = match globals.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        };
        Ok(Output { writer, color })
    }
}

/// Loads `--config`, else `keyhook.toml` in `root`, else the built-in defaults.
pub fn load_config(globals: &Globals, root: &Path) -> Result<Config, Error> {
    let path = globals.config.clone().or_else(|| config::discover(root));
    Ok(match path {
        Some(path) => Config::load(&path)?,
        None => Config::builtin()?,
    })
}

/// Builds the policy of a run: config settings plus the baseline (`--baseline` wins).
pub fn policy(globals: &Globals, config: &Config) -> Result<Policy, Error> {
    policy_for(globals.baseline.as_deref(), config)
}

/// The policy of a run whose baseline is `baseline` if given, else the config's.
pub fn policy_for(baseline: Option<&Path>, config: &Config) -> Result<Policy, Error> {
    let baseline = match baseline.or(config.baseline.as_deref()) {
        Some(path) => Baseline::load(path)?,
        None => Baseline::default(),
    };
    Ok(Policy {
        block_severity: config.block_severity,
        allow_paths: config.allow_paths.clone(),
        baseline,
        forbidden: config.forbidden.clone(),
        inline_allow: keyhook::policy::InlineAllow::Honour,
    })
}

/// `--verify`: asks each provider, once per reported key, whether the key is live,
/// and attaches the answers; `cap` bounds each request's timeout. Blocking is left as it was: a revoked key is still a leak.
pub fn verify_findings(
    verdict: &mut Verdict,
    rules: &RuleSet,
    secrets: Secrets,
    cap: Option<std::time::Duration>,
) -> Result<(), Error> {
    if !secrets.enabled() {
        return Ok(());
    }
    let mut options = verify::Options::from_env()?;
    if let Some(cap) = cap {
        options.timeout = options.timeout.min(cap);
    }
    let results = secrets.verify(rules, &verdict.fingerprints(), &options)?;
    verdict.set_validations(&results);
    Ok(())
}

/// The current folder.
pub fn current_dir() -> Result<PathBuf, Error> {
    std::env::current_dir().map_err(|source| Error::Io {
        path: ".".into(),
        source,
    })
}

/// The work tree root holding `dir` (the folder with `.git`), if any.
pub fn work_tree_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}
