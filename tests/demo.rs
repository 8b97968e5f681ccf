//! `newsdesk demo` as a user runs it: the binary starts, prints its URL, and
//! within 60 s its home page lists at least 48 articles from 6 sources.

mod common;

use std::time::Duration;

#[tokio::test]
async fn demo_serves_the_newswire_within_a_minute() {
    let demo = common::Demo::start();
    demo.wait_for(48, 6, Duration::from_secs(60)).await;
}
