//! Installing and removing the git hooks that run keyhook, and `init`'s one-command
//! set-up. An existing hook is never clobbered: it is kept as
//! `<hook>.keyhook-chained` and run first (or replaced only with `--force`). Each
//! function says what it did in lines for the caller to print.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::CONFIG_FILE_NAME;
use crate::source::gitignore::missing_ignore_lines;
use crate::source::repo::{hooks_dir, GitError};
use crate::Error;

use super::Repo;

/// The commented starter configuration.
const STARTER_CONFIG: &str = include_str!("../../examples/keyhook.toml");
/// Heads the lines `init` appends to `.gitignore`.
const GITIGNORE_HEADER: &str = "# Added by `keyhook init`: files that hold secrets";

/// Marks a hook file as written by keyhook.
const MARKER: &str = "# keyhook-managed hook";
/// Suffix of a pre-existing hook kept and chained.
const CHAINED_SUFFIX: &str = ".keyhook-chained";

/// Which hook to install (git's hook names).
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// The shell script git runs; it finds keyhook at the path it was installed from,
/// else on `PATH`. With no chained hook it is one `exec`: no `dirname`, and stdin is
/// buffered (`cat`) only for a chained hook that needs it too (each process a
/// hook starts is a millisecond or more of a push on a loaded server).
pub fn hook_script(kind: HookKind, keyhook: &Path) -> String {
    let name = kind.name();
    let exe = shell_quote(&keyhook.to_string_lossy());
    // pre-commit gets no arguments from git, and keyhook's would name files to scan
    // instead of the whole index: none are passed on.
    let (chained, args) = if kind.reads_stdin() {
        let chained = format!(
            "  input=$(cat)\n\
             \x20 printf '%s\\n' \"$input\" | \"$chained\" \"$@\" || exit $?\n\
             \x20 printf '%s\\n' \"$input\" | exec \"$keyhook\" {name} \"$@\"\n"
        );
        (chained, " \"$@\"")
    } else {
        ("  \"$chained\" \"$@\" || exit $?\n".to_string(), "")
    };
    format!(
        "#!/bin/sh\n{MARKER}: runs `keyhook {name}`; `keyhook uninstall` removes it.\n\
         # A hook that was here before is kept as {name}{CHAINED_SUFFIX} and runs first.\n\
         keyhook={exe}\n\
         [ -x \"$keyhook\" ] || keyhook=keyhook\n\
         case $0 in\n\
         \x20 */*) chained=\"${{0%/*}}/{name}{CHAINED_SUFFIX}\" ;;\n\
         \x20 *) chained=\"./{name}{CHAINED_SUFFIX}\" ;;\n\
         esac\n\
         if [ -x \"$chained\" ]; then\n\
         {chained}\
         fi\n\
         exec \"$keyhook\" {name}{args}\n"
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

/// Where hooks go: the server repository's hooks (`server`), or those of the
/// repository holding `cwd`.
pub fn target_dir(server: Option<&Path>, cwd: &Path) -> Result<PathBuf, Error> {
    let repo = match server {
        Some(path) => Repo::open(path)?,
        None => Repo::discover(cwd)?,
    };
    Ok(hooks_dir(repo.gix())?)
}

/// Whether git itself would run an installed hook.
#[derive(Debug, PartialEq, Eq)]
pub enum HookCheck {
    /// `git rev-parse --git-path hooks/<name>` names the installed file.
    Agrees,
    /// git runs this file instead.
    Disagrees(PathBuf),
    /// git could not be asked (not installed, or it failed): why.
    Unknown(String),
}

/// What to tell the user about a [`HookCheck`]: a line when git runs the hook (or
/// could not be asked), an error when git runs another file, so nobody believes
/// in a hook git never runs.
pub fn hook_check_line(
    check: &HookCheck,
    kind: HookKind,
    installed: &Path,
) -> Result<String, Error> {
    let name = kind.name();
    match check {
        HookCheck::Agrees => Ok(format!(
            "verified: git runs this hook (git rev-parse --git-path hooks/{name} names {})",
            installed.display()
        )),
        HookCheck::Unknown(why) => Ok(format!(
            "not verified: could not ask git where it runs hooks ({why})"
        )),
        HookCheck::Disagrees(git) => Err(GitError::Unsupported(format!(
            "installed {} but git runs hooks/{name} from {} (git rev-parse --git-path hooks/{name}): check core.hooksPath (git config --show-origin --get-all core.hooksPath)",
            installed.display(),
            git.display()
        ))
        .into()),
    }
}

/// Asks git where it runs hook `kind` from (`git rev-parse --git-path hooks/<name>`,
/// which applies `core.hooksPath` exactly as git's hook runner does) for the
/// repository at `server`, or the one holding `cwd`, and compares it with
/// `installed`.
pub fn verify_hook(
    server: Option<&Path>,
    cwd: &Path,
    kind: HookKind,
    installed: &Path,
) -> HookCheck {
    let repo = match server {
        Some(path) => Repo::open(path).map_err(|e| e.to_string()),
        None => Repo::discover(cwd).map_err(|e| e.to_string()),
    };
    let repo = match repo {
        Ok(repo) => repo,
        Err(e) => return HookCheck::Unknown(e),
    };
    // Run where git runs hooks, so a relative answer is relative to that folder.
    let dir = repo.root().to_path_buf();
    let output = std::process::Command::new("git")
        .current_dir(&dir)
        .args(["rev-parse", "--git-path"])
        .arg(format!("hooks/{}", kind.name()))
        .stdin(std::process::Stdio::null())
        .output();
    let output = match output {
        Ok(o) if o.status.success() => o,
        Ok(o) => return HookCheck::Unknown(String::from_utf8_lossy(&o.stderr).trim().to_string()),
        Err(e) => return HookCheck::Unknown(format!("cannot run git: {e}")),
    };
    let answer = String::from_utf8_lossy(&output.stdout)
        .trim_end_matches(['\n', '\r'])
        .to_string();
    let git_path = dir.join(answer);
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    if same(&git_path, installed) {
        HookCheck::Agrees
    } else {
        HookCheck::Disagrees(git_path)
    }
}

/// `init`: adds the missing secret patterns to `.gitignore`, writes a starter
/// `keyhook.toml` and (unless `no_hook`) installs the pre-commit hook in the
/// repository holding `cwd`. Running it again changes nothing. Returns what it did.
pub fn init(cwd: &Path, no_hook: bool) -> Result<Vec<String>, Error> {
    let repo = Repo::discover(cwd)?;
    let root = repo
        .work_tree()
        .ok_or_else(|| Error::Usage("init needs a work tree; this repository is bare".into()))?
        .to_path_buf();
    let mut done = Vec::new();

    let missing = missing_ignore_lines(repo.gix())?;
    if missing.is_empty() {
        done.push(".gitignore already covers .env, *.pem and credentials files".to_string());
    } else {
        append_gitignore(&root.join(".gitignore"), &missing)?;
        done.push(format!(".gitignore: added {}", missing.join(", ")));
    }

    let config = root.join(CONFIG_FILE_NAME);
    if config.exists() {
        done.push(format!("{CONFIG_FILE_NAME} exists: left as it is"));
    } else {
        std::fs::write(&config, STARTER_CONFIG).map_err(|source| Error::Io {
            path: config.clone(),
            source,
        })?;
        done.push(format!("wrote a commented starter {CONFIG_FILE_NAME}"));
    }

    if !no_hook {
        let (path, outcome) = install_hook(&hooks_dir(repo.gix())?, HookKind::PreCommit, false)?;
        done.push(match outcome {
            Installed::Updated => {
                format!("pre-commit hook already installed at {}", path.display())
            }
            Installed::Chained(old) => format!(
                "installed the pre-commit hook at {} (the existing hook runs first, from {})",
                path.display(),
                old.display()
            ),
            Installed::New | Installed::Replaced => {
                format!("installed the pre-commit hook at {}", path.display())
            }
        });
        done.push(hook_check_line(
            &verify_hook(None, cwd, HookKind::PreCommit, &path),
            HookKind::PreCommit,
            &path,
        )?);
    }
    Ok(done)
}

/// Appends `lines` under a header, keeping the existing bytes as they are.
fn append_gitignore(path: &Path, lines: &[&str]) -> Result<(), Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let existing = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(io(e)),
    };
    let mut text = String::new();
    if !existing.is_empty() {
        if !existing.ends_with(b"\n") {
            text.push('\n');
        }
        text.push('\n');
    }
    text.push_str(GITIGNORE_HEADER);
    text.push('\n');
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)
}

/// After `install --server`: turn on push options when the server allows bypasses.
/// `explicit` is `--config`, as the hook would be given it. Returns what it did.
pub fn after_server_install(server: &Path, explicit: Option<&Path>) -> Result<Vec<String>, Error> {
    let repo = Repo::open(server)?;
    let config = super::server_config(explicit, &repo)?;
    let mut done = Vec::new();
    if config.pre_receive.allow_push_option_bypass {
        enable_push_options(repo.git_dir())?;
        done.push("bypass is enabled: set receive.advertisePushOptions = true".into());
    }
    done.push(format!(
        "server policy: {} (put keyhook.toml in {} or set `git config keyhook.config PATH`)",
        config
            .source
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "built-in defaults".into()),
        repo.git_dir().display()
    ));
    Ok(done)
}

/// `git config receive.advertisePushOptions true` in `git_dir`: without it git
/// refuses `git push -o` before any hook runs ("the receiving end does not support
/// push options"), so a bypass the server's config allows could never be asked for.
pub(crate) fn enable_push_options(git_dir: &Path) -> Result<(), Error> {
    let status = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args(["config", "receive.advertisePushOptions", "true"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|source| Error::Io {
            path: "git".into(),
            source,
        })?;
    if !status.success() {
        return Err(GitError::Unsupported(
            "git config receive.advertisePushOptions true failed".into(),
        )
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hook_git_does_not_run_is_an_error_naming_where_git_looks() {
        let installed = Path::new("/repo/~/.githooks/pre-commit");
        let git = PathBuf::from("/home/u/.githooks/pre-commit");
        let err = hook_check_line(&HookCheck::Disagrees(git), HookKind::PreCommit, installed)
            .unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert!(
            err.to_string().contains("/home/u/.githooks/pre-commit"),
            "{err}"
        );
        let ok = hook_check_line(&HookCheck::Agrees, HookKind::PreCommit, installed).unwrap();
        assert!(ok.starts_with("verified: git runs this hook"), "{ok}");
        let unknown = hook_check_line(
            &HookCheck::Unknown("no git".into()),
            HookKind::PrePush,
            installed,
        );
        assert!(unknown.unwrap().starts_with("not verified"));
    }

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
        // Without a chained hook nothing runs before keyhook: no dirname, no cat.
        assert!(!s.contains("dirname"), "{s}");
        let buffered = s.find("input=$(cat)").unwrap();
        assert!(s.find("if [ -x \"$chained\" ]").unwrap() < buffered, "{s}");
        assert!(
            s.ends_with("fi\nexec \"$keyhook\" pre-push \"$@\"\n"),
            "{s}"
        );
    }

    #[test]
    fn appends_after_user_lines_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".gitignore");
        std::fs::write(&path, "target\r\n# mine\nnode_modules").unwrap();
        append_gitignore(&path, &[".env", "*.pem"]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            format!("target\r\n# mine\nnode_modules\n\n{GITIGNORE_HEADER}\n.env\n*.pem\n")
        );
    }
}
