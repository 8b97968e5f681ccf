//! `newsdesk demo` as a user runs it: the binary starts, prints its URL, and
//! within 60 s its home page lists at least 48 articles from 6 sources.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn demo_serves_the_newswire_within_a_minute() {
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["demo", "--port", "0"])
        .env("NEWSDESK_DATABASE", dir.path().join("newsdesk.db"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let started = Instant::now();
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("demo prints its URL")
        .to_string();

    loop {
        let home = reqwest::get(&url).await.unwrap().text().await.unwrap();
        let articles = home.matches("href=\"/article/").count();
        let sources: std::collections::HashSet<_> = home
            .match_indices("href=\"/source/")
            .map(|(i, _)| home[i..].split('"').nth(1).unwrap())
            .collect();
        if articles >= 48 && sources.len() >= 6 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "after 60 s: {articles} articles, {} sources",
            sources.len()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        dir.path().join("demo.db").exists(),
        "the demo keeps its own database beside the configured one"
    );
}
