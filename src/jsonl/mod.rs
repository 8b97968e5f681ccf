//! The file tools: JSON Lines in or out, one record per line, so each stage
//! can be run and measured on its own, outside the crawl.
//!
//! - [`extract`]: saved HTML pages → one extracted article per line.
//! - [`analyze`]: articles → summary, key points, entities and quotes.
//! - [`cluster`]: headlines → the story each one joins.

pub mod analyze;
pub mod cluster;
pub mod extract;
