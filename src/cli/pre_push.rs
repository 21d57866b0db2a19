//! `keyhook pre-push`: git's pre-push hook. Reads `<local ref> <local oid> <remote
//! ref> <remote oid>` lines and scans the commits the remote does not have yet,
//! added lines only.

use std::io::BufRead;
use std::sync::Arc;

use gix::ObjectId;

use keyhook::engine::Scanner;
use keyhook::report::Mode;
use keyhook::source::commits::{new_commits, ref_commits};
use keyhook::source::repo::discover;
use keyhook::verify::Secrets;
use keyhook::Error;

use super::blobs::BlobScanner;
use super::pack_pass::{PackPass, PassSource};
use super::{Globals, Run};

/// Arguments of `keyhook pre-push` (git passes both).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Name of the remote being pushed to.
    pub remote: Option<String>,
    /// URL of the remote.
    pub url: Option<String>,
    /// Ask each provider whether the keys found are live (sends each key to its
    /// own provider's read-only endpoint; see README). Never changes the exit code.
    #[arg(long)]
    pub verify: bool,
}

/// One line of pre-push input.
#[derive(Debug)]
struct Update {
    local: ObjectId,
    remote: ObjectId,
}

/// Parses git's pre-push stdin; a malformed line is a usage error naming the line.
fn parse_updates(input: impl BufRead) -> Result<Vec<Update>, Error> {
    let mut updates = Vec::new();
    for (n, line) in input.lines().enumerate() {
        let line = line.map_err(|source| Error::Io {
            path: "<stdin>".into(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let parsed = match fields.as_slice() {
            [_, local, _, remote] => ObjectId::from_hex(local.as_bytes())
                .ok()
                .zip(ObjectId::from_hex(remote.as_bytes()).ok()),
            _ => None,
        };
        let Some((local, remote)) = parsed else {
            return Err(Error::Usage(format!(
                "malformed pre-push input on line {}: expected `<local ref> <local oid> <remote ref> <remote oid>`",
                n + 1
            )));
        };
        updates.push(Update { local, remote });
    }
    Ok(updates)
}

/// The pre-commit framework does not pass git's stdin to pre-push hooks; it sets
/// `PRE_COMMIT_FROM_REF` (what the remote has) and `PRE_COMMIT_TO_REF` (what is
/// pushed) instead.
fn framework_update() -> Result<Option<Update>, Error> {
    let Ok(to) = std::env::var("PRE_COMMIT_TO_REF") else {
        return Ok(None);
    };
    let from = std::env::var("PRE_COMMIT_FROM_REF").unwrap_or_default();
    let parse = |name: &str, hex: &str| {
        ObjectId::from_hex(hex.trim().as_bytes())
            .map_err(|_| Error::Usage(format!("{name} is not an object id: `{hex}`")))
    };
    let local = parse("PRE_COMMIT_TO_REF", &to)?;
    let remote = if from.trim().is_empty() {
        ObjectId::null(local.kind())
    } else {
        parse("PRE_COMMIT_FROM_REF", &from)?
    };
    Ok(Some(Update { local, remote }))
}

/// Reading one new commit's trees by id costs about what reading this many objects
/// in one pass over the store costs (measured on 20,000 commits: 12.5 s walking each
/// commit, 1.4 s reading all 299,426 objects: ~134).
const OBJECTS_PER_WALKED_COMMIT: u64 = 120;

/// Below this many new commits the walk takes well under a second: the pass is not
/// worth it (and loose objects, which the estimate does not count, stay cheap).
const MIN_COMMITS_FOR_WHOLE_STORE: usize = 500;

/// True when reading every object of the store once is cheaper than walking
/// `new_commits` commits' trees by id (packed objects counted; git packs loose ones
/// once there are a few thousand).
fn whole_store_is_cheaper(repo: &gix::Repository, new_commits: usize) -> bool {
    let packed = repo.objects.packed_object_count().unwrap_or(u64::MAX);
    new_commits >= MIN_COMMITS_FOR_WHOLE_STORE
        && (new_commits as u64).saturating_mul(OBJECTS_PER_WALKED_COMMIT) > packed
}

/// Scans the commits being pushed.
pub fn run(globals: &Globals, args: &Args) -> Result<Run, Error> {
    let cwd = super::current_dir()?;
    let repo = discover(&cwd)?;
    let root = repo.workdir().unwrap_or(repo.git_dir()).to_path_buf();
    let config = super::load_config(globals, &root)?;
    let policy = super::policy(globals, &config)?;
    let scanner = Scanner::new(Arc::clone(&config.rules), config.scan.clone());
    let secrets = Secrets::new(args.verify);

    let updates = match framework_update()? {
        Some(update) => vec![update],
        None => parse_updates(std::io::stdin().lock())?,
    };
    let tips: Vec<ObjectId> = updates
        .iter()
        .filter(|u| !u.local.is_null())
        .map(|u| u.local)
        .collect();
    // What the remote already has: its tracking refs, and the old tips it reported
    // (when this clone knows them).
    let prefix = args
        .remote
        .as_ref()
        .map(|r| format!("refs/remotes/{r}/"))
        .unwrap_or_else(|| "refs/remotes/".into());
    let mut hidden = ref_commits(&repo, Some(&prefix))?;
    hidden.extend(
        updates
            .iter()
            .filter(|u| !u.remote.is_null() && repo.has_object(u.remote))
            .map(|u| u.remote),
    );
    let commits = new_commits(&repo.objects, &tips, &hidden)?;

    // A push of a long history (a repository's first push to a new remote) reads
    // the whole store once, as an audit does, instead of each commit's trees by id.
    let whole_store = whole_store_is_cheaper(&repo, commits.len());
    let source = if whole_store {
        PassSource::Repository(&repo)
    } else {
        PassSource::Nothing
    };
    let pass = PackPass::read(source, repo.object_hash(), &scanner, &policy);
    let objects = pass.objects(repo.objects.clone());
    let mut blobs = BlobScanner::new(&objects, &scanner, &policy, &secrets);
    blobs.settle(&pass);
    blobs.scan_commits(&commits, pass.interest(&policy).as_mut(), |_, _| {})?;
    let mut verdict = blobs.verdict;
    verdict
        .notes
        .push(format!("{} new commit(s) scanned", commits.len()));
    if whole_store {
        verdict.notes.push(
            "the whole object store was read in one pass (cheaper than each commit's trees for a push this long); the summary counts every blob read".into(),
        );
    }
    super::verify_findings(&mut verdict, &config.rules, secrets, None)?;
    Ok(Run {
        mode: Mode::PrePush,
        verdict,
        rules: Arc::clone(&config.rules),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_git_input_and_rejects_garbage() {
        let zero = "0".repeat(40);
        let a = "a".repeat(40);
        let input = format!("refs/heads/main {a} refs/heads/main {zero}\n\n");
        let updates = parse_updates(input.as_bytes()).unwrap();
        assert_eq!(updates.len(), 1);
        assert!(updates[0].remote.is_null());
        let err = parse_updates("refs/heads/main nothex x y\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        assert_eq!(err.exit_code(), 2);
    }
}
