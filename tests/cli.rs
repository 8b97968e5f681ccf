//! The binary as an operator meets it: bad arguments are refused before
//! anything is created.

use std::process::Command;

#[test]
fn a_bad_feed_address_is_refused_before_a_database_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("newsdesk.db");
    let out = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["feeds", "add", "not-a-url"])
        .env("NEWSDESK_DATABASE", &database)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not-a-url"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "colour codes on a pipe: {stderr:?}");
    assert!(!database.exists(), "a database was created for a refused command");
}
