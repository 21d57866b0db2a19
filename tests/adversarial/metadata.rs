//! Keys in what git records beside content — commit subject and body, author name,
//! file path, branch name, tag message — are found by pre-receive, pre-push and
//! audit-history, reported with their own location, and never printed whole in
//! text, JSON or SARIF.

use crate::pre_receive::support::{fake_key, World};
use crate::util::Dir;

use super::assert_no_key;

/// Where the key is put, and the location keyhook must report.
#[derive(Clone, Copy, Debug)]
enum Place {
    Subject,
    Body,
    Author,
    Path,
    Branch,
    TagMessage,
}

impl Place {
    fn location(self) -> &'static str {
        match self {
            Place::Subject | Place::Body | Place::Author => "commit-message",
            Place::Path => "path",
            Place::Branch => "ref",
            Place::TagMessage => "tag-message",
        }
    }
}

/// A world whose client holds one commit (or tag, or branch) with `key` at `place`;
/// returns the refs to push.
fn plant(w: &World, place: Place, key: &str) -> Vec<String> {
    std::fs::write(w.client.join("README"), "hello\n").unwrap();
    w.git(&["add", "-A"]);
    let mut refs = vec!["main".to_string()];
    match place {
        Place::Subject => {
            w.git(&["commit", "-q", "-m", &format!("rotate {key}")]);
        }
        Place::Body => {
            w.git(&[
                "commit",
                "-q",
                "-m",
                "rotate",
                "-m",
                &format!("old key was {key}"),
            ]);
        }
        Place::Author => {
            w.git(&[
                "commit",
                "-q",
                "-m",
                "x",
                &format!("--author={key} <a@example.com>"),
            ]);
        }
        Place::Path => {
            std::fs::write(w.client.join(format!("{key}.txt")), "nothing\n").unwrap();
            w.git(&["add", "-A"]);
            w.git(&["commit", "-q", "-m", "x"]);
        }
        Place::Branch => {
            w.git(&["commit", "-q", "-m", "x"]);
            w.git(&["branch", key]);
            refs = vec![key.to_string()];
        }
        Place::TagMessage => {
            w.git(&["commit", "-q", "-m", "x"]);
            w.git(&["tag", "-a", "v1", "-m", &format!("release, key {key}")]);
            refs.push("v1".into());
        }
    }
    refs
}

/// keyhook ARGS in the client (its own clean environment), stdin given.
fn keyhook_in(w: &World, args: &[&str], stdin: &str) -> crate::util::Output {
    let home = Dir::new();
    crate::util::TestCommand::new(&w.client, home.home(), args)
        .stdin(stdin)
        .run()
}

#[test]
fn a_key_in_metadata_is_found_by_every_history_door_and_never_printed() {
    let places = [
        Place::Subject,
        Place::Body,
        Place::Author,
        Place::Path,
        Place::Branch,
        Place::TagMessage,
    ];
    for (i, place) in places.into_iter().enumerate() {
        let w = World::new();
        let key = fake_key(2000 + i as u64);
        let refs = plant(&w, place, &key);

        // pre-receive: a real push. What the hook prints reaches the pusher as
        // `remote:` lines (git's own client prints the ref names it pushed).
        let mut args = vec!["origin"];
        args.extend(refs.iter().map(String::as_str));
        let push = w.push(&args);
        push.assert_rejected();
        assert_no_key(&push.remote(), &[&key]);

        // audit-history: text, JSON and SARIF.
        for format in ["text", "json", "sarif"] {
            let out = keyhook_in(&w, &["--format", format, "audit-history"], "");
            assert_eq!(
                out.code, 1,
                "{place:?}: audit-history {format} blocks\n{out}"
            );
            assert_no_key(&out.stdout, &[&key]);
            assert_no_key(&out.stderr, &[&key]);
            if format == "json" {
                let report = out.json();
                let found = report["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["location"] == place.location());
                assert!(found, "{place:?}: a {} finding\n{out}", place.location());
            }
        }

        // pre-push: git's stdin for the first push of these refs.
        let mut input = String::new();
        for r in &refs {
            let id = w.git(&["rev-parse", r]);
            let full = if r == "v1" {
                "refs/tags/v1".to_string()
            } else {
                format!("refs/heads/{r}")
            };
            input.push_str(&format!("{full} {id} {full} {}\n", "0".repeat(40)));
        }
        for format in ["text", "json", "sarif"] {
            let out = keyhook_in(&w, &["--format", format, "pre-push", "origin", "x"], &input);
            assert_eq!(out.code, 1, "{place:?}: pre-push {format} blocks\n{out}");
            assert_no_key(&out.stdout, &[&key]);
            assert_no_key(&out.stderr, &[&key]);
        }
    }
}

#[test]
fn a_key_in_a_staged_path_blocks_the_commit_and_is_printed_redacted() {
    let dir = Dir::new();
    dir.git(&["init", "-q"]);
    let key = fake_key(2100);
    dir.write(format!("config/{key}.json"), "{}\n");
    dir.git(&["add", "-A"]);
    for format in ["text", "json", "sarif"] {
        let out = dir.keyhook(&["--format", format, "pre-commit"]);
        assert_eq!(out.code, 1, "{out}");
        assert_no_key(&out.stdout, &[&key]);
        assert_no_key(&out.stderr, &[&key]);
    }
}
