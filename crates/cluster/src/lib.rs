//! Stories for newsdesk: which articles tell the same story.
//!
//! [`Clusterer`] assigns each arriving article, in arrival order, to a story
//! (an existing one or a new one) from its title, lead, publisher and time;
//! stories live in a sliding time window, and two stories that turn out to
//! be one are merged. Because arrival order should not decide stories, each
//! assignment also revises recent decisions around the story that grew
//! ([`Revision`]): recent articles of its neighbours that now fit it better
//! move, a story emptied that way is gone, and a young story whose articles
//! fall into two groups splits. Near-verbatim copies of wire stories are detected with
//! MinHash and marked syndicated, with their origin where it can be named.
//! Each assignment also reports the related stories that came close.
//!
//! The crate does no I/O and knows nothing of the store: the `newsdesk`
//! binary feeds it articles and persists what it decides. Its state is
//! bounded by the window, and every decision is deterministic for a given
//! input order.
//!
//! Optionally, an article may carry a sentence embedding of its title
//! ([`Item::embedding`]); with [`Config::semantic_weight`] above 0, each
//! story keeps its members' mean embedding and the cosine with it is
//! blended into the score. The `semantic` cargo feature (off by default)
//! adds [`semantic::Embedder`], which computes such embeddings with
//! all-MiniLM-L6-v2 on the CPU from a local model directory; that feature
//! alone reads files (the model).

#![warn(missing_docs)]

mod doc;
mod embedding;
mod engine;
mod idf;
pub mod metrics;
mod minhash;
mod postings;
#[cfg(feature = "semantic")]
pub mod semantic;
mod story;
mod text;

pub use engine::Clusterer;

/// One article to cluster. `key` identifies it (unique per article); a
/// story is named by the key of the article that founded it, or, for one
/// split off another ([`Revision::Split`]), by the key of its first article
/// that never named a story.
#[derive(Debug, Clone, Copy, Default)]
pub struct Item<'a> {
    /// The caller's id for the article (the store's article id).
    pub key: u64,
    /// Headline; the strongest evidence of what the story is.
    pub title: &'a str,
    /// Lead or body text; may be empty. Near-duplicates are detected on it.
    pub text: &'a str,
    /// Publisher name.
    pub source: Option<&'a str>,
    /// Authors as the page gives them; a byline shared by near-copies names
    /// the wire agency they came from.
    pub byline: Option<&'a str>,
    /// Publication time, unix milliseconds.
    pub published_ms: Option<i64>,
    /// Sentence embedding of the title (e.g. from the `semantic` feature's
    /// embedder); used only when [`Config::semantic_weight`] is above 0.
    pub embedding: Option<&'a [f32]>,
}

/// Tuning of the clusterer. The defaults are the ones benchmarked in
/// docs/BENCHMARKS.md.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Stories with no article for this long leave the window.
    pub window_ms: i64,
    /// Published times beyond the wall clock plus this are treated as missing.
    pub future_tolerance_ms: i64,
    /// Minimum score to join a story.
    pub threshold: f32,
    /// An article scoring at least this against a second story merges the
    /// two (if their centroids also agree).
    pub merge_threshold: f32,
    /// Two stories whose idf-weighted centroids have at least this cosine
    /// are merged (checked when a story doubles in size).
    pub story_merge_threshold: f32,
    /// Minimum score for a story to be reported as related.
    pub related_threshold: f32,
    /// Share of the score from the best single member (the rest from the centroid).
    pub member_weight: f32,
    /// The score halves for each this many milliseconds between the article
    /// and the story's time span; 0 disables the decay.
    pub half_life_ms: i64,
    /// Score factor when the story already has an article from the same publisher.
    pub same_source_factor: f32,
    /// Share of the score from the cosine of the article's embedding with
    /// its story's mean embedding (when both exist); 0 leaves it out. Only
    /// matters for items that carry an embedding.
    pub semantic_weight: f32,
    /// [`Config::semantic_weight`] halves for each this many milliseconds
    /// between the article and the story's time span (on top of
    /// `half_life_ms`, which damps the whole score); 0 keeps it whole. A
    /// title embedding tells what kind of thing happened (a flood, a
    /// budget), which recurs across days; that it is the same occurrence
    /// comes from names and time. Days apart, the words alone decide.
    pub semantic_half_life_ms: i64,
}

const HOUR_MS: i64 = 3_600_000;

impl Default for Config {
    fn default() -> Self {
        Config {
            window_ms: 72 * HOUR_MS,
            future_tolerance_ms: 24 * HOUR_MS,
            threshold: 0.21,
            merge_threshold: 0.25,
            story_merge_threshold: 0.3,
            related_threshold: 0.1,
            member_weight: 0.2,
            half_life_ms: 72 * HOUR_MS,
            same_source_factor: 0.9,
            semantic_weight: 0.3,
            semantic_half_life_ms: 12 * HOUR_MS,
        }
    }
}

impl Config {
    /// The live pipeline's configuration. Live articles carry their whole
    /// lead, not only a headline: two reports of one event share names
    /// across their first paragraphs even when their headlines share no
    /// word, so a lower join threshold than the headline-only default holds;
    /// merges still need the centroids to agree. Under that low threshold
    /// the title cosine weighs less than the headline benchmark's 0.3: at
    /// 0.3, two different stories of one city (a bridge closure, a transit
    /// strike) clear it and become one. It matters only for embedded articles.
    pub fn live() -> Config {
        Config {
            threshold: 0.13,
            semantic_weight: 0.2,
            ..Config::default()
        }
    }
}

/// What assigning one article decided.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assignment {
    /// The article's story (after any merge).
    pub story: u64,
    /// The article founded its story.
    pub new_story: bool,
    /// The article's key was already live: nothing changed.
    pub duplicate: bool,
    /// Stories merged into `story` by this assignment; they no longer exist.
    pub merged: Vec<u64>,
    /// Articles (this one and, for wire copies, earlier ones) now known to
    /// be syndicated copies.
    pub syndicated: Vec<Syndicated>,
    /// Other live stories close to this article, best first, with their scores.
    pub related: Vec<(u64, f32)>,
    /// Earlier decisions this assignment revised, in the order taken, after
    /// the article joined `story` and the `merged` stories went into it.
    pub revisions: Vec<Revision>,
}

/// A revised decision about articles already assigned. Arrival order should
/// not decide stories: when a story grows, recent articles of its
/// neighbours that now fit it better move to it, and back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revision {
    /// Article `key` left story `from` for story `to` (both live).
    Move {
        /// The article.
        key: u64,
        /// The story it was in.
        from: u64,
        /// The story it is in now.
        to: u64,
    },
    /// A new story `story`, made of articles `keys` taken out of `from`,
    /// whose articles fell into two groups that would not join as groups.
    Split {
        /// The story the articles left; it keeps its founder.
        from: u64,
        /// The new story, named by one of its articles whose key never named a story.
        story: u64,
        /// The articles that moved, in their old story's order.
        keys: Vec<u64>,
    },
    /// Story `story` lost its last article (to `into`, by the move just
    /// before) and no longer exists; its readers belong with `into`.
    Dissolve {
        /// The story that is gone.
        story: u64,
        /// Where its last article went.
        into: u64,
    },
}

impl Assignment {
    fn duplicate(story: u64) -> Assignment {
        Assignment {
            story,
            duplicate: true,
            ..Assignment::default()
        }
    }
}

/// An article found to be a copy of another's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Syndicated {
    /// The copy's key.
    pub key: u64,
    /// The wire agency or publisher it was copied from, where known.
    pub origin: Option<String>,
}
