//! Integration tests of the whole pipeline against the loopback newswire.

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
