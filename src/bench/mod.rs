//! `newsdesk bench …`: measurements that back the numbers in docs/BENCHMARKS.md.

pub mod analyze;
pub mod cluster;
pub mod extract;
pub mod generate;
mod quotes;
#[cfg(feature = "semantic")]
pub mod semantic;
