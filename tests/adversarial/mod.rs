//! The trust boundary (issue 10): input written to get a key past keyhook, or to get
//! a key into its output. One file per topic; [`assert_no_key`] is the redaction
//! invariant every one of them checks.

mod config_errors;
mod exits;
mod fuzz;
mod inline_marker;
mod metadata;
mod reads;
mod rule_override;
mod server_gate;

/// Panics unless none of `keys` appears whole in `output`, naming the key (redacted
/// to its first 12 characters) and showing the output.
#[track_caller]
pub fn assert_no_key(output: &str, keys: &[&str]) {
    for key in keys {
        assert!(
            key.len() >= 16,
            "a key to look for must be key-sized: {key:?}"
        );
        assert!(
            !output.contains(key),
            "the output holds the whole key {}…:\n{output}",
            &key[..12]
        );
    }
}

#[test]
fn the_leak_check_can_fail() {
    let key = crate::util::openai_key(1000);
    let caught = std::panic::catch_unwind(|| assert_no_key(&format!("x {key} y"), &[&key]));
    assert!(caught.is_err());
    assert_no_key("nothing here", &[&key]);
}
