//! The index's fields and its text analyser.
//!
//! Every text field goes through one analyser, so a query is tokenised
//! exactly like the documents it is matched against.

use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
    STORED, STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
};
use tantivy::Index;

/// Name the analyser is registered under.
pub(crate) const ANALYZER: &str = "newsdesk";

/// Tokens longer than this (bytes) are dropped: they are base64, URLs or
/// unspaced CJK runs, never words anyone searches for.
const MAX_TOKEN_BYTES: usize = 40;

/// Handles of the schema's fields.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub title: Field,
    pub text: Field,
    pub source: Field,
    pub source_slug: Field,
    /// Entity names, analysed for free-text search.
    pub entity: Field,
    /// Entity names as lowercased exact keys, for the entity filter.
    pub entity_key: Field,
    pub published: Field,
    pub url: Field,
}

pub(crate) fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let analysed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: b.add_i64_field("id", NumericOptions::default().set_indexed().set_stored()),
        title: b.add_text_field("title", analysed.clone().set_stored()),
        text: b.add_text_field("text", analysed.clone().set_stored()),
        source: b.add_text_field("source", analysed.clone().set_stored()),
        source_slug: b.add_text_field("source_slug", STRING | STORED),
        entity: b.add_text_field("entity", analysed.set_stored()),
        entity_key: b.add_text_field("entity_key", STRING),
        published: b.add_date_field(
            "published",
            DateOptions::default()
                .set_indexed()
                .set_stored()
                .set_fast()
                .set_precision(DateTimePrecision::Seconds),
        ),
        url: b.add_text_field("url", STORED),
    };
    (b.build(), fields)
}

/// Registers the analyser; tantivy does not persist analysers, so this runs
/// on every open.
///
/// Words are split on anything not alphanumeric, lowercased, folded to ASCII
/// where a Latin letter has an accent ("Zürich" matches "zurich") and
/// stemmed with the English Snowball stemmer ("elections" matches
/// "election"). The stemmer only rewrites ASCII suffixes, so Cyrillic,
/// Greek or Arabic words pass through unchanged and still match exactly.
/// Chinese and Japanese, written without spaces, become one token per run
/// of characters and match only whole runs.
pub(crate) fn register_analyzer(index: &Index) {
    let analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build();
    index.tokenizers().register(ANALYZER, analyzer);
}

/// The exact key an entity is filtered by: trimmed and lowercased, so the
/// filter does not depend on how a page capitalised a name.
pub(crate) fn entity_key(name: &str) -> String {
    name.trim().to_lowercase()
}
