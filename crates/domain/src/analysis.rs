//! What the analyze stage makes of one article: summary, entities, quotes
//! and section.
//!
//! Offsets are Unicode code points into the analysed text (not bytes), so
//! they mean the same thing in Rust, Python and JavaScript consumers.

use serde::{Deserialize, Serialize};

use crate::Section;

/// The kind of a named entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    /// A named person.
    Person,
    /// A company, party, agency, team or other body.
    Organization,
    /// A country, city, region or other location.
    Place,
    /// Named, but of no kind above.
    Other,
}

impl EntityKind {
    /// The lowercase name used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Organization => "organization",
            EntityKind::Place => "place",
            EntityKind::Other => "other",
        }
    }

    /// Inverse of [`EntityKind::as_str`]; unknown names are `Other`.
    pub fn parse(s: &str) -> EntityKind {
        match s {
            "person" => EntityKind::Person,
            "organization" => EntityKind::Organization,
            "place" => EntityKind::Place,
            _ => EntityKind::Other,
        }
    }
}

/// A person, organisation or place named in an article, under one canonical name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// The fullest form the article gives ("Steve Witkoff", not "Witkoff").
    pub name: String,
    /// Person, organisation, place or other.
    pub kind: EntityKind,
    /// How many times the article names it, in any of its forms.
    pub mentions: u32,
}

/// A direct quote and who said it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// The quoted words, without the quote marks; the parts of a quote
    /// its tag interrupts ("“…,” he said. “…”") joined by " … ".
    pub text: String,
    /// Canonical name of the speaker, when the article says who it is.
    pub speaker: Option<String>,
    /// Code-point offset of the quoted words in the article text (an
    /// interrupting tag lies between `start` and `end`).
    pub start: usize,
    /// Code-point offset one past the quoted words.
    pub end: usize,
}

/// Everything the analyze stage derives from one article.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Analysis {
    /// Extractive summary: whole sentences of the article, in article order.
    pub summary: Vec<String>,
    /// Short key points, one per line.
    pub key_points: Vec<String>,
    /// Entities, most mentioned first.
    pub entities: Vec<Entity>,
    /// Direct quotes in article order.
    pub quotes: Vec<Quote>,
    /// The section the classifier files the article under; `None` in
    /// analyses stored before it existed.
    #[serde(default)]
    pub section: Option<Section>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyses_stored_without_a_section_still_read() {
        let old = r#"{"summary":["S."],"key_points":[],"entities":[],"quotes":[]}"#;
        let a: Analysis = serde_json::from_str(old).unwrap();
        assert_eq!((a.summary.len(), a.section), (1, None));
        let new = Analysis {
            section: Some(Section::Sports),
            ..a
        };
        let json = serde_json::to_string(&new).unwrap();
        assert!(json.contains(r#""section":"sports""#), "{json}");
        assert_eq!(serde_json::from_str::<Analysis>(&json).unwrap(), new);
    }
}
