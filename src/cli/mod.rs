//! The porcelain: clap arguments, config resolution, output and colour. Each
//! subcommand lives in its own module, calls one door of [`keyhook::check`] and
//! returns its [`Outcome`]; this module prints it.

mod audit;
mod init;
mod install;
mod pre_commit;
mod pre_push;
mod pre_receive;
mod progress;
mod rules;
mod scan;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use keyhook::check::{Outcome, Status};
use keyhook::config::Config;
use keyhook::policy::Policy;
use keyhook::report::{self, Format, ReportContext};
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
    if let Some(dir) = &cli.globals.chdir {
        // A folder that cannot be entered is a usage error, as for `git -C`.
        std::env::set_current_dir(dir)
            .map_err(|e| Error::Usage(format!("-C {}: {e}", dir.display())))?;
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
    };
    print(globals, &result)
}

/// Prints a door's verdict in the chosen format and returns its status. The status
/// is the verdict's: a closed or failing output ends the writing, never the decision
/// (`keyhook scan | head -1` over a key still exits 1).
pub fn print(globals: &Globals, run: &Outcome) -> Result<Status, Error> {
    print_within(globals, run, Vec::new(), None)
}

/// [`print`], then `after` on stderr, all of it given up after `deadline` (a git
/// server's client may stop reading: the hook must still end within its budget).
pub fn print_within(
    globals: &Globals,
    run: &Outcome,
    after: Vec<String>,
    deadline: Option<std::time::Duration>,
) -> Result<Status, Error> {
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
        framework: std::env::var_os("PRE_COMMIT").is_some_and(|v| v == "1"),
    };
    let mut rendered = Vec::new();
    report::write(format, &run.verdict, &context, &mut rendered).map_err(|source| Error::Io {
        path: "<report>".into(),
        source,
    })?;
    let write = move || {
        // A write error (a closed pipe, a full disk) only ends the writing.
        let _ = out
            .writer
            .write_all(&rendered)
            .and_then(|()| out.writer.flush());
        for line in after {
            say(&line);
        }
    };
    match deadline {
        None => write(),
        Some(deadline) => {
            let (done, wait) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                write();
                let _ = done.send(());
            });
            // On timeout the writer thread is left blocked; the process exits with
            // the verdict's code.
            let _ = wait.recv_timeout(deadline);
        }
    }
    Ok(run.status())
}

/// Writes one line to stderr, redacted (an error or a decision may quote a path, a
/// ref name or a config value); a closed stderr is ignored (never a panic).
pub fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{}", keyhook::engine::redact_text(line));
}

/// Where the report goes, and whether to colour it.
pub struct Output {
    /// The writer.
    pub writer: Box<dyn Write + Send>,
    /// Colour text.
    pub color: bool,
}

impl Output {
    /// Opens `--output FILE` or standard output.
    pub fn open(globals: &Globals) -> Result<Output, Error> {
        let (writer, terminal): (Box<dyn Write + Send>, bool) = match &globals.output {
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
pub fn load_config(globals: &Globals, root: &std::path::Path) -> Result<Config, Error> {
    keyhook::check::load_config(globals.config.as_deref(), root)
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
