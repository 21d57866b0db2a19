//! `keyhook install` / `keyhook uninstall`: write or remove the git hooks that run
//! keyhook. An existing hook is never clobbered: it is kept as
//! `<hook>.keyhook-chained` and run first (or replaced only with `--force`).

use std::path::{Path, PathBuf};

use keyhook::source::repo::{discover, hooks_dir};
use keyhook::Error;

use super::{Globals, Status};

/// Marks a hook file as written by keyhook.
const MARKER: &str = "# keyhook-managed hook";
/// Suffix of a pre-existing hook kept and chained.
const CHAINED_SUFFIX: &str = ".keyhook-chained";

/// Which hook to install (git's hook names).
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HookKind {
    /// Scan staged changes before each commit.
    PreCommit,
    /// Scan commits before each push.
    PrePush,
    /// Scan pushed commits on a server (bare repository).
    PreReceive,
}

impl HookKind {
    /// Git's file name for the hook, also keyhook's subcommand.
    pub fn name(self) -> &'static str {
        match self {
            HookKind::PreCommit => "pre-commit",
            HookKind::PrePush => "pre-push",
            HookKind::PreReceive => "pre-receive",
        }
    }

    /// pre-push and pre-receive read ref updates on stdin, which the chained hook
    /// needs too.
    fn reads_stdin(self) -> bool {
        !matches!(self, HookKind::PreCommit)
    }
}

/// Arguments of `keyhook install`.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// Which client hook to install (default: pre-commit).
    #[arg(long, value_enum, default_value_t = HookKind::PreCommit, conflicts_with = "server")]
    pub hook: HookKind,
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

/// The shell script git runs; it finds keyhook at the path it was installed from,
/// else on `PATH`.
pub fn hook_script(kind: HookKind, keyhook: &Path) -> String {
    let name = kind.name();
    let exe = shell_quote(&keyhook.to_string_lossy());
    let run = if kind.reads_stdin() {
        format!(
            "input=$(cat)\n\
             if [ -x \"$chained\" ]; then\n  printf '%s\\n' \"$input\" | \"$chained\" \"$@\" || exit $?\nfi\n\
             printf '%s\\n' \"$input\" | exec \"$keyhook\" {name} \"$@\"\n"
        )
    } else {
        format!(
            "if [ -x \"$chained\" ]; then\n  \"$chained\" \"$@\" || exit $?\nfi\n\
             exec \"$keyhook\" {name}\n"
        )
    };
    format!(
        "#!/bin/sh\n{MARKER}: runs `keyhook {name}`; `keyhook uninstall` removes it.\n\
         # A hook that was here before is kept as {name}{CHAINED_SUFFIX} and runs first.\n\
         keyhook={exe}\n\
         [ -x \"$keyhook\" ] || keyhook=keyhook\n\
         chained=\"$(dirname \"$0\")/{name}{CHAINED_SUFFIX}\"\n\
         {run}"
    )
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// What installing did.
#[derive(Debug, PartialEq, Eq)]
pub enum Installed {
    /// Wrote a new hook.
    New,
    /// Refreshed keyhook's own hook.
    Updated,
    /// Kept the existing hook as `<hook>.keyhook-chained`.
    Chained(PathBuf),
    /// Replaced the existing hook (`--force`).
    Replaced,
}

/// Writes hook `kind` into `dir`.
pub fn install_hook(
    dir: &Path,
    kind: HookKind,
    force: bool,
) -> Result<(PathBuf, Installed), Error> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let path = dir.join(kind.name());
    let chained = dir.join(format!("{}{CHAINED_SUFFIX}", kind.name()));
    let exe = std::env::current_exe().map_err(io(Path::new("keyhook")))?;
    let outcome = match std::fs::read(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Installed::New,
        Err(e) => return Err(Error::Io { path, source: e }),
        Ok(existing) if String::from_utf8_lossy(&existing).contains(MARKER) => Installed::Updated,
        Ok(_) if force => Installed::Replaced,
        Ok(_) => {
            if chained.exists() {
                return Err(Error::Usage(format!(
                    "{} exists and so does {}: keyhook will not overwrite either; move one away or use --force",
                    path.display(),
                    chained.display()
                )));
            }
            std::fs::rename(&path, &chained).map_err(io(&path))?;
            Installed::Chained(chained)
        }
    };
    std::fs::write(&path, hook_script(kind, &exe)).map_err(io(&path))?;
    make_executable(&path).map_err(io(&path))?;
    Ok((path, outcome))
}

#[cfg(unix)]
fn make_executable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Removes keyhook's hook `kind` from `dir`, restoring a chained hook. Returns what
/// was done, or `None` when keyhook had no hook there.
pub fn uninstall_hook(dir: &Path, kind: HookKind) -> Result<Option<String>, Error> {
    let path = dir.join(kind.name());
    let ours = std::fs::read(&path)
        .map(|b| String::from_utf8_lossy(&b).contains(MARKER))
        .unwrap_or(false);
    if !ours {
        return Ok(None);
    }
    let io = |source| Error::Io {
        path: path.clone(),
        source,
    };
    std::fs::remove_file(&path).map_err(io)?;
    let chained = dir.join(format!("{}{CHAINED_SUFFIX}", kind.name()));
    if chained.exists() {
        std::fs::rename(&chained, &path).map_err(io)?;
        return Ok(Some(format!(
            "removed {}; restored the hook that was there before",
            path.display()
        )));
    }
    Ok(Some(format!("removed {}", path.display())))
}

/// Where hooks go: the server repository's hooks, or this repository's.
fn target_dir(server: Option<&Path>) -> Result<PathBuf, Error> {
    let repo = match server {
        Some(path) => gix::open(path)
            .map_err(|e| Error::Usage(format!("{}: not a git repository: {e}", path.display())))?,
        None => discover(&super::current_dir()?)?,
    };
    Ok(hooks_dir(&repo))
}

/// `keyhook install`.
pub fn run_install(globals: &Globals, args: &InstallArgs) -> Result<Status, Error> {
    let kind = if args.server.is_some() {
        HookKind::PreReceive
    } else {
        args.hook
    };
    let dir = target_dir(args.server.as_deref())?;
    let (path, outcome) = install_hook(&dir, kind, args.force)?;
    let detail = match outcome {
        Installed::New => String::new(),
        Installed::Updated => " (updated keyhook's existing hook)".into(),
        Installed::Chained(chained) => format!(
            " (the existing hook was kept as {} and runs first)",
            chained.display()
        ),
        Installed::Replaced => " (replaced the existing hook: --force)".into(),
    };
    println!(
        "installed keyhook {} hook at {}{detail}",
        kind.name(),
        path.display()
    );
    if let Some(server) = &args.server {
        super::pre_receive::after_server_install(server, globals.config.as_deref())?;
    }
    Ok(Status::Clean)
}

/// `keyhook uninstall`.
pub fn run_uninstall(_globals: &Globals, args: &UninstallArgs) -> Result<Status, Error> {
    let dir = target_dir(args.server.as_deref())?;
    let kinds: &[HookKind] = if args.server.is_some() {
        &[HookKind::PreReceive]
    } else {
        &[HookKind::PreCommit, HookKind::PrePush]
    };
    let mut any = false;
    for kind in kinds {
        if let Some(done) = uninstall_hook(&dir, *kind)? {
            println!("{done}");
            any = true;
        }
    }
    if !any {
        println!("no keyhook hook installed in {}", dir.display());
    }
    Ok(Status::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_chains_and_uninstall_restores() {
        let dir = tempfile::tempdir().unwrap();
        let hooks = dir.path();
        std::fs::write(hooks.join("pre-commit"), "#!/bin/sh\necho mine\n").unwrap();
        let (_, outcome) = install_hook(hooks, HookKind::PreCommit, false).unwrap();
        assert!(matches!(outcome, Installed::Chained(_)));
        let (_, again) = install_hook(hooks, HookKind::PreCommit, false).unwrap();
        assert_eq!(again, Installed::Updated);
        assert!(uninstall_hook(hooks, HookKind::PreCommit)
            .unwrap()
            .is_some());
        assert_eq!(
            std::fs::read_to_string(hooks.join("pre-commit")).unwrap(),
            "#!/bin/sh\necho mine\n"
        );
        assert!(uninstall_hook(hooks, HookKind::PreCommit)
            .unwrap()
            .is_none());
    }

    #[test]
    fn script_quotes_the_path_and_passes_stdin() {
        let s = hook_script(HookKind::PrePush, Path::new("/opt/it's/keyhook"));
        assert!(s.contains(r#"keyhook='/opt/it'\''s/keyhook'"#), "{s}");
        assert!(s.contains("input=$(cat)"));
        assert!(!hook_script(HookKind::PreCommit, Path::new("/k")).contains("input="));
    }
}
