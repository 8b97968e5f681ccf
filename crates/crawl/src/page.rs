//! Article pages: fetch a pending page, extract it, and store it under its
//! canonical URL, or record why it failed and whether a retry may help.

use newsdesk_domain::{Article, Extracted};
use newsdesk_fetch::{urls, FetchError, Response, Validators};
use newsdesk_store::{blocking, StoreError};
use url::Url;

use crate::fetch_log::Fetched;
use crate::{Crawler, PassReport};

/// Why a pending page did not become a stored article.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// The fetch failed (network, status, robots.txt, SSRF guard, size cap).
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The page is a PDF, an image, a feed…
    #[error("{url} is not an HTML page ({media_type})")]
    NotHtml {
        /// Where the fetch ended.
        url: String,
        /// The response's media type.
        media_type: String,
    },
    /// Extraction found no article text on the page.
    #[error("no article text found at {0}")]
    NoText(String),
    /// The extractor panicked: a bug, reported rather than retried.
    #[error("extraction crashed: {0}")]
    ExtractionCrashed(String),
    /// Storing the article failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PageError {
    /// Whether fetching the page again later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            PageError::Fetch(e) => e.is_transient(),
            PageError::Store(_) => true,
            PageError::NotHtml { .. } | PageError::NoText(_) | PageError::ExtractionCrashed(_) => false,
        }
    }
}

impl Crawler {
    pub(crate) async fn fetch_page(self, article: Article) -> PassReport {
        let fetched = self.fetcher.get(&article.url, &Validators::default()).await;
        self.log_fetch(&article.url, Fetched::Page(article.id), &fetched).await;
        let outcome = match fetched {
            Ok(resp) => self.store_page(&article, resp).await,
            Err(e) => Err(e.into()),
        };
        let Err(error) = outcome else {
            return PassReport {
                pages_fetched: 1,
                ..Default::default()
            };
        };
        tracing::warn!(url = %article.url, %error, "article fetch failed");
        let (id, retry, error) = (article.id, error.is_transient(), error.to_string());
        if let Err(e) = blocking(&self.store, move |s| s.fail_article(id, &error, retry)).await {
            tracing::error!("recording article error: {e}");
        }
        PassReport {
            pages_failed: 1,
            ..Default::default()
        }
    }

    /// Extracts a fetched page, stores it and enriches the stored article.
    async fn store_page(&self, article: &Article, resp: Response) -> Result<(), PageError> {
        if let Some(media_type) = non_html(resp.content_type.as_deref()) {
            return Err(PageError::NotHtml {
                url: resp.final_url.to_string(),
                media_type,
            });
        }
        let (page, final_url) = extract(resp).await?;
        if page.text.trim().is_empty() {
            return Err(PageError::NoText(article.url.clone()));
        }
        let id = article.id;
        let canonical = canonical_url(page.canonical_url.as_deref(), &final_url);
        let read = crate::enrich::Read {
            title: page.title.clone(),
            text: page.text.clone(),
            // The page's own label first; the feed item's where it has none.
            section_label: page.section.clone().or_else(|| article.feed_category.clone()),
        };
        let completed = blocking(&self.store, move |s| s.complete_article(id, &canonical, &page)).await?;
        self.enrich(completed, read).await;
        Ok(())
    }
}

/// Decodes and extracts on a blocking thread (a large page takes
/// milliseconds of CPU, which must not stall the runtime); returns the page
/// with the URL its fetch ended at.
async fn extract(resp: Response) -> Result<(Extracted, Url), PageError> {
    tokio::task::spawn_blocking(move || {
        let page = newsdesk_extract::extract(&resp.text(), Some(&resp.final_url));
        (page, resp.final_url)
    })
    .await
    .map_err(|e| PageError::ExtractionCrashed(e.to_string()))
}

/// The media type when it is clearly not HTML; `None` for HTML or unknown.
fn non_html(content_type: Option<&str>) -> Option<String> {
    let mime = content_type?.split(';').next()?.trim().to_ascii_lowercase();
    let html = mime.is_empty() || mime == "text/html" || mime == "application/xhtml+xml" || mime == "text/plain";
    (!html).then_some(mime)
}

/// The URL an article is stored under: the page's `<link rel=canonical>`
/// when it stays on the same site, else where the fetch ended up. A
/// canonical on another site (a syndication partner pointing at the wire's
/// original) is ignored, so the copy is kept as its own article.
pub(crate) fn canonical_url(declared: Option<&str>, fetched: &Url) -> String {
    let fetched_canon = urls::canonicalize(fetched.as_str())
        .map(|u| u.to_string())
        .unwrap_or_else(|_| fetched.to_string());
    let Some(declared) = declared.and_then(|d| urls::canonicalize(d).ok()) else {
        return fetched_canon;
    };
    let site = |u: &Url| u.host_str().map(|h| h.trim_start_matches("www.").to_string());
    if site(&declared) == site(fetched) {
        declared.to_string()
    } else {
        fetched_canon
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_only_trusted_on_the_same_site() {
        let fetched = Url::parse("https://www.example.com/a?utm_source=x").unwrap();
        assert_eq!(
            canonical_url(Some("https://example.com/story#top"), &fetched),
            "https://example.com/story"
        );
        assert_eq!(
            canonical_url(Some("https://wire.example.org/story"), &fetched),
            "https://www.example.com/a"
        );
        assert_eq!(canonical_url(None, &fetched), "https://www.example.com/a");
        assert_eq!(canonical_url(Some("not a url"), &fetched), "https://www.example.com/a");
    }

    #[test]
    fn only_clear_non_html_is_refused() {
        assert_eq!(non_html(Some("application/pdf")), Some("application/pdf".into()));
        assert_eq!(non_html(Some("text/html; charset=utf-8")), None);
        assert_eq!(non_html(None), None);
    }

    #[test]
    fn only_network_and_store_failures_are_retried() {
        assert!(PageError::Store(StoreError::Database("locked".into())).is_transient());
        assert!(!PageError::NoText("https://a.example/".into()).is_transient());
        assert!(!PageError::NotHtml {
            url: "https://a.example/x.pdf".into(),
            media_type: "application/pdf".into()
        }
        .is_transient());
    }
}
