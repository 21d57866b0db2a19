//! `keyhook pre-receive` through real pushes (issue 4): a bare repository with the
//! hook installed by `keyhook install --server`, a client built with the git CLI,
//! `git push` over `file://` and to `git daemon`. Assertions read the pusher's view:
//! the exit status of `git push` and its `remote:` lines.

mod accept;
mod budget;
mod bypass;
mod content;
mod install;
mod packed;
mod policy;
mod quarantine;
mod refs;
pub(crate) mod support;
mod transport;
