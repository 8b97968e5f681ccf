//! Loading of the fictional content from the TOML files under `content/`.
//!
//! The files are compiled in with `include_str!` so the demo needs nothing
//! on disk at run time, and parsed once on first use.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::FeedFormat;

const OUTLETS_TOML: &str = include_str!("../content/outlets.toml");
const EXTRAS_TOML: &str = include_str!("../content/extras.toml");
const EVENT_TOMLS: &[(&str, &str)] = &[
    (
        "01-halvard-bridge.toml",
        include_str!("../content/events/01-halvard-bridge.toml"),
    ),
    ("02-osk-flood.toml", include_str!("../content/events/02-osk-flood.toml")),
    (
        "03-transit-strike.toml",
        include_str!("../content/events/03-transit-strike.toml"),
    ),
    (
        "04-veltrix-plant.toml",
        include_str!("../content/events/04-veltrix-plant.toml"),
    ),
    (
        "05-city-budget.toml",
        include_str!("../content/events/05-city-budget.toml"),
    ),
    ("06-cup-final.toml", include_str!("../content/events/06-cup-final.toml")),
    (
        "07-hospital-cyberattack.toml",
        include_str!("../content/events/07-hospital-cyberattack.toml"),
    ),
    ("08-rate-rise.toml", include_str!("../content/events/08-rate-rise.toml")),
];

/// Page template family; each mimics a different kind of publisher markup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Style {
    /// `<article>`, `<time>`, OpenGraph, canonical.
    Semantic,
    /// Nested `<div>`s with BEM class names and JSON-LD `NewsArticle`.
    Divsoup,
    /// WordPress theme markup (`entry-content`, sharedaddy, comments-area).
    Wordpress,
    /// Old table-era site: `<table>` layout, `<font>`, no canonical.
    Classic,
    /// Client-rendered-app look: `data-component` blocks, JSON-LD, inline state.
    App,
    /// schema.org microdata (`itemprop="articleBody"`).
    Microdata,
}

#[derive(Debug, Deserialize)]
struct OutletsFile {
    outlet: Vec<OutletDef>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OutletDef {
    pub key: String,
    pub name: String,
    pub tagline: String,
    pub format: FeedFormat,
    pub style: Style,
    pub feed_path: String,
    pub article_prefix: String,
    pub accent: String,
}

#[derive(Debug, Deserialize)]
struct EventFile {
    key: String,
    title: String,
    wire: Option<WireDef>,
    article: Vec<ArticleDef>,
}

#[derive(Debug, Deserialize)]
struct WireDef {
    agency: String,
    #[allow(dead_code)] // documents the original; copies carry their own headline
    headline: String,
    paragraphs: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ArticleDef {
    outlet: String,
    headline: String,
    author: Option<String>,
    age_minutes: u32,
    #[serde(default)]
    paragraphs: Vec<String>,
    #[serde(default)]
    wire: bool,
    wire_paragraphs: Option<usize>,
}

#[derive(Debug, Deserialize)]
struct ExtrasFile {
    private: PrivateDef,
    fault_ok: PageDef,
    wrong_charset: CharsetDef,
}

#[derive(Debug, Deserialize)]
struct PrivateDef {
    outlet: String,
    #[serde(flatten)]
    page: PageDef,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PageDef {
    pub slug: String,
    pub headline: String,
    pub author: String,
    pub age_minutes: u32,
    pub paragraphs: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CharsetDef {
    pub headline: String,
    pub paragraphs: Vec<String>,
}

/// One article as served, before it knows its host.
#[derive(Debug, Clone)]
pub(crate) struct Article {
    pub outlet: usize,
    pub event: String,
    pub event_title: String,
    pub headline: String,
    pub author: String,
    pub age_minutes: u32,
    pub paragraphs: Vec<String>,
    pub syndicated_from: Option<String>,
    pub slug: String,
    /// Numeric id some URL schemes and guids embed.
    pub id: u32,
    /// Path on the outlet's host, starting with `/`.
    pub path: String,
}

impl Article {
    /// First sentence-ish of the first paragraph, used for feed summaries.
    pub fn summary(&self) -> String {
        summarize(&self.paragraphs[0])
    }
}

pub(crate) struct Content {
    pub outlets: Vec<OutletDef>,
    pub events: Vec<(String, String)>,
    pub articles: Vec<Article>,
    /// Index into `outlets` of the outlet listing the robots-disallowed page.
    pub private_outlet: usize,
    pub private: Article,
    pub fault_ok: PageDef,
    pub wrong_charset: CharsetDef,
}

impl Content {
    /// Articles of one outlet, newest first.
    pub fn outlet_articles(&self, outlet: usize) -> Vec<&Article> {
        let mut v: Vec<&Article> = self.articles.iter().filter(|a| a.outlet == outlet).collect();
        v.sort_by_key(|a| a.age_minutes);
        v
    }
}

pub(crate) static CONTENT: LazyLock<Content> = LazyLock::new(load);

fn load() -> Content {
    let outlets: OutletsFile = toml::from_str(OUTLETS_TOML).expect("content/outlets.toml");
    let outlets = outlets.outlet;
    let outlet_index: HashMap<&str, usize> = outlets.iter().enumerate().map(|(i, o)| (o.key.as_str(), i)).collect();

    let mut events = Vec::new();
    let mut articles = Vec::new();
    for (file, text) in EVENT_TOMLS {
        let ev: EventFile = toml::from_str(text).unwrap_or_else(|e| panic!("content/{file}: {e}"));
        events.push((ev.key.clone(), ev.title.clone()));
        for a in ev.article {
            let outlet = *outlet_index
                .get(a.outlet.as_str())
                .unwrap_or_else(|| panic!("{file}: unknown outlet {}", a.outlet));
            let (paragraphs, author, syndicated_from) = if a.wire {
                let wire = ev
                    .wire
                    .as_ref()
                    .unwrap_or_else(|| panic!("{file}: wire article without [wire]"));
                let n = a.wire_paragraphs.unwrap_or(wire.paragraphs.len());
                (
                    wire.paragraphs[..n].to_vec(),
                    a.author.unwrap_or_else(|| wire.agency.clone()),
                    Some(wire.agency.clone()),
                )
            } else {
                (
                    a.paragraphs,
                    a.author.unwrap_or_else(|| panic!("{file}: article without author")),
                    None,
                )
            };
            let paragraphs: Vec<String> = paragraphs.iter().map(|p| p.trim().to_string()).collect();
            assert!(!paragraphs.is_empty(), "{file}: article without paragraphs");
            // Ids look like a CMS's, but are stable across runs.
            let id = 48_000 + 37 * articles.len() as u32;
            let slug = slugify(&a.headline);
            let o = &outlets[outlet];
            let path = article_path(o, &ev.key, &slug, id);
            articles.push(Article {
                outlet,
                event: ev.key.clone(),
                event_title: ev.title.clone(),
                headline: a.headline,
                author,
                age_minutes: a.age_minutes,
                paragraphs,
                syndicated_from,
                slug,
                id,
                path,
            });
        }
    }

    let extras: ExtrasFile = toml::from_str(EXTRAS_TOML).expect("content/extras.toml");
    let private_outlet = *outlet_index
        .get(extras.private.outlet.as_str())
        .expect("extras.toml: unknown private outlet");
    let p = extras.private.page;
    let private = Article {
        outlet: private_outlet,
        event: "private".into(),
        event_title: "Embargoed".into(),
        path: format!("/private/{}", p.slug),
        slug: p.slug,
        headline: p.headline,
        author: p.author,
        age_minutes: p.age_minutes,
        paragraphs: p.paragraphs,
        syndicated_from: None,
        id: 47_999,
    };

    Content {
        outlets,
        events,
        articles,
        private_outlet,
        private,
        fault_ok: extras.fault_ok,
        wrong_charset: extras.wrong_charset,
    }
}

/// Each outlet has its own URL scheme, as real publishers do.
fn article_path(o: &OutletDef, event: &str, slug: &str, id: u32) -> String {
    let prefix = &o.article_prefix;
    match o.style {
        Style::Semantic => format!("{prefix}{event}/{slug}"),
        Style::Divsoup => format!("{prefix}{id}/{slug}"),
        Style::Wordpress => format!("{prefix}{slug}.html"),
        Style::Classic => format!("{prefix}{slug}"),
        Style::App => format!("{prefix}{slug}"),
        Style::Microdata => format!("{prefix}{slug}-{id}"),
    }
}

pub(crate) fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() && c != '\'' {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    // Keep URLs a plausible length; cut at a word boundary.
    if out.len() <= 72 {
        return out.to_string();
    }
    let cut = out[..72].rfind('-').unwrap_or(72);
    out[..cut].to_string()
}

pub(crate) fn summarize(p: &str) -> String {
    // Cut after the first sentence if it is long enough to stand alone.
    // A sentence ends at ". " followed by a capital or a quote, unless the
    // word before the dot is an abbreviation ("a.m.", "Dr.", "St.").
    for (i, _) in p.match_indices(". ") {
        if i < 80 {
            continue;
        }
        let word = p[..i].rsplit(' ').next().unwrap_or("");
        let abbreviation = word.contains('.') || matches!(word, "Dr" | "St" | "Mr" | "Mrs" | "Ms");
        let next = p[i + 2..].chars().next().unwrap_or(' ');
        if !abbreviation && (next.is_uppercase() || next == '"' || next == '\'') {
            return p[..=i].to_string();
        }
    }
    p.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_do_not_stop_at_abbreviations() {
        let p = "The Halvard Bridge, the main road link between Port Calder and Kestrel Bay, was closed at 5 a.m. after an inspection. Second sentence.";
        assert_eq!(
            summarize(p),
            "The Halvard Bridge, the main road link between Port Calder and Kestrel Bay, was closed at 5 a.m. after an inspection."
        );
        assert_eq!(summarize("Short. Sentences."), "Short. Sentences.");
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slugify("'A gut punch': Halvard shutdown"),
            "a-gut-punch-halvard-shutdown"
        );
        assert!(slugify(&"word ".repeat(40)).len() <= 72);
    }

    #[test]
    fn content_loads() {
        let c = &*CONTENT;
        assert!(c.outlets.len() >= 6);
        assert!(c.articles.len() >= 48);
        // Every outlet covers every event at most once.
        let mut seen = std::collections::HashSet::new();
        for a in &c.articles {
            assert!(seen.insert((a.outlet, a.event.clone())), "{} twice", a.path);
        }
    }
}
