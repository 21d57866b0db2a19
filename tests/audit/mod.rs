//! `keyhook audit-history` on real repositories built with the git CLI (issue 5).

use serde_json::Value;

mod org;
mod support;

use support::{openai_key, Repo};

#[test]
fn key_added_in_commit_3_and_deleted_in_commit_7_is_history_only() {
    let repo = Repo::new();
    let key = openai_key();
    let mut commits = Vec::new();
    for n in 1..=7 {
        repo.write(&format!("notes/{n}.txt"), &format!("note {n}\n"));
        if n == 3 {
            repo.write("app/config.py", &format!("OPENAI_API_KEY = \"{key}\"\n"));
        }
        if n == 7 {
            repo.remove("app/config.py");
        }
        commits.push(repo.commit(&format!("commit {n}")));
    }
    let out = repo.keyhook(&["audit-history", "--format", "json"]);
    assert_eq!(out.code, 1, "{out}");
    let report = out.json();
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{out}");
    let f = &findings[0];
    assert_eq!(f["rule"], "openai-project-key");
    assert_eq!(f["path"], "app/config.py");
    assert_eq!(f["line"], 1);
    assert_eq!(f["commit"]["id"], commits[2].as_str());
    assert_eq!(f["commit"]["subject"], "commit 3");
    assert_eq!(f["commit"]["author"], "Alice Example <alice@example.com>");
    assert_eq!(f["history"]["still_in"], serde_json::json!([]));
    assert_eq!(f["history"]["occurrences"], 1);

    let text = repo.keyhook(&["audit-history"]);
    assert_eq!(text.code, 1, "{text}");
    assert!(text.stdout.contains("history only"), "{text}");
    assert!(text.stdout.contains(&commits[2][..10]), "{text}");
}

#[test]
fn same_key_in_two_files_and_two_branches_is_one_group() {
    let repo = Repo::new();
    let key = openai_key();
    repo.write("a.py", &format!("KEY = \"{key}\"\n"));
    let first = repo.commit("a");
    repo.write("b/settings.py", &format!("# settings\nOPENAI = '{key}'\n"));
    repo.commit("b");
    repo.git(&["checkout", "-q", "-b", "dev"]);
    repo.write("c.env.example", &format!("OPENAI_API_KEY={key}\n"));
    repo.commit("c on dev");
    repo.git(&["checkout", "-q", "main"]);

    let out = repo.keyhook(&["audit-history", "--format", "json"]);
    assert_eq!(out.code, 1, "{out}");
    let report = out.json();
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "one key, reported once: {out}");
    assert_eq!(findings[0]["commit"]["id"], first.as_str());
    assert_eq!(findings[0]["history"]["occurrences"], 3);
    assert_eq!(
        findings[0]["history"]["still_in"],
        serde_json::json!(["refs/heads/dev", "refs/heads/main"])
    );

    let all = repo.keyhook(&["audit-history", "--format", "json", "--all-occurrences"]);
    let report = all.json();
    let findings = report["findings"].as_array().expect("findings");
    let mut paths: Vec<&str> = findings
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.sort();
    assert_eq!(paths, ["a.py", "b/settings.py", "c.env.example"], "{all}");
    let fingerprints: std::collections::HashSet<&str> = findings
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fingerprints.len(), 1);

    let text = repo.keyhook(&["audit-history", "--all-occurrences"]);
    assert_eq!(
        text.stdout.matches("openai-project-key").count(),
        1,
        "{text}"
    );
    assert!(text.stdout.contains("places: 3"), "{text}");
    assert!(
        text.stdout
            .contains("still present in refs/heads/dev, refs/heads/main"),
        "{text}"
    );
}

#[test]
fn key_only_in_an_unreachable_blob_needs_include_unreachable() {
    let repo = Repo::new();
    repo.write("README.md", "hello\n");
    repo.commit("readme");
    repo.write("dangling.txt", &format!("key={}\n", openai_key()));
    let blob = repo.git(&["hash-object", "-w", "dangling.txt"]);
    repo.remove("dangling.txt");

    let out = repo.keyhook(&["audit-history", "--format", "json"]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(out.json()["findings"], serde_json::json!([]));

    let out = repo.keyhook(&["audit-history", "--format", "json", "--include-unreachable"]);
    assert_eq!(out.code, 1, "{out}");
    let report = out.json();
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{out}");
    // The blob id is a field of its own, beside an empty path (issue 12).
    assert_eq!(findings[0]["blob"], blob.trim(), "{out}");
    assert_eq!(findings[0]["path"], "", "{out}");
    assert_eq!(findings[0]["commit"], Value::Null);
    let text = repo.keyhook(&["audit-history", "--include-unreachable"]);
    assert!(
        text.stdout.contains(&format!(
            "blob {} (no audited commit names it)",
            blob.trim()
        )),
        "{text}"
    );
}

#[test]
fn env_file_committed_then_removed_is_forbidden_history_only() {
    let repo = Repo::new();
    repo.write("src/main.rs", "fn main() {}\n");
    repo.write(".env", "DATABASE_URL=postgres://localhost/dev\n");
    let added = repo.commit("add env");
    repo.remove(".env");
    repo.commit("remove env");

    let out = repo.keyhook(&["audit-history", "--format", "json"]);
    assert_eq!(out.code, 1, "{out}");
    let report = out.json();
    let forbidden = report["forbidden_files"].as_array().expect("forbidden");
    assert_eq!(forbidden.len(), 1, "{out}");
    assert_eq!(forbidden[0]["path"], ".env");
    assert_eq!(forbidden[0]["origin"]["id"], added.as_str());
    assert_eq!(forbidden[0]["still_in"], serde_json::json!([]));

    let text = repo.keyhook(&["audit-history"]);
    assert!(text.stdout.contains(".env in "), "{text}");
    assert!(text.stdout.contains("history only"), "{text}");
}

#[test]
fn baseline_written_then_honoured() {
    let repo = Repo::new();
    let key = openai_key();
    repo.write("old.py", &format!("k = '{key}'\n"));
    repo.commit("legacy key");
    let baseline = repo.path().join("keyhook-baseline.json");
    let baseline_arg = baseline.to_str().unwrap();

    let out = repo.keyhook(&["audit-history", "--baseline-out", baseline_arg]);
    assert_eq!(out.code, 1, "{out}");
    let written = std::fs::read_to_string(&baseline).expect("baseline written");
    assert!(written.contains("openai-project-key"), "{written}");
    assert!(!written.contains(&key[8..40]), "baseline holds no secret");

    let out = repo.keyhook(&[
        "audit-history",
        "--baseline",
        baseline_arg,
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out}");
    let report = out.json();
    assert_eq!(report["findings"], serde_json::json!([]));
    assert_eq!(report["summary"]["baselined"], 1);
}

#[test]
fn corrupt_loose_object_is_reported_by_id_and_the_audit_goes_on() {
    let repo = Repo::new();
    repo.write("leak.py", &format!("k = '{}'\n", openai_key()));
    repo.write("other.txt", "some other content\n");
    repo.commit("two files");
    let blob = repo.git(&["rev-parse", "HEAD:other.txt"]);
    let blob = blob.trim();
    crate::util::corrupt_loose_object(repo.path(), blob);

    let out = repo.keyhook(&["audit-history", "--format", "json"]);
    assert_eq!(out.code, 3, "{out}");
    let report = out.json();
    let errors = report["errors"].as_array().expect("errors");
    assert!(
        errors.iter().any(|e| e["path"] == blob),
        "the broken object is named: {out}"
    );
    assert_eq!(report["findings"].as_array().unwrap().len(), 1, "{out}");
}

#[test]
fn shallow_clone_is_audited_for_what_it_holds() {
    let origin = Repo::new();
    origin.write("a.txt", "a\n");
    origin.commit("one");
    origin.write("b.txt", "b\n");
    origin.commit("two");
    origin.write("key.py", &format!("k = '{}'\n", openai_key()));
    let last = origin.commit("three");
    let clone = Repo::clone_shallow(&origin);

    let out = clone.keyhook(&["audit-history", "--format", "json"]);
    assert_eq!(out.code, 1, "{out}");
    let report = out.json();
    assert_eq!(report["findings"][0]["commit"]["id"], last.as_str());
    let notes = report["notes"].to_string();
    assert!(notes.contains("shallow clone"), "{out}");
}

#[test]
fn sha256_repository() {
    let repo = Repo::with_args(&["--object-format=sha256"]);
    repo.write("key.py", &format!("k = '{}'\n", openai_key()));
    let id = repo.commit("sha256 key");
    assert_eq!(id.len(), 64);
    let out = repo.keyhook(&["audit-history", "--format", "json"]);
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(out.json()["findings"][0]["commit"]["id"], id.as_str());
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let repo = Repo::new();
    repo.write("key.py", &format!("k = '{}'\n", openai_key()));
    repo.commit("key");
    let out = repo.keyhook(&["audit-history"]);
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(out.stderr, "", "nothing on a non-terminal stderr");
}

#[test]
fn no_format_contains_the_full_secret() {
    let repo = Repo::new();
    let key = openai_key();
    repo.write("a.py", &format!("k = '{key}'\n"));
    repo.commit("a");
    repo.remove("a.py");
    repo.write("b.py", &format!("k = '{key}'\n"));
    repo.commit("b");
    for format in ["text", "json", "sarif"] {
        let out = repo.keyhook(&["audit-history", "--all-occurrences", "--format", format]);
        assert_eq!(out.code, 1, "{out}");
        assert!(
            out.stdout.contains("sk-proj-"),
            "{format}: redacted form shown"
        );
        assert!(!out.stdout.contains(&key), "{format} leaks the key");
        assert!(
            !out.stdout.contains(&key[8..30]),
            "{format} leaks part of the key"
        );
    }
}

#[test]
fn empty_repository_exits_0_with_a_note() {
    let repo = Repo::new();
    let out = repo.keyhook(&["audit-history", "--format", "json"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.json()["notes"].to_string().contains("no refs"), "{out}");
}

#[test]
fn submodules_are_named_and_skipped() {
    let repo = Repo::new();
    repo.write("a.txt", "a\n");
    let first = repo.commit("a");
    let cacheinfo = format!("160000,{first},vendor/lib");
    repo.git(&["update-index", "--add", "--cacheinfo", &cacheinfo]);
    repo.git(&["commit", "-q", "-m", "submodule"]);
    let out = repo.keyhook(&["audit-history", "--format", "json"]);
    assert_eq!(out.code, 0, "{out}");
    let report = out.json();
    assert_eq!(report["summary"]["skipped"]["submodule"], 1, "{out}");
    assert!(report["notes"].to_string().contains("vendor/lib"), "{out}");
}

#[test]
fn since_a_commit_reports_only_keys_added_after_it() {
    let repo = Repo::new();
    repo.write("old.py", &format!("k = '{}'\n", openai_key()));
    let old = repo.commit("old key");
    repo.write("new.py", &format!("k = '{}'\n", openai_key()));
    repo.commit("new key");
    let out = repo.keyhook(&["audit-history", "--format", "json", "--since", &old]);
    assert_eq!(out.code, 1, "{out}");
    let report = out.json();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{out}");
    assert_eq!(findings[0]["path"], "new.py");
}

#[test]
fn bare_repository_and_ref_selection() {
    let origin = Repo::new();
    origin.write("a.txt", "a\n");
    origin.commit("a");
    origin.git(&["checkout", "-q", "-b", "leaky"]);
    origin.write("k.py", &format!("k = '{}'\n", openai_key()));
    origin.commit("key on a branch");
    origin.git(&["checkout", "-q", "main"]);
    let bare = Repo::clone_bare(&origin);

    let out = bare.keyhook(&["audit-history", "--format", "json"]);
    assert_eq!(out.code, 1, "{out}");
    let out = bare.keyhook(&["audit-history", "--format", "json", "--ref", "main"]);
    assert_eq!(out.code, 0, "{out}");
}

#[test]
fn packed_history_attributes_a_deep_key_to_the_commit_that_added_it() {
    let repo = Repo::new();
    repo.write("README.md", "hello\n");
    repo.commit("readme");
    repo.write("a/b/c/keys.py", &format!("k = '{}'\n", openai_key()));
    let added = repo.commit("deep key");
    for n in 0..3 {
        repo.write("a/b/notes.txt", &format!("edit {n}\n"));
        repo.commit("edit beside it");
    }
    repo.git(&["gc", "-q"]);
    let out = repo.keyhook(&["audit-history", "--format", "json"]);
    assert_eq!(out.code, 1, "{out}");
    let report = out.json();
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{out}");
    assert_eq!(findings[0]["path"], "a/b/c/keys.py");
    assert_eq!(findings[0]["commit"]["id"], added.as_str());
    assert_eq!(
        findings[0]["history"]["still_in"],
        serde_json::json!(["refs/heads/main"])
    );
}

#[test]
fn a_missing_blob_is_reported_by_id() {
    let repo = Repo::new();
    repo.write("a.txt", "a\n");
    repo.write("b.txt", "b\n");
    repo.commit("two files");
    let blob = repo.git(&["rev-parse", "HEAD:b.txt"]);
    let blob = blob.trim();
    let object = repo
        .path()
        .join(".git/objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    std::fs::remove_file(&object).unwrap();

    let out = repo.keyhook(&["audit-history", "--format", "json"]);
    assert_eq!(out.code, 3, "{out}");
    let errors = out.json()["errors"].clone();
    let errors = errors.as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{out}");
    assert_eq!(errors[0]["path"], blob, "{out}");
}

#[test]
fn allowlisted_path_hides_a_key_only_where_it_is_allowlisted() {
    let repo = Repo::new();
    repo.write("keyhook.toml", "[allowlist]\npaths = [\"fixtures/**\"]\n");
    let key = format!("k = '{}'\n", openai_key());
    repo.write("fixtures/k.py", &key);
    repo.commit("fixture");
    let out = repo.keyhook(&["audit-history", "--format", "json"]);
    assert_eq!(out.code, 0, "{out}");

    repo.write("src/k.py", &key);
    let leaked = repo.commit("the same key outside the fixtures");
    let out = repo.keyhook(&["audit-history", "--format", "json"]);
    assert_eq!(out.code, 1, "{out}");
    let report = out.json();
    assert_eq!(report["findings"][0]["path"], "src/k.py", "{out}");
    assert_eq!(report["findings"][0]["commit"]["id"], leaked.as_str());
}

#[test]
fn forbidden_pattern_naming_a_folder_matches_whole_paths() {
    let repo = Repo::new();
    repo.write(
        "keyhook.toml",
        "[forbidden_files]\nadd = [\"deploy/secrets.yml\"]\n",
    );
    repo.write("deploy/secrets.yml", "password: hunter2\n");
    repo.write("docs/secrets.yml", "password: example\n");
    let added = repo.commit("secrets");
    let out = repo.keyhook(&["audit-history", "--format", "json"]);
    assert_eq!(out.code, 1, "{out}");
    let report = out.json();
    let forbidden = report["forbidden_files"].as_array().expect("forbidden");
    assert_eq!(forbidden.len(), 1, "{out}");
    assert_eq!(forbidden[0]["path"], "deploy/secrets.yml");
    assert_eq!(forbidden[0]["origin"]["id"], added.as_str());
}

#[test]
fn ref_selection_places_only_what_the_named_ref_holds() {
    let repo = Repo::new();
    repo.write("a.txt", "a\n");
    repo.commit("a");
    repo.git(&["checkout", "-q", "-b", "leaky"]);
    repo.write("deep/k.py", &format!("k = '{}'\n", openai_key()));
    let leak = repo.commit("key on a branch");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.py", &format!("k = '{}'\n", openai_key()));
    repo.commit("key on main");

    let out = repo.keyhook(&["audit-history", "--format", "json", "--ref", "leaky"]);
    assert_eq!(out.code, 1, "{out}");
    let report = out.json();
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "only the named ref's key: {out}");
    assert_eq!(findings[0]["path"], "deep/k.py");
    assert_eq!(findings[0]["commit"]["id"], leak.as_str());
    assert!(
        report["notes"]
            .to_string()
            .contains("findings are reported for the audited range only"),
        "{out}"
    );
}

#[test]
fn lfs_pointer_is_counted_as_skipped_and_a_symlink_is_scanned_as_its_target_text() {
    let repo = Repo::new();
    repo.write("README.md", "hello\n");
    repo.write("model.bin", crate::util::LFS_POINTER);
    std::os::unix::fs::symlink("README.md", repo.path().join("readme-link")).expect("symlink");
    repo.commit("pointer and link");
    let out = repo.keyhook(&["audit-history", "--format", "json"]);
    assert_eq!(out.code, 0, "{out}");
    let report = out.json();
    assert_eq!(report["summary"]["skipped"]["lfs-pointer"], 1, "{out}");
    assert_eq!(
        report["summary"]["scanned"], 2,
        "README.md and the link's target text: {out}"
    );
}

/// Commits `files` and a README, then a key in `config/settings.py`, resets that
/// commit away and expires the reflog; asserts the audit finds nothing without
/// `--include-unreachable` and places the key at that commit and path with it.
fn assert_a_reset_commit_is_placed(files: &[(&str, &str)]) {
    let repo = Repo::new();
    for (path, text) in files {
        repo.write(path, text);
    }
    repo.write("README.md", "hello\n");
    repo.commit("readme");
    repo.write(
        "config/settings.py",
        &format!("KEY = \"{}\"\n", openai_key()),
    );
    let leaked = repo.commit("add settings");
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    repo.git(&["reflog", "expire", "--expire=now", "--all"]);

    let out = repo.keyhook(&["audit-history", "--format", "json"]);
    assert_eq!(out.json()["findings"], serde_json::json!([]), "{out}");

    let out = repo.keyhook(&["audit-history", "--format", "json", "--include-unreachable"]);
    assert_eq!(out.code, 1, "{out}");
    let report = out.json();
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{out}");
    assert_eq!(findings[0]["path"], "config/settings.py", "{out}");
    assert_eq!(findings[0]["commit"]["id"], leaked.trim(), "{out}");
    assert!(findings[0].get("blob").is_none(), "{out}");
    // No ref holds it: history only.
    assert_eq!(
        findings[0]["history"]["still_in"],
        serde_json::json!([]),
        "{out}"
    );
}

/// Issue 12: a key in a commit no ref reaches (amended, reset) is placed at that
/// commit and path with `--include-unreachable`, not left as a bare blob id.
#[test]
fn key_in_a_reset_commit_is_placed_at_its_commit_with_include_unreachable() {
    assert_a_reset_commit_is_placed(&[]);
}

/// Issue 12: the walk-first audit (taken when a forbidden pattern names a folder, so
/// file names alone cannot settle it) also walks commits no ref reaches with
/// `--include-unreachable`, placing their keys at their commit and path.
#[test]
fn the_walk_first_audit_places_a_key_in_a_reset_commit_too() {
    assert_a_reset_commit_is_placed(&[(
        "keyhook.toml",
        "[forbidden_files]\nadd = [\"private/*.keystore\"]\n",
    )]);
}
