//! Article text and metadata from a news page.
//!
//! [`extract`] turns one HTML page into an [`Extracted`]: title, byline,
//! times, lead image, site name, language, canonical URL, plain text and
//! sanitised HTML. The main-content pass is delegated, for now, to
//! `dom_smoothie` (a readability.js port); around it sit the parts that are
//! ours: [`clutter`] removes what publishers inject into article bodies, and
//! [`metadata`] fills the gaps readability leaves.

pub mod clutter;
pub mod metadata;
mod render;

use newsdesk_domain::Extracted;
use url::Url;

/// Pages with more elements than this are refused rather than parsed for
/// minutes; real articles have a few thousand.
const MAX_ELEMENTS: usize = 200_000;

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("page has more than {MAX_ELEMENTS} elements")]
    TooLarge,
    #[error("readability failed: {0}")]
    Readability(String),
}

/// Extracts the article from `html`, fetched from `url` (used to make links
/// and images absolute). A page without an article yields empty text, not an error.
pub fn extract(html: &str, url: Option<&Url>) -> Result<Extracted, ExtractError> {
    let meta = metadata::Metadata::from_html(html, url);
    let article = readability(html, url)?;
    let body = article.map(|a| a.content.to_string()).unwrap_or_default();
    let mut blocks = clutter::clean_blocks(&body);
    clutter::drop_header_echo(&mut blocks, meta.title.as_deref(), meta.byline.as_deref());
    let text = render::text(&blocks);
    let html = render::sanitised_html(&blocks, url);
    let lang = meta.lang.clone().or_else(|| detect_lang(&text));
    Ok(Extracted {
        title: meta.title,
        byline: meta.byline,
        published: meta.published,
        modified: meta.modified,
        site_name: meta.site_name,
        image: meta.image,
        lang,
        canonical_url: meta.canonical_url,
        description: meta.description,
        text,
        html,
    })
}

/// Runs the main-content pass; `Ok(None)` when the page has no article.
fn readability(html: &str, url: Option<&Url>) -> Result<Option<dom_smoothie::Article>, ExtractError> {
    use dom_smoothie::{Config, Readability, ReadabilityError};
    let cfg = Config {
        max_elements_to_parse: MAX_ELEMENTS,
        ..Config::default()
    };
    let mut reader = Readability::new(html, url.map(Url::as_str), Some(cfg))
        .map_err(|e| ExtractError::Readability(e.to_string()))?;
    match reader.parse() {
        Ok(article) => Ok(Some(article)),
        Err(ReadabilityError::GrabFailed) => Ok(None),
        Err(ReadabilityError::TooManyElements(..)) => Err(ExtractError::TooLarge),
        Err(e) => Err(ExtractError::Readability(e.to_string())),
    }
}

/// Guesses the language when the page does not declare one; only a
/// confident guess is returned, since a wrong language is worse than none.
fn detect_lang(text: &str) -> Option<String> {
    let info = whatlang::detect(text)?;
    if !info.is_reliable() {
        return None;
    }
    let code = info.lang().code();
    // whatlang speaks ISO 639-3; keep the 2-letter code for the common ones.
    Some(iso639_1(code).unwrap_or(code).to_string())
}

fn iso639_1(code3: &str) -> Option<&'static str> {
    Some(match code3 {
        "eng" => "en",
        "fra" => "fr",
        "deu" => "de",
        "spa" => "es",
        "ita" => "it",
        "por" => "pt",
        "nld" => "nl",
        "rus" => "ru",
        "ukr" => "uk",
        "pol" => "pl",
        "jpn" => "ja",
        "cmn" => "zh",
        "kor" => "ko",
        "ara" => "ar",
        "hin" => "hi",
        "tur" => "tr",
        "swe" => "sv",
        "dan" => "da",
        "nob" => "nb",
        "fin" => "fi",
        "ces" => "cs",
        "ell" => "el",
        "heb" => "he",
        "ind" => "id",
        "vie" => "vi",
        _ => return None,
    })
}
