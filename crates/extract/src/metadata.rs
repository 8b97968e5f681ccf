//! Page metadata with fallback chains: JSON-LD, then OpenGraph and Twitter
//! cards, then plain meta tags and markup (`<time>`, `<link rel=canonical>`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use scraper::{Html, Selector};
use serde_json::Value;
use url::Url;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Metadata {
    pub title: Option<String>,
    pub byline: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub modified: Option<DateTime<Utc>>,
    pub site_name: Option<String>,
    pub image: Option<String>,
    pub lang: Option<String>,
    pub canonical_url: Option<String>,
    pub description: Option<String>,
}

impl Metadata {
    pub fn from_html(html: &str, url: Option<&Url>) -> Metadata {
        let doc = Html::parse_document(html);
        let ld = json_ld_article(&doc);
        let ld_str = |key: &str| ld.as_ref().and_then(|v| text_of(&v[key]));
        let meta = |names: &[&str]| names.iter().find_map(|n| meta_content(&doc, n));
        let absolute = |s: String| absolutize(&s, url);
        Metadata {
            title: ld_str("headline")
                .or_else(|| meta(&["og:title", "twitter:title"]))
                .or_else(|| title_tag(&doc)),
            byline: ld
                .as_ref()
                .and_then(|v| names_of(&v["author"]))
                .or_else(|| meta(&["author", "article:author", "byl"])),
            published: ld_str("datePublished")
                .or_else(|| {
                    meta(&[
                        "article:published_time",
                        "pubdate",
                        "publishdate",
                        "date",
                        "dc.date",
                        "dcterms.created",
                    ])
                })
                .or_else(|| first_attr(&doc, "time[datetime]", "datetime"))
                .and_then(|s| parse_time(&s)),
            modified: ld_str("dateModified")
                .or_else(|| meta(&["article:modified_time", "dcterms.modified"]))
                .and_then(|s| parse_time(&s)),
            site_name: meta(&["og:site_name", "application-name"])
                .or_else(|| ld.as_ref().and_then(|v| text_of(&v["publisher"]["name"]))),
            image: meta(&["og:image", "og:image:url", "twitter:image"])
                .or_else(|| ld.as_ref().and_then(|v| image_of(&v["image"])))
                .and_then(absolute),
            lang: first_attr(&doc, "html[lang]", "lang")
                .map(|l| primary_subtag(&l))
                .filter(|l| !l.is_empty()),
            canonical_url: first_attr(&doc, "link[rel=canonical]", "href")
                .or_else(|| meta(&["og:url"]))
                .and_then(absolute),
            description: meta(&["og:description", "description", "twitter:description"]),
        }
    }
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("static selector")
}

fn meta_content(doc: &Html, name: &str) -> Option<String> {
    let q = format!("meta[property=\"{name}\"], meta[name=\"{name}\"], meta[itemprop=\"{name}\"]");
    let v = doc.select(&sel(&q)).find_map(|m| m.value().attr("content"))?;
    non_empty(v)
}

fn first_attr(doc: &Html, selector: &str, attr: &str) -> Option<String> {
    doc.select(&sel(selector))
        .find_map(|e| e.value().attr(attr))
        .and_then(non_empty)
}

/// The headline from `<title>`, without the site name publishers add to it.
fn title_tag(doc: &Html) -> Option<String> {
    let raw = non_empty(&doc.select(&sel("title")).next()?.text().collect::<String>())?;
    // A heading that `<title>` contains is the headline, undecorated.
    let heading = doc
        .select(&sel("h1, h2"))
        .filter_map(|h| non_empty(&h.text().collect::<String>()))
        .find(|h| h.split_whitespace().count() >= 3 && raw.contains(h.as_str()));
    heading.or_else(|| Some(strip_site_name(&raw)))
}

/// "Headline | Site", "Site :: Headline", "Headline – Site": the headline is
/// the longest part, provided it still reads as one (three words or more).
fn strip_site_name(title: &str) -> String {
    const SEPARATORS: &[&str] = &[" | ", " :: ", " » ", " · ", " — ", " – ", " - "];
    let Some(sep) = SEPARATORS.iter().find(|s| title.contains(*s)) else {
        return title.to_string();
    };
    let longest = title.split(sep).max_by_key(|part| part.len()).unwrap_or(title);
    if longest.split_whitespace().count() >= 3 {
        longest.trim().to_string()
    } else {
        title.to_string()
    }
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!s.is_empty()).then_some(s)
}

/// The first JSON-LD object whose @type is an article kind, looking inside
/// arrays and `@graph`.
fn json_ld_article(doc: &Html) -> Option<Value> {
    doc.select(&sel("script[type=\"application/ld+json\"]"))
        .filter_map(|s| serde_json::from_str::<Value>(&s.text().collect::<String>()).ok())
        .find_map(|v| find_article(&v, 0))
}

fn find_article(v: &Value, depth: usize) -> Option<Value> {
    if depth > 8 {
        return None;
    }
    match v {
        Value::Array(items) => items.iter().find_map(|i| find_article(i, depth + 1)),
        Value::Object(map) if is_article_type(&map.get("@type").cloned().unwrap_or_default()) => Some(v.clone()),
        Value::Object(map) => map.get("@graph").and_then(|g| find_article(g, depth + 1)),
        _ => None,
    }
}

fn is_article_type(t: &Value) -> bool {
    match t {
        Value::String(s) => s.ends_with("Article") || s == "BlogPosting" || s == "Report",
        Value::Array(a) => a.iter().any(is_article_type),
        _ => false,
    }
}

fn text_of(v: &Value) -> Option<String> {
    v.as_str().and_then(non_empty)
}

fn names_of(v: &Value) -> Option<String> {
    let names: Vec<String> = match v {
        Value::Array(items) => items.iter().filter_map(|i| names_of(i)).collect(),
        Value::Object(_) => text_of(&v["name"]).into_iter().collect(),
        _ => text_of(v).into_iter().collect(),
    };
    (!names.is_empty()).then(|| names.join(", "))
}

fn image_of(v: &Value) -> Option<String> {
    match v {
        Value::Array(items) => items.first().and_then(image_of),
        Value::Object(_) => text_of(&v["url"]),
        _ => text_of(v),
    }
}

fn absolutize(s: &str, base: Option<&Url>) -> Option<String> {
    let parsed = match base {
        Some(b) => b.join(s).ok()?,
        None => Url::parse(s).ok()?,
    };
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

fn primary_subtag(lang: &str) -> String {
    lang.split(['-', '_']).next().unwrap_or("").trim().to_ascii_lowercase()
}

/// Parses the date formats found in news pages; times without a zone are taken as UTC.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d")
        .ok()?
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_in_graph_wins_over_opengraph() {
        let html = r#"<html lang="en-GB"><head><title>Page | Site</title>
            <meta property="og:title" content="OG title"><meta property="og:site_name" content="The Site">
            <meta property="og:image" content="/img/lead.jpg"><link rel="canonical" href="https://ex.com/a?x=1">
            <script type="application/ld+json">{"@graph":[{"@type":"WebPage"},{"@type":"NewsArticle",
              "headline":"LD headline","datePublished":"2025-08-17T14:05:00+02:00",
              "author":[{"@type":"Person","name":"Ana Ruiz"},{"name":"Bo Li"}]}]}</script></head><body></body></html>"#;
        let base = Url::parse("https://ex.com/news/a").unwrap();
        let m = Metadata::from_html(html, Some(&base));
        assert_eq!(m.title.as_deref(), Some("LD headline"));
        assert_eq!(m.byline.as_deref(), Some("Ana Ruiz, Bo Li"));
        assert_eq!(m.published.unwrap().to_rfc3339(), "2025-08-17T12:05:00+00:00");
        assert_eq!(m.site_name.as_deref(), Some("The Site"));
        assert_eq!(m.image.as_deref(), Some("https://ex.com/img/lead.jpg"));
        assert_eq!(m.lang.as_deref(), Some("en"));
        assert_eq!(m.canonical_url.as_deref(), Some("https://ex.com/a?x=1"));
    }

    #[test]
    fn falls_back_to_title_tag_and_time_element() {
        let html = r#"<html><head><title>Storm hits coast - Daily Paper</title></head>
            <body><time datetime="2025-01-02">Jan 2</time></body></html>"#;
        let m = Metadata::from_html(html, None);
        assert_eq!(m.title.as_deref(), Some("Storm hits coast"));
        assert_eq!(m.published.unwrap().to_rfc3339(), "2025-01-02T00:00:00+00:00");
    }

    #[test]
    fn title_drops_the_site_name_on_either_side() {
        assert_eq!(
            strip_site_name("Site :: Floods hit the valley again"),
            "Floods hit the valley again"
        );
        assert_eq!(
            strip_site_name("Floods hit the valley – The Paper"),
            "Floods hit the valley"
        );
        assert_eq!(strip_site_name("Home | Site"), "Home | Site");
        let html = "<title>Paper - Storm - hits coast today</title><h1>Storm - hits coast today</h1>";
        assert_eq!(
            Metadata::from_html(html, None).title.as_deref(),
            Some("Storm - hits coast today")
        );
    }

    #[test]
    fn parses_common_date_formats() {
        assert!(parse_time("Sun, 17 Aug 2025 10:00:00 GMT").is_some());
        assert!(parse_time("2025-08-17T10:00:00.123Z").is_some());
        assert!(parse_time("2025-08-17 10:00:00").is_some());
        assert!(parse_time("yesterday").is_none());
        assert!(parse_time("").is_none());
    }
}
