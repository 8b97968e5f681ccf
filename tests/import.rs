//! `newsdesk import warc` as a user runs it (issue #18): a WARC file
//! written here, in CC-NEWS's shape (a gzip member per record), from the
//! newswire's pages, with the bad records real archives have between
//! them. Every good page becomes an analysed, clustered, searchable
//! article; every bad record is named and skipped; the import reads to the
//! file's end and exits 0; the file is then done and passed over, and a
//! copy of it under another name stores nothing new. On PostgreSQL, two
//! imports given the same files split them, each file imported once.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use chrono::{DateTime, Duration, TimeZone, Utc};
use newsdesk_fetch::warc::{http_response, write_record};
use newsdesk_newswire::Newswire;
use newsdesk_postgres::testing::TestDatabase;
use newsdesk_store::{PostgresStore, SqliteStore, Store};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cc_news_style_archive_is_imported_and_its_bad_records_skipped() {
    let wire = Newswire::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("CC-NEWS-test.warc.gz");
    let articles = wire.articles();
    write_archive(&archive, &wire).await;
    let config = dir.path().join("newsdesk.toml");
    std::fs::write(&config, format!("database = {:?}\n", dir.path().join("newsdesk.db"))).unwrap();

    let first = import(&config, &archive);
    let (stdout, stderr) = texts(&first);
    assert!(first.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!(
            "imported {} pages, 0 already stored, 5 skipped",
            articles.len()
        )),
        "{stdout}"
    );
    for named in [
        "HTTP status 404",
        "not HTML but image/jpeg",
        "HTML over",
        "ends inside the record",
        "cut or corrupt",
    ] {
        assert!(
            stderr.to_lowercase().contains(&named.to_lowercase()),
            "no error names {named:?}:\n{stderr}"
        );
    }

    let store = SqliteStore::open(&dir.path().join("newsdesk.db")).unwrap();
    let ready = store.ready_article_ids().unwrap();
    assert_eq!(ready.len(), articles.len());
    let mut stories = std::collections::HashSet::new();
    for id in &ready {
        let article = store.article(*id).unwrap().unwrap();
        assert!(
            articles.iter().any(|a| a.url == article.url),
            "{} is not a newswire page",
            article.url
        );
        assert!(
            store.analysis(*id).unwrap().is_some(),
            "{} was not analysed",
            article.url
        );
        let story = store
            .article_story(*id)
            .unwrap()
            .unwrap_or_else(|| panic!("{} has no story", article.url));
        stories.insert(story.story);
    }
    // The newswire's 48 articles report a handful of events across outlets.
    assert!(stories.len() < articles.len() / 2, "{} stories", stories.len());

    let again = import(&config, &archive);
    let (stdout, stderr) = texts(&again);
    assert!(again.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("imported already"), "{stdout}");
    let copy = dir.path().join("CC-NEWS-copy.warc.gz");
    std::fs::copy(&archive, &copy).unwrap();
    let repeat = import(&config, &copy);
    let (stdout, stderr) = texts(&repeat);
    assert!(repeat.status.success(), "{stdout}\n{stderr}");
    let repeated = format!("imported 0 pages, {} already stored", articles.len());
    assert!(stdout.contains(&repeated), "{stdout}");
    assert_eq!(store.ready_article_ids().unwrap().len(), articles.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_imports_split_a_day_of_files() {
    let Some(db) = TestDatabase::create("two_imports_split_a_day_of_files") else {
        return;
    };
    let wire = Newswire::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let articles = wire.articles();
    let mut files = Vec::new();
    for (i, part) in articles.chunks(articles.len().div_ceil(4)).enumerate() {
        let path = dir.path().join(format!("CC-NEWS-{i}.warc.gz"));
        let mut out = Vec::new();
        for (n, article) in part.iter().enumerate() {
            let html = reqwest::get(&article.url).await.unwrap().bytes().await.unwrap();
            let page = http_response(200, "text/html", &html);
            let at = Utc::now() + Duration::seconds(n as i64);
            write_record(&mut out, "response", Some(&article.url), at, &page, true).unwrap();
        }
        std::fs::write(&path, out).unwrap();
        files.push((path, part.len()));
    }
    let config = dir.path().join("newsdesk.toml");
    std::fs::write(&config, format!("database = {:?}\nsearch = \"postgres\"\n", db.url())).unwrap();
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .args(["--config", config.to_str().unwrap(), "import", "warc"])
            .args(files.iter().map(|(p, _)| p))
            .env("RUST_LOG", "warn")
            // Words only: a test never fetches the model from PyPI.
            .env("NEWSDESK_SEMANTIC_MODEL", "off")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (start(), start());
    let mut said = Vec::new();
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        let (stdout, stderr) = texts(&out);
        assert!(out.status.success(), "{stdout}\n{stderr}");
        said.push(stdout);
    }
    for (path, pages) in &files {
        let done = format!("{}: {pages} imported, 0 already stored", path.display());
        let by = said.iter().filter(|o| o.contains(&done)).count();
        assert_eq!(by, 1, "{} was imported by {by} processes:\n{said:#?}", path.display());
    }
    let store = PostgresStore::connect(db.url()).unwrap();
    let ready = store.ready_article_ids().unwrap();
    assert_eq!(ready.len(), articles.len());
    for id in ready {
        assert!(
            store.article_story(id).unwrap().is_some(),
            "article {} has no story",
            id.0
        );
    }
}

fn import(config: &Path, archive: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args([
            "--config",
            config.to_str().unwrap(),
            "import",
            "warc",
            archive.to_str().unwrap(),
        ])
        .env("RUST_LOG", "warn")
        .env("NEWSDESK_SEMANTIC_MODEL", "off")
        .output()
        .unwrap()
}

fn texts(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The newswire's pages as fetched, in fetch order, a gzip member per
/// record, with a bad record of each kind among them; the file ends in a
/// record cut off mid-member, as an interrupted download leaves it.
async fn write_archive(path: &Path, wire: &Newswire) {
    let start: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 30, 6, 0, 0).unwrap();
    let at = |i: usize| start + Duration::seconds(i as i64 * 30);
    let mut out = Vec::new();
    write_record(&mut out, "warcinfo", None, start, b"software: newsdesk tests\r\n", true).unwrap();
    for (i, article) in wire.articles().iter().enumerate() {
        let html = reqwest::get(&article.url).await.unwrap().bytes().await.unwrap();
        let request = format!("GET / HTTP/1.1\r\nHost: {}\r\n\r\n", article.url);
        write_record(&mut out, "request", Some(&article.url), at(i), request.as_bytes(), true).unwrap();
        let response = http_response(200, "text/html; charset=utf-8", &html);
        write_record(&mut out, "response", Some(&article.url), at(i), &response, true).unwrap();
        match i {
            3 => {
                let missing = http_response(404, "text/html", b"<p>Not found</p>");
                write_record(
                    &mut out,
                    "response",
                    Some("https://gone.example/x"),
                    at(i),
                    &missing,
                    true,
                )
                .unwrap();
            }
            7 => {
                let image = http_response(200, "image/jpeg", &[0xff, 0xd8, 0xff, 0xe0]);
                write_record(
                    &mut out,
                    "response",
                    Some("https://img.example/a.jpg"),
                    at(i),
                    &image,
                    true,
                )
                .unwrap();
            }
            11 => {
                let huge = http_response(200, "text/html", &b"<p>padding padding</p>".repeat(50 << 20 >> 4));
                write_record(&mut out, "response", Some("https://huge.example/"), at(i), &huge, true).unwrap();
            }
            15 => out.extend(truncated_member(at(i))),
            _ => {}
        }
    }
    let mut last = Vec::new();
    let page = http_response(200, "text/html", b"<html><body><p>cut off</p></body></html>");
    write_record(&mut last, "response", Some("https://cut.example/"), start, &page, true).unwrap();
    out.extend_from_slice(&last[..last.len() / 2]);
    std::fs::write(path, out).unwrap();
}

/// A record whose gzip member is whole but whose body stops short of the
/// length its header declares.
fn truncated_member(date: DateTime<Utc>) -> Vec<u8> {
    let page = http_response(
        200,
        "text/html",
        &b"<p>The start of a page that never ends.</p>".repeat(100),
    );
    let mut record = Vec::new();
    write_record(
        &mut record,
        "response",
        Some("https://short.example/"),
        date,
        &page,
        false,
    )
    .unwrap();
    record.truncate(record.len() - 1_000);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&record).unwrap();
    gz.finish().unwrap()
}
