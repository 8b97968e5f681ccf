//! newsdesk's benchmarks: a dev-only workspace tool that measures quality,
//! speed and memory on the shared corpora and backs every figure in
//! `docs/BENCHMARKS.md`. The product never depends on it (nor it on the
//! `newsdesk` binary): it drives the pipeline crates directly.
//!
//! Run it from the repository root, with the corpora in `../shared`:
//! `cargo run --release -p newsdesk-bench -- extract --corpus ../shared/corpora/scrapinghub`.
//! Each module is one family of subcommands:
//! - [`extract`]: extraction quality (shingle P/R/F1), pages/s and peak RSS;
//! - [`analyze`]: summary ROUGE, quote detection and analysis speed;
//! - [`entities`]: people, organisations and places, by the project's scorer;
//! - [`cluster`]: story quality on MStream, speed, memory and latency
//!   (and, with the `semantic` feature, title embeddings in `semantic`);
//! - [`orders`]: whether stories depend on the order articles arrive in;
//! - [`generate`]: a synthetic archive in a SQLite store for `bench/site.sh`;
//! - [`claims`]: crawl workers' host claims on a PostgreSQL database with a
//!   million pending pages;
//! - [`million`]: a million-article PostgreSQL database written with `COPY`,
//!   the story writer's lag under ingest, and table bloat after a million
//!   updates;
//! - [`tagger`]: trains the name tagger built into `newsdesk-analyze`;
//! - [`section`]: trains and scores its section classifier.
//! - [`warc`]: a synthetic CC-NEWS file for `newsdesk import warc`, and how
//!   fast the WARC reader reads one.

#![warn(missing_docs)]

pub mod analyze;
pub mod claims;
pub mod cluster;
pub mod entities;
pub mod extract;
pub mod generate;
pub mod million;
pub mod orders;
mod quotes;
mod scorers;
pub mod section;
#[cfg(feature = "semantic")]
pub mod semantic;
pub mod tagger;
pub mod warc;
