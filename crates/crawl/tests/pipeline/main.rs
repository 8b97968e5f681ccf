//! Integration tests of the whole pipeline against the loopback newswire:
//! the crawl stage over real HTTP, a real SQLite file and the real site.

mod analysis;
mod community;
mod crawl;
mod faults;
mod llm;
mod search;
mod semantic;
mod site;
mod stories;
mod subscriptions;
mod support;
