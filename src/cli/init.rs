//! `keyhook init`: make a repository safe in one command — add the missing secret
//! patterns to `.gitignore`, write a starter `keyhook.toml`, install the pre-commit
//! hook. Running it again changes nothing.

use std::io::Write;
use std::path::Path;

use keyhook::config::CONFIG_FILE_NAME;
use keyhook::source::gitignore::missing_ignore_lines;
use keyhook::source::repo::{discover, hooks_dir};
use keyhook::Error;

use super::install::{install_hook, HookKind, Installed};
use super::{Globals, Status};

/// The commented starter configuration.
const STARTER_CONFIG: &str = include_str!("../../examples/keyhook.toml");
/// Heads the lines `init` appends to `.gitignore`.
const GITIGNORE_HEADER: &str = "# Added by `keyhook init`: files that hold secrets";

/// Arguments of `keyhook init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Do not install the pre-commit hook.
    #[arg(long)]
    pub no_hook: bool,
}

/// Runs `keyhook init` in the repository holding the current folder.
pub fn run(_globals: &Globals, args: &Args) -> Result<Status, Error> {
    let repo = discover(&super::current_dir()?)?;
    let root = repo
        .workdir()
        .ok_or_else(|| Error::Usage("init needs a work tree; this repository is bare".into()))?
        .to_path_buf();

    let missing = missing_ignore_lines(&repo)?;
    if missing.is_empty() {
        println!(".gitignore already covers .env, *.pem and credentials files");
    } else {
        append_gitignore(&root.join(".gitignore"), &missing)?;
        println!(".gitignore: added {}", missing.join(", "));
    }

    let config = root.join(CONFIG_FILE_NAME);
    if config.exists() {
        println!("{CONFIG_FILE_NAME} exists: left as it is");
    } else {
        std::fs::write(&config, STARTER_CONFIG).map_err(|source| Error::Io {
            path: config.clone(),
            source,
        })?;
        println!("wrote a commented starter {CONFIG_FILE_NAME}");
    }

    if !args.no_hook {
        let (path, outcome) = install_hook(&hooks_dir(&repo), HookKind::PreCommit, false)?;
        match outcome {
            Installed::Updated => {
                println!("pre-commit hook already installed at {}", path.display())
            }
            Installed::Chained(old) => println!(
                "installed the pre-commit hook at {} (the existing hook runs first, from {})",
                path.display(),
                old.display()
            ),
            Installed::New | Installed::Replaced => {
                println!("installed the pre-commit hook at {}", path.display())
            }
        }
    }
    Ok(Status::Clean)
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

#[cfg(test)]
mod tests {
    use super::*;

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
