//! `keyhook:allow` allows one finding, and only where a person wrote it as a comment
//! beside that key: not as part of a longer word, not inside a URL or the key's own
//! string, not from another line, not for every key of a minified line.

use super::assert_no_key;
use crate::util::{findings, openai_key, Dir};

/// Scans `app.py` holding `text` (`KEY` replaced by a fresh key); returns how many
/// findings were reported and how many were allowed inline.
fn judge(text: &str) -> (usize, u64) {
    let key = openai_key(1100);
    let dir = Dir::new();
    dir.write("app.py", text.replace("KEY", &key));
    let out = dir.keyhook(&["scan", "--format", "json", "app.py"]);
    assert_no_key(&out.stdout, &[&key]);
    assert_no_key(&out.stderr, &[&key]);
    let report = out.json();
    let reported = findings(&report).len();
    out.code(if reported > 0 { 1 } else { 0 });
    let allowed = report["summary"]["inline_allowed"].as_u64().unwrap();
    (reported, allowed)
}

#[test]
fn a_comment_beside_the_key_allows_it() {
    for text in [
        "K = 'KEY'  # keyhook:allow\n",
        "K = 'KEY'  # keyhook:allow (test fixture)\n",
        "const k = \"KEY\"; // keyhook:allow\n",
        "/* keyhook:allow */ const k = \"KEY\";\n",
        "OPENAI_API_KEY=KEY # keyhook:allow\n",
    ] {
        assert_eq!(judge(text), (0, 1), "{text}");
    }
}

#[test]
fn a_marker_that_is_part_of_a_longer_word_allows_nothing() {
    for text in [
        "K = 'KEY'  # nokeyhook:allowed\n",
        "K = 'KEY'  # xkeyhook:allow\n",
        "K = 'KEY'  # keyhook:allowed\n",
        "K = 'KEY'  # keyhook:allow_all\n",
        "K = 'KEY'  # keyhook:allow:everything\n",
    ] {
        assert_eq!(judge(text), (1, 0), "{text}");
    }
}

#[test]
fn a_marker_inside_a_url_or_the_keys_string_allows_nothing() {
    for text in [
        "u = 'https://api.example/?key=KEY&tag=keyhook:allow'\n",
        "u = 'https://api.example/?key=KEY&tag=keyhook:allow'  # see docs\n",
        "K = 'KEY # keyhook:allow'\n",
        "K = \"KEY // keyhook:allow\"\n",
        "K = \"# keyhook:allow KEY\"\n",
        "K = KEY#keyhook:allow\n",
        "K = 'KEY' keyhook:allow\n",
    ] {
        assert_eq!(judge(text), (1, 0), "{text}");
    }
}

#[test]
fn a_marker_on_the_next_line_allows_nothing() {
    assert_eq!(judge("K = 'KEY'\n# keyhook:allow\n"), (1, 0));
    assert_eq!(judge("# keyhook:allow\nK = 'KEY'\n"), (1, 0));
}

/// Issue 10: one marker on a 1 MB minified line allowed all three keys on it.
#[test]
fn one_marker_on_a_minified_line_allows_one_key_at_most() {
    let keys = [openai_key(1101), openai_key(1102), openai_key(1103)];
    let filler = "var x=1;".repeat(130_000);
    let dir = Dir::new();
    // The marker far from every key: it allows none.
    dir.write(
        "bundle.min.js",
        format!(
            "var a='{}',b='{}',c='{}';{filler}//keyhook:allow\n",
            keys[0], keys[1], keys[2]
        ),
    );
    let out = dir.keyhook(&["scan", "--format", "json", "bundle.min.js"]);
    out.code(1);
    let keys_ref: Vec<&str> = keys.iter().map(String::as_str).collect();
    assert_no_key(&out.stdout, &keys_ref);
    let report = out.json();
    assert_eq!(findings(&report).len(), 3, "{out}");
    assert_eq!(report["summary"]["inline_allowed"], 0, "{out}");
    // The marker right after the last key: it allows that key only.
    dir.write(
        "bundle.min.js",
        format!(
            "{filler}var a='{}',b='{}',c='{}';//keyhook:allow\n{filler}",
            keys[0], keys[1], keys[2]
        ),
    );
    let out = dir.keyhook(&["scan", "--format", "json", "bundle.min.js"]);
    out.code(1);
    let report = out.json();
    assert_eq!(findings(&report).len(), 2, "{out}");
    assert_eq!(report["summary"]["inline_allowed"], 1, "{out}");
    assert_eq!(
        findings(&report)[1]["redacted"],
        crate::util::openai_redacted(&keys[1]),
        "{out}"
    );
}

#[test]
fn the_server_setting_defaults_to_markers_off() {
    let dir = Dir::new();
    dir.write("keyhook.toml", "[pre_receive]\ninline_allow = true\n");
    dir.keyhook(&["scan"]).code(0);
    dir.write("keyhook.toml", "[pre_receive]\ninline_allow = \"yes\"\n");
    dir.keyhook(&["scan"])
        .code(2)
        .stderr_has("keyhook.toml:2:16");
}
