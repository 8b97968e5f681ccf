//! The site in a real browser: `tests/browser/site.test.mjs` drives Debian's
//! chromium (via playwright-core) through the running demo. Skips, saying
//! so, where chromium or the npm packages are not installed (`.ci/run`
//! installs both).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

#[tokio::test]
async fn reader_journey_in_chromium() {
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let missing: Vec<&str> = [
        (!Path::new("/usr/bin/chromium").exists()).then_some("/usr/bin/chromium"),
        (!scripts.join("node_modules/playwright-core").exists()).then_some("tests/browser/node_modules (npm ci)"),
        Command::new("node")
            .arg("--version")
            .output()
            .is_err()
            .then_some("node"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !missing.is_empty() {
        eprintln!("skipping the browser test: missing {missing:?}");
        return;
    }
    let demo = common::Demo::start();
    demo.wait_for(48, 6, Duration::from_secs(60)).await;
    let output = Command::new("node")
        .args(["--test", "--test-reporter=spec", "site.test.mjs"])
        .current_dir(&scripts)
        .env("BASE_URL", &demo.url)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    eprintln!("{report}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "browser test failed");
}
