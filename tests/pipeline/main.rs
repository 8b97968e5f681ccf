//! Integration tests of the whole pipeline against the loopback newswire.

mod crawl;
mod faults;
mod stories;
mod subscriptions;
mod support;
