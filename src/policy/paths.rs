//! Files that must never be committed, whatever their content (KEY-FORMATS.md
//! "Files that must not be committed"), as globs a config can extend or trim.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use super::PolicyError;

/// Built-in forbidden patterns. A pattern without `/` matches the file name in any
/// folder (like `.gitignore`).
pub const DEFAULT_FORBIDDEN: &[&str] = &[
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "*credentials*.json",
    "*service-account*.json",
    "application_default_credentials.json",
];

/// Built-in exceptions: templates are meant to be committed, and a `.md`, `.txt` or
/// `.rst` ending makes a document, not a secret file.
pub const DEFAULT_ALLOWED: &[&str] = &[
    ".env.example",
    ".env.sample",
    ".env.template",
    ".env.dist",
    ".env.*.example",
    ".env.*.sample",
    ".env.*.template",
    "*.md",
    "*.txt",
    "*.rst",
    "*.pub",
];

/// Compiles a user or built-in path glob: `*` stays within one folder, and a glob
/// without `/` matches the file name at any depth. Matching ignores case (a `.ENV`
/// on a case-insensitive file system is still `.env`).
pub fn path_glob(pattern: &str) -> Result<Glob, globset::Error> {
    let anchored = match pattern.strip_prefix('/') {
        Some(rooted) => rooted.to_string(),
        None if pattern.contains('/') => pattern.to_string(),
        None => format!("**/{pattern}"),
    };
    GlobBuilder::new(&anchored)
        .literal_separator(true)
        .case_insensitive(true)
        .build()
}

fn glob_set(patterns: &[String]) -> Result<GlobSet, PolicyError> {
    let mut set = GlobSetBuilder::new();
    for p in patterns {
        set.add(path_glob(p).map_err(|e| PolicyError::Glob(p.clone(), e.to_string()))?);
    }
    set.build()
        .map_err(|e| PolicyError::Glob(String::new(), e.to_string()))
}

/// The forbidden-file set: built-ins plus config additions, minus exceptions.
#[derive(Debug, Clone)]
pub struct ForbiddenFiles {
    patterns: Vec<String>,
    forbidden: GlobSet,
    allowed: GlobSet,
    /// No pattern (forbidden or allowed) names a folder.
    by_name: bool,
}

impl Default for ForbiddenFiles {
    fn default() -> Self {
        ForbiddenFiles::new(&[], &[]).expect("built-in forbidden globs compile")
    }
}

impl ForbiddenFiles {
    /// The built-in set plus `add`, with the built-in exceptions plus `allow`.
    pub fn new(add: &[String], allow: &[String]) -> Result<ForbiddenFiles, PolicyError> {
        let patterns: Vec<String> = DEFAULT_FORBIDDEN
            .iter()
            .map(|s| s.to_string())
            .chain(add.iter().cloned())
            .collect();
        let allowed: Vec<String> = DEFAULT_ALLOWED
            .iter()
            .map(|s| s.to_string())
            .chain(allow.iter().cloned())
            .collect();
        let by_name = !patterns.iter().chain(&allowed).any(|p| p.contains('/'));
        Ok(ForbiddenFiles {
            forbidden: glob_set(&patterns)?,
            allowed: glob_set(&allowed)?,
            patterns,
            by_name,
        })
    }

    /// True when every pattern matches a file name alone (none contains `/`, as with
    /// the built-ins): then checking a file's name says the same as checking its
    /// path, which lets a history audit check tree entries without building paths.
    pub fn matches_names_only(&self) -> bool {
        self.by_name
    }

    /// True when a file named `name` (a tree entry's name, any bytes) is forbidden
    /// wherever it sits; exact for every path when [`Self::matches_names_only`].
    pub fn forbids_name(&self, name: &[u8]) -> bool {
        self.check(&String::from_utf8_lossy(name)).is_some()
    }

    /// The pattern that forbids `path` (repository-relative, `/`-separated), if any.
    pub fn check(&self, path: &str) -> Option<&str> {
        if self.allowed.is_match(path) {
            return None;
        }
        self.forbidden
            .matches(path)
            .first()
            .map(|&i| self.patterns[i].as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_only_until_a_pattern_names_a_folder() {
        assert!(ForbiddenFiles::default().matches_names_only());
        let name = ForbiddenFiles::new(&["*.kdbx".into()], &[]).expect("valid");
        assert!(name.matches_names_only());
        let deep = ForbiddenFiles::new(&["config/secrets.yml".into()], &[]).expect("valid");
        assert!(!deep.matches_names_only());
        let rooted = ForbiddenFiles::new(&[], &["/.env.local".into()]).expect("valid");
        assert!(!rooted.matches_names_only());
    }

    #[test]
    fn default_forbidden_and_allowed_paths() {
        let set = ForbiddenFiles::default();
        for path in [
            ".env",
            ".env.local",
            ".env.development",
            ".env.production",
            ".env.staging",
            ".env.test",
            ".env.prod",
            ".env.production.local",
            "config/.env",
            "deploy/prod/.env.production",
            "key.pem",
            "certs/server.key",
            "store.p12",
            "store.pfx",
            "id_rsa",
            "home/.ssh/id_ed25519",
            "gcp-credentials.json",
            "credentials.json",
            "my-service-account.json",
            "application_default_credentials.json",
            ".ENV",
        ] {
            assert!(set.check(path).is_some(), "{path} should be forbidden");
        }
        for path in [
            ".env.example",
            ".env.sample",
            ".env.template",
            ".env.dist",
            "docs/.env.md",
            "env-vars.md",
            "id_rsa.pub",
            "pem-format.md",
            "pem/README",
            "credentials.md",
            "credentials.py",
            "service_account.rb",
            "environment.ts",
            "src/.envrc",
        ] {
            assert!(set.check(path).is_none(), "{path} should pass");
        }
    }

    #[test]
    fn config_extends_and_trims() {
        let set =
            ForbiddenFiles::new(&["*.keystore".into()], &["test/fixtures/**".into()]).unwrap();
        assert_eq!(set.check("android/release.keystore"), Some("*.keystore"));
        assert_eq!(set.check("test/fixtures/key.pem"), None);
        assert_eq!(set.check("key.pem"), Some("*.pem"));
    }
}
