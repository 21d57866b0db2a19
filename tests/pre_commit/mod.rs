//! The pre-commit door (issue 3): real temp repositories built with the `git` CLI,
//! the hook installed by the real `keyhook install`, and `git commit` run for real.
//! Git prints the hook's output on its stderr, so assertions read both streams.

mod support;

mod file_args;
mod forbidden;
mod framework;
mod framework_push;
mod gitignore;
mod hook;
mod hooks_path;
mod index_shapes;
mod install;
mod pre_push;
mod repo_shapes;
