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

/// Log lines on a pipe carry no colour codes, and `--log-format json` makes
/// each one a JSON object (opening a new database logs its migrations).
#[test]
fn logs_on_a_pipe_are_plain_text_or_json() {
    for format in ["text", "json"] {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .args(["--log-format", format, "reindex"])
            .env("NEWSDESK_DATABASE", dir.path().join("newsdesk.db"))
            .env("RUST_LOG", "info")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("migration"), "{format}: {stderr}");
        assert!(
            !stderr.contains('\u{1b}'),
            "{format}: colour codes on a pipe: {stderr:?}"
        );
        if format == "json" {
            for line in stderr.lines() {
                let entry: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
                assert!(entry["level"].is_string(), "{line}");
            }
        }
    }
}

/// The first admin comes from whoever runs the server (issue #15, row 9):
/// the password is read from standard input, under registration's rules.
#[test]
fn admin_create_makes_an_admin_from_standard_input() {
    use std::io::Write;
    use std::process::Stdio;

    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("newsdesk.db");
    let create = |name: &str, password: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .args(["admin", "create", name])
            .env("NEWSDESK_DATABASE", &database)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let weak = create("ops", "short");
    assert!(!weak.status.success());
    assert!(
        String::from_utf8_lossy(&weak.stderr).contains("at least 10"),
        "{weak:?}"
    );

    let made = create("ops", "correct horse battery");
    assert!(made.status.success(), "{made:?}");
    assert!(String::from_utf8_lossy(&made.stdout).contains("created admin ops"));
    let store = newsdesk_store::SqliteStore::open(&database).unwrap();
    let (user, _) = newsdesk_store::Community::user_for_login(&store, "ops")
        .unwrap()
        .unwrap();
    assert_eq!(user.role, newsdesk_domain::Role::Admin);

    let again = create("OPS", "correct horse battery");
    assert!(!again.status.success(), "names are unique ignoring case");
}

/// `newsdesk migrate`: an instance moved to PostgreSQL, every table counted
/// on both sides; then the same command serving from PostgreSQL finds its
/// admin; bad arguments and a non-empty target are refused.
#[test]
fn migrate_moves_an_instance_to_postgres() {
    let Some(target) = newsdesk_postgres::testing::TestDatabase::create("migrate_moves_an_instance_to_postgres") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("newsdesk.db");
    let store = newsdesk_store::SqliteStore::open(&database).unwrap();
    let source = newsdesk_store::Store::upsert_source(&store, "Gazette", Some("https://gazette.example/")).unwrap();
    newsdesk_store::Store::add_feed(&store, source.id, "https://gazette.example/feed").unwrap();
    newsdesk_store::Community::create_user(&store, "ops", "hash", newsdesk_domain::Role::Admin, chrono::Utc::now())
        .unwrap();
    drop(store);
    let migrate = |from: &str, to: &str| {
        Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .args(["migrate", "--from", from, "--to", to])
            .output()
            .unwrap()
    };
    let from = format!("sqlite:{}", database.display());

    let moved = migrate(&from, target.url());
    assert!(moved.status.success(), "{moved:?}");
    let report = String::from_utf8_lossy(&moved.stdout);
    assert!(report.contains("every count matches"), "{report}");
    for line in [
        "sources                   1 rows in SQLite,         1 in PostgreSQL",
        "users ",
    ] {
        assert!(report.contains(line), "{line:?} missing: {report}");
    }
    let feeds = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["feeds", "list"])
        .env("NEWSDESK_DATABASE", target.url())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&feeds.stdout).contains("https://gazette.example/feed"),
        "{feeds:?}"
    );

    let again = migrate(&from, target.url());
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds newsdesk data"),
        "{again:?}"
    );
    let missing = migrate("sqlite:/nonexistent/news.db", target.url());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("no SQLite database"),
        "{missing:?}"
    );
    let not_postgres = migrate(&from, "mysql://db/news");
    assert!(
        String::from_utf8_lossy(&not_postgres.stderr).contains("--to must be"),
        "{not_postgres:?}"
    );
}

/// `newsdesk cluster` clusters as the live pipeline does: with the
/// configured model, two headlines about one rate rise that share almost
/// no words become one story; words alone keep them apart. Needs the real
/// model (`NEWSDESK_MINILM_DIR`, scripts/fetch-minilm.sh); skipped without.
#[cfg(feature = "semantic")]
#[test]
fn cluster_embeds_titles_with_the_configured_model() {
    use std::io::Write;
    let Some(model) = std::env::var_os("NEWSDESK_MINILM_DIR") else {
        eprintln!("NEWSDESK_MINILM_DIR unset: cluster-with-embeddings test skipped");
        return;
    };
    let titles = [
        "Earthquake shakes Lisbon overnight",
        "Central bank raises interest rates again",
        "Cup final tickets sell out in minutes",
        "Borrowing costs climb as lenders hike key rate",
    ];
    let input: String = titles
        .iter()
        .enumerate()
        .map(|(n, t)| {
            format!(
                "{}\n",
                serde_json::json!({"id": n.to_string(), "title": t, "source": n.to_string()})
            )
        })
        .collect();
    let stories = |semantic_model: &std::ffi::OsStr| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .arg("cluster")
            .env("NEWSDESK_SEMANTIC_MODEL", semantic_model)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["story"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(stories("off".as_ref()), ["0", "1", "2", "3"]);
    assert_eq!(stories(&model), ["0", "1", "2", "1"]);
}
