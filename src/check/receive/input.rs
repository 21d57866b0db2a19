//! What git hands the hook: ref updates on stdin, push options in the environment.

use std::io::BufRead;

use gix::ObjectId;

use crate::Error;

use super::super::Repo;

/// The push option that lets one finding through (when the server allows it).
pub const BYPASS_OPTION: &str = "keyhook.allow=";

/// One ref update.
#[derive(Debug, Clone)]
pub struct RefUpdate {
    /// The ref's old value (null: created).
    pub old: ObjectId,
    /// The ref's new value (null: deleted).
    pub new: ObjectId,
    /// The ref's full name.
    pub name: String,
}

/// Parses git's pre-receive stdin. Ids must be full hex of the repository's hash.
pub fn parse_updates(input: impl BufRead, repo: &Repo) -> Result<Vec<RefUpdate>, Error> {
    parse_updates_of(input, repo.gix().object_hash())
}

fn parse_updates_of(input: impl BufRead, hash: gix::hash::Kind) -> Result<Vec<RefUpdate>, Error> {
    let mut updates = Vec::new();
    for line in super::super::input_lines(input) {
        let (n, line) = line?;
        let parse = |hex: &str| {
            ObjectId::from_hex(hex.as_bytes())
                .ok()
                .filter(|id| id.kind() == hash)
        };
        let fields: Vec<&str> = line.split_whitespace().collect();
        let update = match fields.as_slice() {
            [old, new, name] => parse(old).zip(parse(new)).map(|(old, new)| RefUpdate {
                old,
                new,
                name: name.to_string(),
            }),
            _ => None,
        };
        match update {
            Some(u) => updates.push(u),
            None => {
                return Err(Error::Usage(format!(
                    "malformed pre-receive input on line {}: expected `<old-oid> <new-oid> <ref>` with {} ids",
                    n,
                    hash
                )))
            }
        }
    }
    Ok(updates)
}

/// The push options git passes the hook (`GIT_PUSH_OPTION_COUNT`, `GIT_PUSH_OPTION_<i>`).
pub fn push_options() -> Vec<String> {
    let count: usize = std::env::var("GIT_PUSH_OPTION_COUNT")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (0..count)
        .filter_map(|i| std::env::var(format!("GIT_PUSH_OPTION_{i}")).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_updates_and_rejects_malformed_lines() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let ok = format!("{z} {a} refs/heads/main\n{a} {z} refs/heads/old\n");
        let updates = parse_updates_of(ok.as_bytes(), gix::hash::Kind::Sha1).unwrap();
        assert_eq!(updates.len(), 2);
        assert!(updates[0].old.is_null() && updates[1].new.is_null());
        for bad in [
            "garbage\n",
            &format!("{a} {a}\n"),
            &format!("{a} xyz refs/heads/x\n"),
        ] {
            let err = parse_updates_of(bad.as_bytes(), gix::hash::Kind::Sha1).unwrap_err();
            assert!(err.to_string().contains("line 1"), "{err}");
        }
        let sha256 = format!("{} {} refs/heads/main\n", "0".repeat(64), "b".repeat(64));
        assert!(parse_updates_of(sha256.as_bytes(), gix::hash::Kind::Sha1).is_err());
    }
}
