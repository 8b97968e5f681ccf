//! Articles as the index stores them, and back.

use chrono::{DateTime, Utc};
use newsdesk_domain::{Article, ArticleId, Source};
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;
use tantivy::TantivyDocument;

use crate::query::date;
use crate::schema::{entity_key, Fields};
use crate::snippet::Snippet;
use crate::Hit;

/// What the index knows of one article.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDoc {
    /// The article's row id in the store; unique in the index.
    pub id: ArticleId,
    /// Headline; weighs more than the body in ranking.
    pub title: String,
    /// Plain text of the body.
    pub text: String,
    /// The publisher's display name; searched as text.
    pub source_name: String,
    /// The publisher's slug; what the source filter matches.
    pub source_slug: String,
    /// Names of the people, places and organisations the article mentions.
    pub entities: Vec<String>,
    /// Publication time, or discovery time when the page gave none: the
    /// time "newest first" and the date filters go by.
    pub published: DateTime<Utc>,
    /// Canonical URL of the publisher's page.
    pub url: String,
    /// The article's language (ISO 639 code) where known. PostgreSQL picks
    /// its stemmer and stop words by it; tantivy stems everything as English.
    pub lang: Option<String>,
}

impl SearchDoc {
    /// The document for a stored article of `source`.
    pub fn from_article(article: &Article, source: &Source, entities: &[String]) -> SearchDoc {
        SearchDoc {
            id: article.id,
            title: article.title.clone(),
            text: article.text.clone(),
            source_name: source.name.clone(),
            source_slug: source.slug.clone(),
            entities: entities.to_vec(),
            published: article.published_at.unwrap_or(article.discovered_at),
            url: article.url.clone(),
            lang: article.lang.clone(),
        }
    }

    pub(crate) fn to_tantivy(&self, f: &Fields) -> TantivyDocument {
        let mut d = TantivyDocument::default();
        d.add_i64(f.id, self.id.0);
        d.add_text(f.title, &self.title);
        d.add_text(f.text, &self.text);
        d.add_text(f.source, &self.source_name);
        d.add_text(f.source_slug, &self.source_slug);
        for name in &self.entities {
            d.add_text(f.entity, name);
            d.add_text(f.entity_key, entity_key(name));
        }
        d.add_date(f.published, date(self.published));
        d.add_text(f.url, &self.url);
        d
    }
}

/// A search hit from a stored document.
/// The article a stored document is.
pub(crate) fn id_of(f: &Fields, d: &TantivyDocument) -> ArticleId {
    ArticleId(d.get_first(f.id).and_then(|v| v.as_i64()).unwrap_or_default())
}

pub(crate) fn hit(f: &Fields, d: &TantivyDocument, snippets: &SnippetGenerator) -> Hit {
    let text = |field| {
        d.get_first(field)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let body = text(f.text);
    let matched = snippets.snippet(&body);
    let snippet = if matched.highlighted().is_empty() {
        Snippet::lead(&body)
    } else {
        Snippet::from_tantivy(&matched)
    };
    let published = d
        .get_first(f.published)
        .and_then(|v| v.as_datetime())
        .and_then(|t| DateTime::from_timestamp(t.into_timestamp_secs(), 0))
        .unwrap_or_default();
    Hit {
        id: id_of(f, d),
        title: text(f.title),
        url: text(f.url),
        source_name: text(f.source),
        source_slug: text(f.source_slug),
        published,
        snippet,
    }
}
