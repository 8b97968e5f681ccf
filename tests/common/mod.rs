//! Runs the `newsdesk demo` binary as a user would, for end-to-end tests.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The running demo; killed when dropped.
pub struct Demo {
    child: Child,
    pub url: String,
    /// Keeps the demo's database directory alive as long as the demo.
    _dir: tempfile::TempDir,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Demo {
    /// Starts the demo on a free port and returns once it prints its URL.
    pub fn start() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .args(["demo", "--port", "0"])
            .env("NEWSDESK_DATABASE", dir.path().join("newsdesk.db"))
            .env("RUST_LOG", "warn")
            // Words only: a test never fetches the model from PyPI.
            .env("NEWSDESK_SEMANTIC_MODEL", "off")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("demo prints its URL");
        Demo {
            url: url.trim_end_matches('/').to_string(),
            child,
            _dir: dir,
        }
    }

    /// Waits until the home page lists `articles` articles from `sources`
    /// sources; panics after `limit`.
    pub async fn wait_for(&self, articles: usize, sources: usize, limit: Duration) {
        let started = Instant::now();
        loop {
            let home = reqwest::get(&self.url).await.unwrap().text().await.unwrap();
            let listed = home.matches("href=\"/article/").count();
            let from: std::collections::HashSet<_> = home
                .match_indices("href=\"/source/")
                .map(|(i, _)| home[i..].split('"').nth(1).unwrap())
                .collect();
            if listed >= articles && from.len() >= sources {
                return;
            }
            assert!(
                started.elapsed() < limit,
                "after {limit:?}: {listed} articles from {} sources",
                from.len()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}
