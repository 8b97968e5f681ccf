//! Offline article analysis for newsdesk.
//!
//! Everything here runs on the reader's machine with no network and no
//! model download: a sentence splitter tuned for news, an extractive
//! summary, people/organisations/places from capitalisation, context cues
//! and hand-compiled gazetteers, direct quotes with their speakers, and a
//! question answerer over the article's own sentences.

pub mod entities;
pub mod gazetteer;
pub mod quotes;
pub mod sentences;
pub mod tokens;
