//! Page metadata, each field with a fallback chain: JSON-LD (NewsArticle and
//! its variants, also inside `@graph`), then OpenGraph and Twitter cards,
//! then plain meta tags, microdata and markup (`<time>`, `rel=author`,
//! `<link rel=canonical>`, bylines in the text).
//!
//! One pass over the flattened page gathers every source; the chains then
//! pick from them, so no selector is compiled or run per field.
//!
//! The fields are [`Extracted`]'s own: `read` fills all but the body
//! (`text`, `html`), which the rest of the engine adds. No string comes out
//! with control characters or soft hyphens.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime};
use newsdesk_domain::Extracted;
use serde_json::Value;
use url::Url;

use crate::dom::{Dom, Kind};
use crate::invisible;
use crate::segment::{collapse, lower_words};
use crate::tokenize::unescape;

/// Everything the chains choose from, gathered in one pass.
#[derive(Default)]
struct Sources {
    /// `<meta name|property|itemprop=K content=V>`, keys lower-cased, first value wins
    /// (but a `property` beats a `name`).
    meta: HashMap<String, String>,
    /// Keys of `meta` whose value came from a `name` attribute.
    named_meta: HashSet<String>,
    /// Every `article:tag` (there may be several).
    tags: Vec<String>,
    ld: Option<Value>,
    /// Some JSON-LD declares the page a forum thread or a question with answers.
    discussion: bool,
    /// Some JSON-LD declares the page a collection, a list or a product.
    collection: bool,
    title_tag: Option<String>,
    headings: Vec<String>,
    html_lang: Option<String>,
    canonical: Option<String>,
    times: Vec<String>,
    /// Microdata `itemprop` values from element text or attributes.
    itemprops: HashMap<&'static str, String>,
    rel_author: Option<String>,
    byline_text: Option<String>,
}

/// Meta tags naming the publication time, most specific first.
const PUBLISHED_META: &[&str] = &[
    "article:published_time",
    "og:published_time",
    "parsely-pub-date",
    "pubdate",
    "publishdate",
    "publish-date",
    "date",
    "dc:date",
    "dc:date.issued",
    "dcterms:created",
    "sailthru.date",
    "article.published",
];
const MODIFIED_META: &[&str] = &[
    "article:modified_time",
    "og:updated_time",
    "dcterms:modified",
    "last-modified",
];

/// Elements whose text we read are capped so a hostile page cannot make
/// metadata collection quadratic.
const MAX_FIELD_CHARS: usize = 2_000;

/// What a page says it is.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Declared {
    /// JSON-LD of an Article type, or `og:type` "article" on a page whose
    /// JSON-LD does not call it a collection, a list or a product (site
    /// templates stamp `og:type` "article" on every page; schema.org types
    /// are chosen per page).
    pub article: bool,
    /// JSON-LD of a forum thread or a question page (`DiscussionForumPosting`,
    /// `QAPage`): its replies are its content, not comments under it.
    pub discussion: bool,
}

/// The page's metadata, with links made absolute against `url` (`text` and
/// `html` left empty), and what the page declares itself to be.
pub(crate) fn read(dom: &Dom, url: Option<&Url>) -> (Extracted, Declared) {
    let s = gather(dom);
    let declared = Declared {
        article: s.ld.is_some()
            || (!s.collection && s.meta.get("og:type").is_some_and(|t| t.eq_ignore_ascii_case("article"))),
        discussion: s.discussion,
    };
    (fields(s, url), declared)
}

/// Whether a JSON-LD value declares a forum thread or a question page.
fn is_discussion(v: &Value) -> bool {
    declares(v, &|t| t == "DiscussionForumPosting" || t == "QAPage", 0)
}

/// Whether a JSON-LD value declares a collection of items or one product:
/// a page of teasers, search results or goods, not an article.
fn is_collection(v: &Value) -> bool {
    declares(
        v,
        &|t| {
            matches!(
                t,
                "CollectionPage" | "ItemList" | "SearchResultsPage" | "Product" | "ProductGroup" | "OfferCatalog"
            )
        },
        0,
    )
}

/// Whether a JSON-LD value has a `@type` that `is_type`, looking inside
/// arrays and `@graph` as [`find_article`] does.
fn declares(v: &Value, is_type: &dyn Fn(&str) -> bool, depth: usize) -> bool {
    fn type_matches(t: &Value, is_type: &dyn Fn(&str) -> bool) -> bool {
        match t {
            Value::String(s) => is_type(s),
            Value::Array(a) => a.iter().any(|t| type_matches(t, is_type)),
            _ => false,
        }
    }
    if depth > 8 {
        return false;
    }
    match v {
        Value::Array(items) => items.iter().any(|i| declares(i, is_type, depth + 1)),
        Value::Object(map) => {
            map.get("@type").is_some_and(|t| type_matches(t, is_type))
                || map.get("@graph").is_some_and(|g| declares(g, is_type, depth + 1))
        }
        _ => false,
    }
}

fn fields(s: Sources, url: Option<&Url>) -> Extracted {
    let ld = s.ld.as_ref();
    let ld_str = |key: &str| ld.and_then(|v| text_of(&v[key]));
    let meta = |names: &[&str]| names.iter().find_map(|n| s.meta.get(*n).cloned());
    let absolute = |v: String| absolutize(&v, url);
    let authors = ld
        .map(|v| names_of(&v["author"]))
        .filter(|a| !a.is_empty())
        .or_else(|| {
            meta(&[
                "author",
                "parsely-author",
                "sailthru.author",
                "dc:creator",
                "byl",
                "article:author",
            ])
            .filter(|a| !a.starts_with("http"))
            .map(|a| split_names(&a))
        })
        .or_else(|| s.itemprops.get("author").map(|a| split_names(a)))
        .or_else(|| s.rel_author.as_deref().map(split_names))
        .or_else(|| s.byline_text.as_deref().map(split_names))
        .unwrap_or_default();
    // Before the byline is joined from them.
    let authors = invisible::fields(authors);
    let mut page = Extracted {
        title: ld
            .and_then(|v| ld_title(v, s.title_tag.as_deref()))
            .or_else(|| {
                meta(&[
                    "dc:title",
                    "dcterms:title",
                    "dcterm:title",
                    "og:title",
                    "title",
                    "twitter:title",
                    "parsely-title",
                ])
            })
            .or_else(|| s.title_tag.as_deref().map(|t| clean_title(t, &s.headings))),
        byline: (!authors.is_empty()).then(|| authors.join(", ")),
        authors,
        // The first source that holds a real date: a placeholder in one
        // ("0001-01-01") must not hide the next.
        published: std::iter::once(ld_str("datePublished"))
            .chain(PUBLISHED_META.iter().map(|n| s.meta.get(*n).cloned()))
            .chain([s.itemprops.get("datePublished").cloned(), s.times.first().cloned()])
            .flatten()
            .find_map(|t| parse_time(&t)),
        modified: std::iter::once(ld_str("dateModified"))
            .chain(MODIFIED_META.iter().map(|n| s.meta.get(*n).cloned()))
            .chain([s.itemprops.get("dateModified").cloned()])
            .flatten()
            .find_map(|t| parse_time(&t)),
        site_name: meta(&["og:site_name"])
            .or_else(|| ld.and_then(|v| text_of(&v["publisher"]["name"])))
            .or_else(|| meta(&["application-name", "apple-mobile-web-app-title"])),
        image: meta(&[
            "og:image",
            "og:image:url",
            "og:image:secure_url",
            "twitter:image",
            "twitter:image:src",
        ])
        .or_else(|| ld.and_then(|v| image_of(&v["image"])))
        .or_else(|| s.itemprops.get("image").cloned())
        .and_then(absolute),
        lang: s
            .html_lang
            .clone()
            .or_else(|| meta(&["content-language", "og:locale", "dc:language"]))
            .or_else(|| ld_str("inLanguage"))
            .map(|l| primary_subtag(&l))
            .filter(|l| l.len() >= 2 && l.len() <= 3),
        canonical_url: s
            .canonical
            .clone()
            .or_else(|| meta(&["og:url", "twitter:url"]))
            .or_else(|| ld_str("url"))
            .and_then(absolute),
        description: meta(&["og:description", "description", "twitter:description", "dc:description"])
            .or_else(|| ld_str("description")),
        section: ld
            .and_then(|v| first_text(&v["articleSection"]))
            .or_else(|| meta(&["article:section", "parsely-section", "section"])),
        keywords: keywords(ld, &s),
        text: String::new(),
        html: String::new(),
    };
    invisible::clean_metadata(&mut page);
    page
}

/// JSON-LD's `headline`, or its `name` when the two differ and `name` covers
/// more of the page's `<title>`: sites fill one of them with the site name or
/// the page type ("Wikimedia list article").
fn ld_title(v: &Value, title_tag: Option<&str>) -> Option<String> {
    match (text_of(&v["headline"]), text_of(&v["name"])) {
        (Some(h), Some(n)) if h != n => {
            let tag = title_tag.unwrap_or("");
            Some(if coverage(tag, &n) > coverage(tag, &h) { n } else { h })
        }
        (h, n) => h.or(n),
    }
}

/// Share of `whole`'s words (case-insensitive) that `part` also has.
fn coverage(whole: &str, part: &str) -> f32 {
    let (whole, part) = (lower_words(whole), lower_words(part));
    if whole.is_empty() {
        return 0.0;
    }
    whole.iter().filter(|w| part.contains(w)).count() as f32 / whole.len() as f32
}

fn keywords(ld: Option<&Value>, s: &Sources) -> Vec<String> {
    let from_ld = ld.map(|v| match &v["keywords"] {
        Value::Array(items) => items.iter().filter_map(text_of).collect(),
        Value::String(k) => split_list(k),
        _ => Vec::new(),
    });
    let mut words = from_ld.filter(|k| !k.is_empty()).unwrap_or_else(|| {
        if !s.tags.is_empty() {
            return s.tags.clone();
        }
        ["news_keywords", "keywords", "parsely-tags"]
            .iter()
            .find_map(|k| s.meta.get(*k))
            .map(|k| split_list(k))
            .unwrap_or_default()
    });
    words.dedup();
    words.truncate(50);
    words
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', ';']).filter_map(non_empty).collect()
}

fn gather(dom: &Dom) -> Sources {
    let mut s = Sources::default();
    for (i, node) in dom.nodes.iter().enumerate() {
        let Some(e) = node.element() else { continue };
        match e.name() {
            "meta" => gather_meta(&mut s, e),
            "html" => s.html_lang = e.attr("lang").or_else(|| e.attr("xml:lang")).and_then(non_empty),
            "title" if s.title_tag.is_none() => s.title_tag = non_empty(&text(dom, i)),
            "link" => gather_link(&mut s, dom, i),
            "script"
                if (s.ld.is_none() || !s.discussion || !s.collection)
                    && e.attr("type")
                        .is_some_and(|t| t.eq_ignore_ascii_case("application/ld+json")) =>
            {
                if let Some(ld) = json_ld(&raw_text(dom, i)) {
                    s.discussion |= is_discussion(&ld);
                    s.collection |= is_collection(&ld);
                    if s.ld.is_none() {
                        s.ld = find_article(&ld, 0);
                    }
                }
            }
            "h1" | "h2" if !node.junk && s.headings.len() < 20 => s.headings.extend(heading_text(dom, i)),
            "time" if s.times.len() < 20 => s.times.extend(e.attr("datetime").and_then(non_empty)),
            "a" if e.attr("rel") == Some("author") && s.rel_author.is_none() => {
                s.rel_author = non_empty(&text(dom, i)).filter(|a| a.len() < 100)
            }
            _ => {}
        }
        if let Some(prop) = e.attr("itemprop") {
            gather_itemprop(&mut s, dom, i, prop);
        }
        if s.byline_text.is_none() && is_byline_element(e) {
            s.byline_text = non_empty(&text(dom, i))
                .map(|b| strip_by(&b))
                .filter(|b| !b.is_empty() && b.split_whitespace().count() <= 8);
        }
    }
    s
}

fn gather_meta(s: &mut Sources, e: &crate::parse::Element) {
    // Some templates escape the value twice (`content="&amp;#8216;…"`).
    let Some(content) = e.attr("content").and_then(|c| non_empty(&unescape(c))) else {
        return;
    };
    let Some((attr, keys)) = ["property", "name", "itemprop", "http-equiv"]
        .iter()
        .find_map(|a| e.attr(a).map(|k| (*a, k)))
    else {
        return;
    };
    // `property="dc:title og:title"` names one value for several keys.
    for key in keys.split_whitespace().map(meta_key) {
        if key == "article:tag" {
            s.tags.push(content.clone());
        } else if attr == "property" && s.named_meta.remove(&key) {
            // OpenGraph and Dublin Core are RDFa `property`s; a `name` copy is the sloppier duplicate.
            s.meta.insert(key, content.clone());
        } else if !s.meta.contains_key(&key) {
            if attr == "name" {
                s.named_meta.insert(key.clone());
            }
            s.meta.insert(key, content.clone());
        }
    }
}

/// Lower-cased, with Dublin Core's HTML spelling (`DC.title`) made its RDFa one (`dc:title`).
fn meta_key(key: &str) -> String {
    let key = key.to_ascii_lowercase();
    for (html, rdfa) in [("dc.", "dc:"), ("dcterms.", "dcterms:")] {
        if let Some(rest) = key.strip_prefix(html) {
            return format!("{rdfa}{rest}");
        }
    }
    key
}

fn gather_link(s: &mut Sources, dom: &Dom, i: usize) {
    let Some(e) = dom.nodes[i].element() else { return };
    let rel = e.attr("rel").unwrap_or("").to_ascii_lowercase();
    if rel.split_whitespace().any(|r| r == "canonical") && s.canonical.is_none() {
        s.canonical = e.attr("href").and_then(non_empty);
    }
}

/// Microdata: `<span itemprop=author>…`, `<time itemprop=datePublished datetime=…>`.
fn gather_itemprop(s: &mut Sources, dom: &Dom, i: usize, prop: &str) {
    let Some(e) = dom.nodes[i].element() else { return };
    let key: &'static str = match prop {
        "author" | "creator" => "author",
        "datePublished" => "datePublished",
        "dateModified" => "dateModified",
        "image" => "image",
        _ => return,
    };
    if s.itemprops.contains_key(key) {
        return;
    }
    let value = match key {
        "image" => e
            .attr("src")
            .or_else(|| e.attr("content"))
            .or_else(|| e.attr("href"))
            .and_then(non_empty),
        "author" => e
            .attr("content")
            .and_then(non_empty)
            .or_else(|| non_empty(&text(dom, i)))
            .map(|a| strip_by(&a)),
        _ => e.attr("datetime").or_else(|| e.attr("content")).and_then(non_empty),
    };
    if let Some(v) = value.filter(|v| v.len() < 200) {
        s.itemprops.insert(key, v);
    }
}

fn is_byline_element(e: &crate::parse::Element) -> bool {
    let names = e.class_and_id();
    // Most elements have no names: no substring searcher is set up for them.
    !names.is_empty()
        && (names.contains("byline") || names.contains("author-name") || names.contains("article-author"))
        && !names.contains("bio")
}

/// "By Ana Ruiz" → "Ana Ruiz".
fn strip_by(s: &str) -> String {
    let t = s.trim();
    let lower = t.to_lowercase();
    for prefix in ["by ", "by:", "von ", "par ", "por "] {
        if lower.starts_with(prefix) {
            return t.get(prefix.len()..).unwrap_or("").trim().to_string();
        }
    }
    t.to_string()
}

/// "Ana Ruiz and Bo Li", "Ana Ruiz, Bo Li" → two names.
fn split_names(s: &str) -> Vec<String> {
    strip_by(s)
        .replace(" and ", ", ")
        .replace(" & ", ", ")
        .split(',')
        .filter_map(non_empty)
        .collect()
}

/// A heading's text for matching against `<title>`, without the permalink
/// mark documentation generators append ("Install¶"); `None` for a site
/// logo: a heading that is all one link to the home page.
fn heading_text(dom: &Dom, i: usize) -> Option<String> {
    let full = text(dom, i);
    let text = full.trim_end_matches(['¶', '#', '§', ' ']);
    let logo = (i + 1..dom.nodes[i].end).any(|j| {
        let home_link = dom.nodes[j]
            .element()
            .is_some_and(|e| e.name() == "a" && e.attr("href").is_some_and(is_home_href));
        home_link && collapse(&raw_text(dom, j)) == text
    });
    (!logo).then(|| non_empty(text)).flatten()
}

/// "/", "index.html", "https://example.com/": links to a site's front page.
fn is_home_href(href: &str) -> bool {
    let path = Url::parse(href).map_or_else(|_| href.to_string(), |u| u.path().to_string());
    let path = path
        .trim_start_matches("./")
        .trim_start_matches('/')
        .trim_end_matches('/');
    matches!(path, "" | "index.html" | "index.htm" | "index.php")
}

/// Whitespace-collapsed text of a subtree, at most [`MAX_FIELD_CHARS`].
fn text(dom: &Dom, i: usize) -> String {
    collapse(&raw_text(dom, i))
}

fn raw_text(dom: &Dom, i: usize) -> String {
    let mut out = String::new();
    for node in &dom.nodes[i + 1..dom.nodes[i].end.max(i + 1)] {
        if let Kind::Text(t) = node.kind {
            out.push_str(t);
            if out.len() > MAX_FIELD_CHARS * 50 {
                break;
            }
        }
    }
    out
}

/// The headline from `<title>`, without the site name publishers add to it.
/// As readability.js does, a remnant of four words or fewer keeps the whole
/// title: so short a part is as likely the site's name as the headline.
fn clean_title(raw: &str, headings: &[String]) -> String {
    const MIN_HEADLINE_WORDS: usize = 5;
    // A heading that `<title>` contains is the headline, undecorated.
    let headline = headings
        .iter()
        .find(|h| raw.contains(h.as_str()))
        .cloned()
        .unwrap_or_else(|| strip_site_name(raw));
    if headline.split_whitespace().count() >= MIN_HEADLINE_WORDS {
        headline
    } else {
        raw.to_string()
    }
}

/// "Headline" from "Headline | The Site" when the page names its site "The
/// Site": sites decorate `og:title` and JSON-LD headlines as they do
/// `<title>`. (The title field keeps such a title whole, as readability.js
/// does; this is for recognising the headline where the page repeats it.)
pub(crate) fn without_site_name<'t>(title: &'t str, site: Option<&str>) -> &'t str {
    let Some(site) = site.filter(|s| !s.is_empty()) else {
        return title;
    };
    let is_site = |part: Option<&str>| part.is_some_and(|p| p.eq_ignore_ascii_case(site));
    for sep in TITLE_SEPARATORS {
        let cut = title.len().saturating_sub(site.len());
        if let Some(head) = title.get(..cut).and_then(|h| h.strip_suffix(sep)) {
            if is_site(title.get(cut..)) && !head.trim().is_empty() {
                return head.trim();
            }
        }
        if let Some(tail) = title.get(site.len()..).and_then(|t| t.strip_prefix(sep)) {
            if is_site(title.get(..site.len())) && !tail.trim().is_empty() {
                return tail.trim();
            }
        }
    }
    title
}

const TITLE_SEPARATORS: &[&str] = &[" | ", " :: ", " » ", " · ", " — ", " – ", " - ", " / "];

/// "Headline | Site", "Site :: Headline", "Headline – Site": the headline is
/// the longest part.
fn strip_site_name(title: &str) -> String {
    let Some(sep) = TITLE_SEPARATORS.iter().find(|s| title.contains(*s)) else {
        return title.to_string();
    };
    title
        .split(sep)
        .max_by_key(|part| part.len())
        .unwrap_or(title)
        .trim()
        .to_string()
}

fn non_empty(s: &str) -> Option<String> {
    let s = collapse(s);
    (!s.is_empty()).then_some(s)
}

/// A JSON-LD script's value. CMSs that also serve XHTML wrap it in
/// `<![CDATA[ … ]]>` (sometimes behind `//`), which JSON does not allow.
fn json_ld(raw: &str) -> Option<Value> {
    let t = raw.trim().trim_start_matches("//").trim_start();
    let t = match t.strip_prefix("<![CDATA[") {
        Some(inner) => inner
            .trim_end()
            .trim_end_matches("]]>")
            .trim_end()
            .trim_end_matches("//"),
        None => t,
    };
    serde_json::from_str(t).ok()
}

/// The first JSON-LD object whose @type is an article kind, looking inside
/// arrays and `@graph`.
fn find_article(v: &Value, depth: usize) -> Option<Value> {
    if depth > 8 {
        return None;
    }
    match v {
        Value::Array(items) => items.iter().find_map(|i| find_article(i, depth + 1)),
        Value::Object(map) if map.get("@type").is_some_and(is_article_type) => Some(v.clone()),
        Value::Object(map) => map.get("@graph").and_then(|g| find_article(g, depth + 1)),
        _ => None,
    }
}

fn is_article_type(t: &Value) -> bool {
    match t {
        Value::String(s) => {
            // schema.org's Article subtypes: NewsArticle, BlogPosting, SocialMediaPosting, Report…
            s.ends_with("Article") || s.ends_with("Posting") || s == "Report"
        }
        Value::Array(a) => a.iter().any(is_article_type),
        _ => false,
    }
}

/// A JSON-LD string's text. Publishers often escape HTML into it
/// ("&#8220;"), which no reader should see.
fn text_of(v: &Value) -> Option<String> {
    v.as_str().and_then(|s| non_empty(&unescape(s)))
}

fn first_text(v: &Value) -> Option<String> {
    match v {
        Value::Array(items) => items.iter().find_map(text_of),
        _ => text_of(v),
    }
}

fn names_of(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().flat_map(names_of).collect(),
        Value::Object(_) => text_of(&v["name"]).into_iter().collect(),
        _ => text_of(v).filter(|n| !n.starts_with("http")).into_iter().collect(),
    }
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

/// Parses the date formats found in news pages, keeping the page's zone;
/// times without a zone are taken as UTC. The placeholders CMSs print for
/// "no date" (year 1, the Unix epoch) are not dates.
pub fn parse_time(s: &str) -> Option<DateTime<FixedOffset>> {
    parse_any_time(s).filter(|t| (1800..=2200).contains(&t.year()) && t.timestamp() != 0)
}

fn parse_any_time(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t);
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t);
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%dT%H:%M:%S%.f%:z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t);
        }
    }
    let utc = FixedOffset::east_opt(0)?;
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc().with_timezone(&utc));
        }
    }
    let t = NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d")
        .ok()?
        .and_hms_opt(0, 0, 0)?;
    Some(t.and_utc().with_timezone(&utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    fn meta_of(html: &str, url: Option<&Url>) -> Extracted {
        let doc = crate::parse::parse(html);
        read(&Dom::build(&doc), url).0
    }

    #[test]
    fn headlines_lose_escaped_entities_and_can_lose_the_site_name() {
        let title = "Man pleads guilty to threats | TheHill";
        assert_eq!(
            without_site_name(title, Some("TheHill")),
            "Man pleads guilty to threats"
        );
        assert_eq!(
            without_site_name("TheHill :: Man pleads guilty", Some("thehill")),
            "Man pleads guilty"
        );
        let html = r#"<head><script type="application/ld+json">{"@type":"NewsArticle",
            "headline":"Lynn: &#8220;We needed to win this&nbsp;game&#8221;","publisher":{"name":"PFT"}}</script>
            <meta property="og:site_name" content="Ünïcode Site"><meta name="twitter:title" content="x"></head>"#;
        let m = meta_of(html, None);
        assert_eq!(m.title.as_deref(), Some("Lynn: “We needed to win this game”"));
        // A title that is only the site name, or names it mid-way, stays whole.
        assert_eq!(without_site_name("TheHill", Some("TheHill")), "TheHill");
        assert_eq!(without_site_name("A | TheHill | B", Some("TheHill")), "A | TheHill | B");
        assert_eq!(
            without_site_name("İstanbul – Ünïcode Site", Some("ünïcode site")),
            "İstanbul – Ünïcode Site"
        );
    }

    #[test]
    fn og_article_is_overruled_by_json_ld_declaring_a_collection_or_a_product() {
        let declared = |head: &str| {
            let doc = crate::parse::parse(head);
            read(&Dom::build(&doc), None).1.article
        };
        let og = r#"<meta property="og:type" content="article">"#;
        let ld = |t: &str| format!(r#"<script type="application/ld+json">{{"@graph":[{{"@type":{t}}}]}}</script>"#);
        assert!(declared(&format!("<head>{og}</head>")));
        assert!(!declared(&format!(
            "<head>{og}{}</head>",
            ld(r#"["ItemList","CollectionPage"]"#)
        )));
        assert!(!declared(&format!("<head>{}{og}</head>", ld(r#""Product""#))));
        // An article type in JSON-LD stays an article beside a list it carries.
        let both = ld(r#"["NewsArticle","ItemList"]"#);
        assert!(declared(&format!("<head>{og}{both}</head>")));
    }

    #[test]
    fn a_placeholder_date_falls_through_to_the_next_source() {
        let html = r#"<head><script type="application/ld+json">{"@type":"NewsArticle","datePublished":"0001-01-01T00:00:00"}</script>
            <meta property="article:published_time" content="2019-11-19T13:16:49Z"></head>"#;
        let m = meta_of(html, None);
        assert_eq!(
            m.published.map(|t| t.to_rfc3339()).as_deref(),
            Some("2019-11-19T13:16:49+00:00")
        );
    }

    #[test]
    fn json_ld_in_graph_wins_over_opengraph() {
        let html = r#"<html lang="en-GB"><head><title>Page | Site</title>
            <meta property="og:title" content="OG title"><meta property="og:site_name" content="The Site">
            <meta property="og:image" content="/img/lead.jpg"><link rel="canonical" href="https://ex.com/a?x=1">
            <meta property="article:tag" content="Floods"><meta property="article:tag" content="Rivers">
            <script type="application/ld+json">{"@graph":[{"@type":"WebPage"},{"@type":"NewsArticle",
              "headline":"LD headline","datePublished":"2025-08-17T14:05:00+02:00","articleSection":["World"],
              "author":[{"@type":"Person","name":"Ana Ruiz"},{"name":"Bo Li"}]}]}</script></head><body></body></html>"#;
        let base = Url::parse("https://ex.com/news/a").unwrap();
        let m = meta_of(html, Some(&base));
        assert_eq!(m.title.as_deref(), Some("LD headline"));
        assert_eq!(m.authors, vec!["Ana Ruiz", "Bo Li"]);
        assert_eq!(m.byline.as_deref(), Some("Ana Ruiz, Bo Li"));
        assert_eq!(m.published.unwrap().to_rfc3339(), "2025-08-17T14:05:00+02:00");
        assert_eq!(m.site_name.as_deref(), Some("The Site"));
        assert_eq!(m.image.as_deref(), Some("https://ex.com/img/lead.jpg"));
        assert_eq!(m.lang.as_deref(), Some("en"));
        assert_eq!(m.canonical_url.as_deref(), Some("https://ex.com/a?x=1"));
        assert_eq!(m.section.as_deref(), Some("World"));
        assert_eq!(m.keywords, vec!["Floods", "Rivers"]);
    }

    #[test]
    fn falls_back_to_title_tag_time_element_and_byline() {
        let html = r#"<html><head><title>Storm hits the coast near Osk - Daily Paper</title></head>
            <body><p class="byline">By Dana Oyelaran</p><time datetime="2025-01-02">Jan 2</time></body></html>"#;
        let m = meta_of(html, None);
        assert_eq!(m.title.as_deref(), Some("Storm hits the coast near Osk"));
        assert_eq!(m.published.unwrap().to_rfc3339(), "2025-01-02T00:00:00+00:00");
        assert_eq!(m.authors, vec!["Dana Oyelaran"]);
    }

    #[test]
    fn microdata_gives_author_and_time() {
        let html = r#"<article><span itemprop="author">By Kim Lee</span>
            <meta itemprop="datePublished" content="2024-03-04T05:06:07-05:00"></article>"#;
        let m = meta_of(html, None);
        assert_eq!(m.authors, vec!["Kim Lee"]);
        assert_eq!(m.published.unwrap().to_rfc3339(), "2024-03-04T05:06:07-05:00");
    }

    #[test]
    fn a_logo_heading_linking_home_is_not_the_headline() {
        let html = "<title>Shared Mutable History of Every Change — the evolve extension for Mercurial</title>\
            <h1><a href=\"index.html\">the evolve extension for Mercurial</a></h1>\
            <h1>Shared Mutable History of Every Change<a class=headerlink href=\"#shared\">¶</a></h1>";
        assert_eq!(
            meta_of(html, None).title.as_deref(),
            Some("Shared Mutable History of Every Change")
        );
        assert!(is_home_href("https://example.com/") && is_home_href("/") && is_home_href("./index.html"));
        assert!(!is_home_href("/news/2024/story.html") && !is_home_href("#top"));
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
        let title = |t: &str| clean_title(t, &[]);
        assert_eq!(
            title("Floods hit the valley again – The Paper"),
            "Floods hit the valley again"
        );
        assert_eq!(title("Home | Site"), "Home | Site");
        // Four words or fewer left: the cut could as well have taken the headline.
        assert_eq!(
            title("Google - Site Reliability Engineering"),
            "Google - Site Reliability Engineering"
        );
        let html = "<title>Paper - Storm - hits the coast today</title><h1>Storm - hits the coast today</h1>";
        assert_eq!(
            meta_of(html, None).title.as_deref(),
            Some("Storm - hits the coast today")
        );
    }

    #[test]
    fn json_ld_in_cdata_and_posting_types_are_read() {
        let html = r#"<title>Pier reopens - Harbour Times</title><script type="application/ld+json">
            //<![CDATA[
            {"@type":"SocialMediaPosting","headline":"Pier reopens","datePublished":"2024-06-25T08:00:00-04:00"}
            //]]></script>"#;
        let m = meta_of(html, None);
        assert_eq!(m.title.as_deref(), Some("Pier reopens"));
        assert_eq!(m.published.unwrap().to_rfc3339(), "2024-06-25T08:00:00-04:00");
    }

    #[test]
    fn json_ld_name_beats_a_headline_that_does_not_match_the_title() {
        let ld = |headline: &str, name: &str| {
            format!(
                r#"<title>List of tidal mills - Wiki</title><script type="application/ld+json">
                {{"@type":"Article","headline":"{headline}","name":"{name}"}}</script>"#
            )
        };
        let generic = meta_of(&ld("Encyclopedia list page", "List of tidal mills"), None);
        assert_eq!(generic.title.as_deref(), Some("List of tidal mills"));
        let site_name = meta_of(&ld("List of tidal mills", "Wiki"), None);
        assert_eq!(site_name.title.as_deref(), Some("List of tidal mills"));
    }

    #[test]
    fn property_meta_beats_name_meta_and_dublin_core_spellings_agree() {
        let html = r#"<meta name="DC.title" content="Name title"><meta property="dc:title" content="Property title">
            <meta name="og:title" content="OG name"><meta property="og:title" content="OG property">"#;
        assert_eq!(meta_of(html, None).title.as_deref(), Some("Property title"));
        let html = r#"<meta name="og:title" content="OG name"><meta property="og:title" content="OG property">"#;
        assert_eq!(meta_of(html, None).title.as_deref(), Some("OG property"));
        let html = r#"<meta name="DC.date.issued" content="2020-01-02">"#;
        assert_eq!(
            meta_of(html, None).published.unwrap().to_rfc3339(),
            "2020-01-02T00:00:00+00:00"
        );
    }

    #[test]
    fn parses_common_date_formats() {
        assert_eq!(
            parse_time("2017-11-03 03:01:00.000000").unwrap().to_rfc3339(),
            "2017-11-03T03:01:00+00:00"
        );
        assert_eq!(
            parse_time("2015-07-10 09:53:00 -0400").unwrap().to_rfc3339(),
            "2015-07-10T09:53:00-04:00"
        );
        assert!(parse_time("Sun, 17 Aug 2025 10:00:00 GMT").is_some());
        assert!(parse_time("2025-08-17T10:00:00.123Z").is_some());
        assert!(parse_time("2025-08-17 10:00:00").is_some());
        assert!(parse_time("yesterday").is_none());
        // CMS placeholders for "no date".
        assert!(parse_time("0001-01-01T00:00:00Z").is_none());
        assert!(parse_time("1970-01-01T00:00:00+00:00").is_none());
        assert!(parse_time("").is_none());
        assert!(parse_time("2025-08-1é").is_none());
    }
}
