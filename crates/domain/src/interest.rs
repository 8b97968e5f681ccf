//! What a reader follows and hides, for their own "For you" and reading apps.

use serde::{Deserialize, Serialize};

use crate::Section;

/// Whether an interest draws articles in or keeps them out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Its articles make up the reader's "For you".
    Follow,
    /// Its articles vanish from every list the reader sees.
    Hide,
}

/// The thing followed or hidden.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "key", rename_all = "lowercase")]
pub enum Target {
    /// A publisher, by slug.
    Source(String),
    /// One of the site's sections.
    Section(Section),
    /// A person, organisation or place, by entity slug.
    Entity(String),
    /// A saved search: the words as typed.
    Search(String),
    /// A word or phrase whose articles are hidden (by headline).
    Keyword(String),
}

impl Target {
    /// The kind's name as stored and shown in URLs.
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Source(_) => "source",
            Target::Section(_) => "section",
            Target::Entity(_) => "entity",
            Target::Search(_) => "search",
            Target::Keyword(_) => "keyword",
        }
    }

    /// The stored key: a slug, a section slug or the words.
    pub fn key(&self) -> &str {
        match self {
            Target::Source(k) | Target::Entity(k) | Target::Search(k) | Target::Keyword(k) => k,
            Target::Section(s) => s.as_str(),
        }
    }

    /// Rebuilds a target from its stored kind and key; `None` for a kind
    /// this build does not know or a section that no longer exists.
    pub fn from_parts(kind: &str, key: &str) -> Option<Target> {
        let key = key.to_string();
        Some(match kind {
            "source" => Target::Source(key),
            "section" => Target::Section(Section::from_slug(&key)?),
            "entity" => Target::Entity(key),
            "search" => Target::Search(key),
            "keyword" => Target::Keyword(key),
            _ => return None,
        })
    }
}

/// One thing a reader follows or hides, with the name to show for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interest {
    /// Follow or hide.
    pub mode: Mode,
    /// What.
    pub target: Target,
    /// Display name: the source's or entity's name, the section's label, the words.
    pub label: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_survive_their_stored_form() {
        let all = [
            Target::Source("reuters".into()),
            Target::Section(Section::Science),
            Target::Entity("marco-rubio".into()),
            Target::Search("transit strike".into()),
            Target::Keyword("horoscope".into()),
        ];
        for target in all {
            assert_eq!(Target::from_parts(target.kind(), target.key()), Some(target.clone()));
        }
        assert_eq!(Target::from_parts("section", "astrology"), None);
        assert_eq!(Target::from_parts("planet", "mars"), None);
    }
}
