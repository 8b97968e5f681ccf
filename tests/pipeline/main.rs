//! Integration tests of the whole pipeline against the loopback newswire.

mod analysis;
mod crawl;
mod faults;
mod subscriptions;
mod support;
