//! The scan door: files, directories (walked like ripgrep) and standard input.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::engine::Scanner;
use crate::policy::{Policy, Verdict};
use crate::report::Mode;
use crate::source::paths::{self, Entry, WalkOptions};
use crate::source::Target;
use crate::verify::Secrets;
use crate::Error;

use super::{Options, Outcome};

/// What the scan door checks.
pub struct Context<'a> {
    /// Files or directories; `-` is standard input.
    pub roots: &'a [PathBuf],
    /// The folder relative paths start from.
    pub cwd: &'a Path,
    /// The folder holding the config: allowlist globs are relative to it (see
    /// [`config_root`]).
    pub config_root: &'a Path,
    /// The config in force.
    pub config: &'a Config,
    /// The policy in force.
    pub policy: &'a Policy,
    /// Also scan files that .gitignore and other ignore files exclude.
    pub no_ignore: bool,
}

/// Where the config of a scan of `roots` is looked for: the one directory scanned when
/// it holds a `keyhook.toml`, else the work tree root holding `cwd`, else `cwd`.
pub fn config_root(roots: &[PathBuf], cwd: &Path) -> PathBuf {
    match roots {
        [dir] if dir.is_dir() && dir.join(crate::config::CONFIG_FILE_NAME).is_file() => {
            cwd.join(dir)
        }
        _ => work_tree_root(cwd).unwrap_or_else(|| cwd.to_path_buf()),
    }
}

/// The work tree root holding `dir` (the folder with `.git`), if any.
pub fn work_tree_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// Scans the paths.
pub fn check(cx: &Context<'_>, options: &Options) -> Result<Outcome, Error> {
    let scanner = Scanner::new(Arc::clone(&cx.config.rules), cx.config.scan.clone());
    let secrets = Secrets::new(options.verify);
    let walk = WalkOptions {
        no_ignore: cx.no_ignore,
        max_bytes: cx.config.scan.max_bytes,
    };
    let (entries, unreadable) = paths::walk(cx.roots, &walk)?;
    let engine = Engine {
        scanner: &scanner,
        secrets: &secrets,
        policy: cx.policy,
        cwd: cx.cwd,
        config_root: cx.config_root,
    };
    let mut verdict = entries
        .par_iter()
        .map(|entry| engine.scan_entry(entry))
        .reduce(Verdict::default, |mut a, b| {
            a.merge(b);
            a
        });
    for u in unreadable {
        verdict.add_error(u.path, u.message);
    }
    if cx.roots.iter().any(|r| r.as_os_str() == "-") {
        match paths::read_stdin_limited(cx.config.scan.max_bytes) {
            Ok(target) => engine.scan_target(&target, &mut verdict),
            Err(e) => verdict.add_error("<stdin>", e.to_string()),
        }
    }
    verdict
        .findings
        .sort_by(|a, b| (&a.path, a.finding.span.start).cmp(&(&b.path, b.finding.span.start)));
    verdict.errors.sort_by(|a, b| a.path.cmp(&b.path));
    super::verify_findings(&mut verdict, &cx.config.rules, secrets, None)?;
    Ok(Outcome::redacted(Mode::Scan, verdict, &scanner))
}

/// What scanning one entry needs.
struct Engine<'a> {
    scanner: &'a Scanner,
    secrets: &'a Secrets,
    policy: &'a Policy,
    cwd: &'a Path,
    config_root: &'a Path,
}

impl Engine<'_> {
    /// `path` relative to the config root (lexically, no syscalls), or as shown.
    fn relative(&self, path: &Path) -> String {
        let absolute = self.cwd.join(path);
        match absolute.strip_prefix(self.config_root) {
            Ok(relative) => paths::display_path(relative),
            Err(_) => paths::display_path(path),
        }
    }

    fn scan_entry(&self, entry: &Entry) -> Verdict {
        let mut verdict = Verdict::default();
        match entry {
            Entry::TooLarge(_) => verdict.count_skipped("too-large"),
            Entry::Skipped(_, reason) => verdict.count_skipped(reason),
            Entry::File(path) => {
                let shown = paths::display_path(path);
                if self.policy.path_allowed(&self.relative(path)) {
                    verdict.summary.allowlisted_paths += 1;
                    return verdict;
                }
                match paths::read_file_limited(path, self.scanner.options().max_bytes) {
                    Ok(target) => self.scan_target(&target, &mut verdict),
                    Err(e) => verdict.add_error(shown, e.to_string()),
                }
            }
        }
        verdict
    }

    fn scan_target(&self, target: &Target, verdict: &mut Verdict) {
        let outcome = self.secrets.scan(self.scanner, &target.bytes);
        self.policy
            .judge(self.scanner.rules(), target, outcome, verdict);
    }
}
