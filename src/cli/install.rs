//! `keyhook install` / `keyhook uninstall`: write or remove the git hooks that run
//! keyhook (see [`keyhook::check::install`]).

use std::path::PathBuf;

use keyhook::check::install::{self, HookKind, Installed};
use keyhook::check::Status;
use keyhook::Error;

use super::Globals;

/// Which hook to install (git's hook names).
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HookArg {
    /// Scan staged changes before each commit.
    PreCommit,
    /// Scan commits before each push.
    PrePush,
    /// Scan pushed commits on a server (bare repository).
    PreReceive,
}

impl From<HookArg> for HookKind {
    fn from(arg: HookArg) -> HookKind {
        match arg {
            HookArg::PreCommit => HookKind::PreCommit,
            HookArg::PrePush => HookKind::PrePush,
            HookArg::PreReceive => HookKind::PreReceive,
        }
    }
}

/// Arguments of `keyhook install`.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// Which client hook to install (default: pre-commit).
    #[arg(long, value_enum, default_value_t = HookArg::PreCommit, conflicts_with = "server")]
    pub hook: HookArg,
    /// Install the pre-receive hook into this server-side (bare) repository.
    #[arg(long, value_name = "REPO")]
    pub server: Option<PathBuf>,
    /// Replace an existing hook instead of chaining it.
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `keyhook uninstall`.
#[derive(Debug, clap::Args)]
pub struct UninstallArgs {
    /// Remove the pre-receive hook from this server-side repository.
    #[arg(long, value_name = "REPO")]
    pub server: Option<PathBuf>,
}

/// `keyhook install`.
pub fn run_install(globals: &Globals, args: &InstallArgs) -> Result<Status, Error> {
    let kind = if args.server.is_some() {
        HookKind::PreReceive
    } else {
        args.hook.into()
    };
    let cwd = super::current_dir()?;
    let dir = install::target_dir(args.server.as_deref(), &cwd)?;
    let (path, outcome) = install::install_hook(&dir, kind, args.force)?;
    let detail = match outcome {
        Installed::New => String::new(),
        Installed::Updated => " (updated keyhook's existing hook)".into(),
        Installed::Chained(chained) => format!(
            " (the existing hook was kept as {} and runs first)",
            chained.display()
        ),
        Installed::Replaced => " (replaced the existing hook: --force)".into(),
    };
    super::tell(&format!(
        "installed keyhook {} hook at {}{detail}",
        kind.name(),
        path.display()
    ));
    // A hook git would not run is an error whatever -q says.
    let check = install::verify_hook(args.server.as_deref(), &cwd, kind, &path);
    let verified = install::hook_check_line(&check, kind, &path)?;
    let mut more = vec![verified];
    if let Some(server) = &args.server {
        more.extend(install::after_server_install(
            server,
            globals.config.as_deref(),
        )?);
    }
    if !globals.quiet {
        for line in more {
            super::tell(&line);
        }
    }
    Ok(Status::Clean)
}

/// `keyhook uninstall`.
pub fn run_uninstall(_globals: &Globals, args: &UninstallArgs) -> Result<Status, Error> {
    let dir = install::target_dir(args.server.as_deref(), &super::current_dir()?)?;
    let kinds: &[HookKind] = if args.server.is_some() {
        &[HookKind::PreReceive]
    } else {
        &[HookKind::PreCommit, HookKind::PrePush]
    };
    let mut any = false;
    for kind in kinds {
        if let Some(done) = install::uninstall_hook(&dir, *kind)? {
            super::tell(&done);
            any = true;
        }
    }
    if !any {
        super::tell(&format!("no keyhook hook installed in {}", dir.display()));
    }
    Ok(Status::Clean)
}
