//! The news section an article belongs to, as the analyze stage's section
//! classifier decides it: eight broad desks, the same for every publisher.

use serde::{Deserialize, Serialize};

/// One of the eight sections newsdesk files articles under. In JSON and in
/// the database it is the lowercase slug of [`Section::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    /// International news.
    World,
    /// Government, elections, parties and policy.
    Politics,
    /// Companies, markets, the economy and personal finance.
    Business,
    /// Computing, the internet, gadgets and the tech industry.
    Technology,
    /// Research, space and the natural world.
    Science,
    /// Medicine, public health and wellbeing.
    Health,
    /// Games, athletes, teams and leagues.
    Sports,
    /// Film, television, music, celebrities, comedy and the arts.
    Entertainment,
}

impl Section {
    /// Every section, in this order (a classifier's class indices).
    pub const ALL: [Section; 8] = [
        Section::World,
        Section::Politics,
        Section::Business,
        Section::Technology,
        Section::Science,
        Section::Health,
        Section::Sports,
        Section::Entertainment,
    ];

    /// The lowercase slug used in JSON, URLs and the database ("world").
    pub fn as_str(self) -> &'static str {
        match self {
            Section::World => "world",
            Section::Politics => "politics",
            Section::Business => "business",
            Section::Technology => "technology",
            Section::Science => "science",
            Section::Health => "health",
            Section::Sports => "sports",
            Section::Entertainment => "entertainment",
        }
    }

    /// The name shown to readers ("World").
    pub fn label(self) -> &'static str {
        match self {
            Section::World => "World",
            Section::Politics => "Politics",
            Section::Business => "Business",
            Section::Technology => "Technology",
            Section::Science => "Science",
            Section::Health => "Health",
            Section::Sports => "Sports",
            Section::Entertainment => "Entertainment",
        }
    }

    /// Inverse of [`Section::as_str`]: the section of an exact slug.
    pub fn from_slug(slug: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.as_str() == slug)
    }

    /// A slug or label in any case, surrounding spaces ignored ("Sports", " world").
    pub fn parse(name: &str) -> Option<Section> {
        let name = name.trim();
        Section::ALL.into_iter().find(|s| s.as_str().eq_ignore_ascii_case(name))
    }

    /// The position in [`Section::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (i, s) in Section::ALL.into_iter().enumerate() {
            assert_eq!(s.index(), i);
            assert_eq!(Section::from_slug(s.as_str()), Some(s));
            assert_eq!(Section::parse(s.label()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        assert_eq!(Section::from_slug("World"), None);
        assert_eq!(Section::parse(" TECHNOLOGY "), Some(Section::Technology));
        assert_eq!(Section::parse("weather"), None);
    }
}
