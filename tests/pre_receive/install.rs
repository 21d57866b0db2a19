//! `keyhook install --server`.

use super::support::World;

// ---------------------------------------------------------------------------
// Install
// ---------------------------------------------------------------------------

#[test]
fn install_server_writes_a_hook_that_runs_this_binary() {
    let w = World::new();
    let hook = std::fs::read_to_string(w.server.join("hooks").join("pre-receive")).unwrap();
    assert!(
        hook.contains(env!("CARGO_BIN_EXE_keyhook")) && hook.contains("pre-receive"),
        "hook must exec this keyhook by absolute path:\n{hook}"
    );
}

#[test]
fn install_server_chains_an_existing_hook_which_runs_first_with_the_same_stdin() {
    let w = World::new();
    let hooks = w.server.join("hooks");
    // Replace keyhook's hook by a site hook, then install over it.
    std::fs::write(
        hooks.join("pre-receive"),
        "#!/bin/sh\nwhile read old new ref; do echo \"site hook saw $ref\"; done\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            hooks.join("pre-receive"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    let install = w.install();
    assert!(
        install.contains("kept as"),
        "install must chain the site hook:\n{install}"
    );

    w.commit(&[("a.txt", "a\n")], "a");
    let push = w.push(&["origin", "main"]);
    push.assert_accepted();
    push.assert_remote_contains("site hook saw refs/heads/main");
    push.assert_remote_contains("refs/heads/main: ok — 1 new commit(s) scanned");

    // A site hook that refuses wins even when keyhook would accept.
    std::fs::write(
        hooks.join("pre-receive.keyhook-chained"),
        "#!/bin/sh\necho 'site policy: no pushes today'\nexit 1\n",
    )
    .unwrap();
    w.commit(&[("b.txt", "b\n")], "b");
    let push = w.push(&["origin", "main"]);
    push.assert_rejected();
    push.assert_remote_contains("site policy: no pushes today");
}
