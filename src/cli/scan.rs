//! `keyhook scan [PATH…]`: files, directories (walked like ripgrep) and stdin.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use keyhook::engine::Scanner;
use keyhook::policy::{Policy, Verdict};
use keyhook::report::Mode;
use keyhook::source::paths::{self, Entry, WalkOptions};
use keyhook::source::Target;
use keyhook::verify::Secrets;
use keyhook::Error;

use super::{Globals, Run};

/// Arguments of `keyhook scan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories to scan; `-` reads standard input. Default: `.`.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Also scan files that .gitignore and other ignore files exclude.
    #[arg(long)]
    pub no_ignore: bool,
    /// Ask each provider whether the keys found are live (sends each key to its
    /// own provider's read-only endpoint; see README). Never changes the exit code.
    #[arg(long)]
    pub verify: bool,
}

/// Scans the paths and returns the verdict.
pub fn run(globals: &Globals, args: &Args) -> Result<Run, Error> {
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let cwd = std::env::current_dir().map_err(|source| Error::Io {
        path: ".".into(),
        source,
    })?;
    // keyhook.toml at the root of the one directory scanned, else at the repository root.
    let config_root = match roots.as_slice() {
        [dir] if dir.is_dir() && dir.join(keyhook::config::CONFIG_FILE_NAME).is_file() => {
            cwd.join(dir)
        }
        _ => super::work_tree_root(&cwd).unwrap_or_else(|| cwd.clone()),
    };
    let config = super::load_config(globals, &config_root)?;
    let policy = super::policy(globals, &config)?;
    let scanner = Scanner::new(Arc::clone(&config.rules), config.scan.clone());
    let secrets = Secrets::new(args.verify);

    let options = WalkOptions {
        no_ignore: args.no_ignore,
        max_bytes: config.scan.max_bytes,
    };
    let (entries, unreadable) = paths::walk(&roots, &options)?;
    let base = PolicyBase {
        cwd: &cwd,
        config_root: &config_root,
    };
    let mut verdict = entries
        .par_iter()
        .map(|entry| scan_entry(&scanner, &secrets, &policy, &base, entry))
        .reduce(Verdict::default, |mut a, b| {
            a.merge(b);
            a
        });
    for u in unreadable {
        verdict.add_error(u.path, u.message);
    }
    if roots.iter().any(|r| r.as_os_str() == "-") {
        match paths::read_stdin_limited(config.scan.max_bytes) {
            Ok(target) => scan_target(&scanner, &secrets, &policy, &target, &mut verdict),
            Err(e) => verdict.add_error("<stdin>", e.to_string()),
        }
    }
    verdict
        .findings
        .sort_by(|a, b| (&a.path, a.finding.span.start).cmp(&(&b.path, b.finding.span.start)));
    verdict.errors.sort_by(|a, b| a.path.cmp(&b.path));
    super::verify_findings(&mut verdict, &config.rules, secrets, None)?;
    Ok(Run {
        mode: Mode::Scan,
        verdict,
        rules: Arc::clone(&config.rules),
    })
}

/// Allowlist globs are relative to the folder that holds the config.
struct PolicyBase<'a> {
    cwd: &'a Path,
    config_root: &'a Path,
}

impl PolicyBase<'_> {
    /// `path` relative to the config root (lexically, no syscalls), or as shown.
    fn relative(&self, path: &Path) -> String {
        let absolute = self.cwd.join(path);
        match absolute.strip_prefix(self.config_root) {
            Ok(relative) => paths::display_path(relative),
            Err(_) => paths::display_path(path),
        }
    }
}

fn scan_entry(
    scanner: &Scanner,
    secrets: &Secrets,
    policy: &Policy,
    base: &PolicyBase<'_>,
    entry: &Entry,
) -> Verdict {
    let mut verdict = Verdict::default();
    match entry {
        Entry::TooLarge(_) => verdict.count_skipped("too-large"),
        Entry::Skipped(_, reason) => verdict.count_skipped(reason),
        Entry::File(path) => {
            let shown = paths::display_path(path);
            if policy.path_allowed(&base.relative(path)) {
                verdict.summary.allowlisted_paths += 1;
                return verdict;
            }
            match paths::read_file_limited(path, scanner.options().max_bytes) {
                Ok(target) => scan_target(scanner, secrets, policy, &target, &mut verdict),
                Err(e) => verdict.add_error(shown, e.to_string()),
            }
        }
    }
    verdict
}

fn scan_target(
    scanner: &Scanner,
    secrets: &Secrets,
    policy: &Policy,
    target: &Target,
    verdict: &mut Verdict,
) {
    let outcome = secrets.scan(scanner, &target.bytes);
    policy.judge(scanner.rules(), target, outcome, verdict);
}
