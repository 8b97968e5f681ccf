//! Integration tests of the whole pipeline against the loopback newswire:
//! the crawl stage over real HTTP, a real database and the real site. The
//! suite runs on SQLite; `NEWSDESK_TEST_BACKEND=postgres` runs it again on
//! PostgreSQL (`.ci/run` does both).

mod analysis;
mod community;
mod crawl;
mod faults;
mod llm;
mod migrate;
mod reading;
mod reading_apps;
mod search;
mod semantic;
mod site;
mod stories;
mod subscriptions;
mod support;
