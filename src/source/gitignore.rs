//! Does the repository ignore the usual secret files? Answered with git's own ignore
//! semantics (every `.gitignore`, `.git/info/exclude`, `core.excludesFile`,
//! negations) through gix's exclude stack.

use super::repo::GitError;

/// A file that should be ignored, and the `.gitignore` line that covers it
/// (KEY-FORMATS.md "Files that must not be committed").
pub const SECRET_FILES: &[(&str, &str)] = &[
    (".env", ".env"),
    (".env.local", ".env.local"),
    (".env.production", ".env.production"),
    ("key.pem", "*.pem"),
    ("gcp-credentials.json", "*credentials*.json"),
    ("my-service-account.json", "*service-account*.json"),
];

/// The `.gitignore` lines needed so that every sample secret file at the work tree
/// root is ignored. Empty for a bare repository (nothing to ignore there).
pub fn missing_ignore_lines(repo: &gix::Repository) -> Result<Vec<&'static str>, GitError> {
    if repo.workdir().is_none() {
        return Ok(Vec::new());
    }
    // Right after `git init` there is no index file yet: use an empty one rather
    // than failing (gix's `Worktree::excludes` insists on the file).
    let index = repo
        .index_or_empty()
        .map_err(|e| GitError::read("the index", e))?;
    let mut excludes = repo
        .excludes(
            &index,
            None,
            gix::worktree::stack::state::ignore::Source::WorktreeThenIdMappingIfNotSkipped,
        )
        .map_err(|e| GitError::read("ignore files", e))?;
    let mut missing = Vec::new();
    for (sample, line) in SECRET_FILES {
        let platform = excludes
            .at_entry(*sample, None)
            .map_err(|e| GitError::read("ignore files", e))?;
        if !platform.is_excluded() {
            missing.push(*line);
        }
    }
    Ok(missing)
}
