//! The "fault desk": a host whose feeds and pages misbehave in the ways real
//! publishers do, so crawler tests can assert each failure is recorded while
//! the other feeds carry on. Not part of the demo listing.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use tokio::sync::watch;

use crate::content::CONTENT;
use crate::util::{encode_windows_1251, esc_text, TINY_PDF, TINY_PNG};
use crate::RequestLog;

/// Size of the oversized page, streamed without a `Content-Length`.
pub const OVERSIZED_BYTES: usize = 12 * 1024 * 1024;

/// How long the slow feed stalls before answering. Far beyond any sane
/// fetch timeout; the server keeps answering other requests meanwhile.
pub const SLOW_FEED_DELAY: Duration = Duration::from_secs(60);

/// URLs of the fault host (absolute, `http://127.0.0.N:PORT/...`).
#[derive(Debug, Clone)]
pub struct FaultUrls {
    /// `http://IP:PORT` of the fault host, no trailing slash.
    pub base: String,
    /// Broken XML served as `application/rss+xml`.
    pub malformed_feed: String,
    /// Answers 500 Internal Server Error.
    pub error_500_feed: String,
    /// Answers only after [`SLOW_FEED_DELAY`] (60 s).
    pub slow_feed: String,
    /// 302 to a second URL that 302s back: an endless redirect loop.
    pub redirect_loop_feed: String,
    /// 302 to `http://169.254.169.254/latest/meta-data/` (cloud metadata).
    pub ssrf_metadata_feed: String,
    /// 302 to `http://10.0.0.1/` (private network).
    pub ssrf_private_feed: String,
    /// An HTML page where a feed was expected.
    pub html_instead_of_feed: String,
    /// A valid RSS 2.0 feed listing every `*_item` URL below.
    pub bad_items_feed: String,
    /// A normal, well-formed article page (the one item that should succeed).
    pub ok_item: String,
    /// The headline of [`Self::ok_item`].
    pub ok_item_headline: String,
    /// Clean paragraphs of [`Self::ok_item`].
    pub ok_item_paragraphs: Vec<String>,
    /// `application/pdf` body.
    pub pdf_item: String,
    /// `image/png` body.
    pub png_item: String,
    /// `text/html`, [`OVERSIZED_BYTES`] streamed chunked (no Content-Length).
    pub oversized_item: String,
    /// windows-1251 bytes; header says ISO-8859-1, `<meta>` says utf-8.
    pub wrong_charset_item: String,
    /// What a reader should see on [`Self::wrong_charset_item`].
    pub wrong_charset_headline: String,
    /// Clean paragraphs of [`Self::wrong_charset_item`], as a reader should see them.
    pub wrong_charset_paragraphs: Vec<String>,
    /// Answers 404.
    pub not_found_item: String,
    /// Under `/private/`, disallowed by this host's robots.txt (the page exists).
    pub disallowed_item: String,
}

const MALFORMED: &str = "/feeds/malformed.xml";
const ERROR_500: &str = "/feeds/error-500.xml";
const SLOW: &str = "/feeds/slow.xml";
const LOOP_A: &str = "/feeds/loop.xml";
const LOOP_B: &str = "/feeds/loop-next.xml";
const SSRF_META: &str = "/feeds/ssrf-metadata.xml";
const SSRF_PRIVATE: &str = "/feeds/ssrf-private.xml";
const HTML_FEED: &str = "/feeds/not-a-feed.xml";
const BAD_ITEMS: &str = "/feeds/bad-items.xml";
const OK_ITEM: &str = "/items/lighthouse-reopens.html";
const PDF_ITEM: &str = "/items/annual-report.pdf";
const PNG_ITEM: &str = "/items/chart.png";
const HUGE_ITEM: &str = "/items/huge.html";
const CHARSET_ITEM: &str = "/items/fish-market.html";
const MISSING_ITEM: &str = "/items/deleted-story.html";
const PRIVATE_ITEM: &str = "/private/staff-only.html";

impl FaultUrls {
    pub(crate) fn new(base: &str) -> Self {
        let u = |p: &str| format!("{base}{p}");
        let c = &*CONTENT;
        FaultUrls {
            base: base.to_string(),
            malformed_feed: u(MALFORMED),
            error_500_feed: u(ERROR_500),
            slow_feed: u(SLOW),
            redirect_loop_feed: u(LOOP_A),
            ssrf_metadata_feed: u(SSRF_META),
            ssrf_private_feed: u(SSRF_PRIVATE),
            html_instead_of_feed: u(HTML_FEED),
            bad_items_feed: u(BAD_ITEMS),
            ok_item: u(OK_ITEM),
            ok_item_headline: c.fault_ok.headline.clone(),
            ok_item_paragraphs: c.fault_ok.paragraphs.clone(),
            pdf_item: u(PDF_ITEM),
            png_item: u(PNG_ITEM),
            oversized_item: u(HUGE_ITEM),
            wrong_charset_item: u(CHARSET_ITEM),
            wrong_charset_headline: c.wrong_charset.headline.clone(),
            wrong_charset_paragraphs: c.wrong_charset.paragraphs.clone(),
            not_found_item: u(MISSING_ITEM),
            disallowed_item: u(PRIVATE_ITEM),
        }
    }

    /// Every feed URL of the fault host.
    pub fn feeds(&self) -> Vec<String> {
        vec![
            self.malformed_feed.clone(),
            self.error_500_feed.clone(),
            self.slow_feed.clone(),
            self.redirect_loop_feed.clone(),
            self.ssrf_metadata_feed.clone(),
            self.ssrf_private_feed.clone(),
            self.html_instead_of_feed.clone(),
            self.bad_items_feed.clone(),
        ]
    }
}

#[derive(Clone)]
pub(crate) struct FaultState {
    pub base: String,
    pub shutdown: watch::Receiver<bool>,
    pub log: RequestLog,
}

fn with_type(ct: &'static str, body: impl Into<Body>) -> Response {
    ([(header::CONTENT_TYPE, ct)], body.into()).into_response()
}

fn redirect(to: String) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to)], "").into_response()
}

fn simple_page(title: &str, paragraphs: &[String]) -> String {
    let mut s = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title></head><body><article><h1>{t}</h1>",
        t = esc_text(title)
    );
    for p in paragraphs {
        s.push_str(&format!("<p>{}</p>", esc_text(p)));
    }
    s.push_str("</article></body></html>");
    s
}

pub(crate) async fn handler(State(st): State<FaultState>, uri: Uri) -> Response {
    st.log.record(&st.base, &uri);
    let base = &st.base;
    let c = &*CONTENT;
    match uri.path() {
        "/robots.txt" => with_type(
            "text/plain; charset=utf-8",
            "User-agent: *\nDisallow: /private/\n",
        ),
        "/" => with_type(
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><head><title>Fault Desk</title></head><body><h1>Fault Desk</h1></body></html>",
        ),
        MALFORMED => with_type(
            "application/rss+xml; charset=utf-8",
            // Unclosed elements, a bare ampersand and a truncated end.
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Broken & Co</title>\n<item><title>Half an item<link>http://example.invalid/x</link>\n<item><title>Another</titel>\n</channel",
        ),
        ERROR_500 => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/html")],
            "<h1>500 Internal Server Error</h1>",
        )
            .into_response(),
        SLOW => {
            let mut rx = st.shutdown.clone();
            // Sleeping in this task does not hold up other connections; the
            // shutdown signal cuts it short so the server stops promptly.
            tokio::select! {
                _ = tokio::time::sleep(SLOW_FEED_DELAY) => with_type(
                    "application/rss+xml",
                    crate::feeds::bad_items_feed(base, &[("Finally", OK_ITEM)], Utc::now()),
                ),
                _ = rx.wait_for(|stop| *stop) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
            }
        }
        LOOP_A => redirect(format!("{base}{LOOP_B}")),
        LOOP_B => redirect(format!("{base}{LOOP_A}")),
        // These only hand out a Location; nothing here ever connects there.
        SSRF_META => redirect("http://169.254.169.254/latest/meta-data/".into()),
        SSRF_PRIVATE => redirect("http://10.0.0.1/".into()),
        HTML_FEED => with_type(
            "text/html; charset=utf-8",
            simple_page("Not a feed", &["This is a web page, not a feed.".into()]),
        ),
        BAD_ITEMS => with_type(
            "application/rss+xml; charset=utf-8",
            crate::feeds::bad_items_feed(
                base,
                &[
                    (&c.fault_ok.headline, OK_ITEM),
                    ("Annual report (PDF)", PDF_ITEM),
                    ("Chart of the week", PNG_ITEM),
                    ("The longest page on the internet", HUGE_ITEM),
                    (&c.wrong_charset.headline, CHARSET_ITEM),
                    ("A story that was deleted", MISSING_ITEM),
                    ("Staff only", PRIVATE_ITEM),
                ],
                Utc::now(),
            ),
        ),
        OK_ITEM => with_type(
            "text/html; charset=utf-8",
            simple_page(&c.fault_ok.headline, &c.fault_ok.paragraphs),
        ),
        PDF_ITEM => with_type("application/pdf", TINY_PDF),
        PNG_ITEM => with_type("image/png", Bytes::from_static(TINY_PNG)),
        HUGE_ITEM => with_type("text/html; charset=utf-8", oversized_body()),
        CHARSET_ITEM => {
            let html = format!(
                "<!DOCTYPE html><html lang=\"ru\"><head><meta charset=\"utf-8\"><title>{t}</title></head><body><article><h1>{t}</h1>{}</article></body></html>",
                c.wrong_charset
                    .paragraphs
                    .iter()
                    .map(|p| format!("<p>{}</p>", esc_text(p)))
                    .collect::<String>(),
                t = esc_text(&c.wrong_charset.headline),
            );
            with_type("text/html; charset=ISO-8859-1", encode_windows_1251(&html))
        }
        PRIVATE_ITEM => with_type(
            "text/html; charset=utf-8",
            simple_page(
                "Staff only",
                &["Robots are asked not to fetch this page.".into()],
            ),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>",
        )
            .into_response(),
    }
}

/// 12 MiB of HTML, produced chunk by chunk so no `Content-Length` is sent
/// and the crawler has to enforce its size cap while reading.
fn oversized_body() -> Body {
    const CHUNK: usize = 64 * 1024;
    let head = "<!DOCTYPE html><html><head><title>Huge</title></head><body>";
    let filler = "<p>All work and no play makes a very large page.</p>\n";
    let mut chunk = String::with_capacity(CHUNK);
    while chunk.len() + filler.len() <= CHUNK {
        chunk.push_str(filler);
    }
    // Pad so every chunk is exactly CHUNK bytes and the total is exact.
    while chunk.len() < CHUNK {
        chunk.push(' ');
    }
    let chunk = Bytes::from(chunk);
    let mut first = head.to_string();
    first.push_str(&String::from_utf8_lossy(&chunk[head.len()..]));
    let first = Bytes::from(first);
    let n = OVERSIZED_BYTES / CHUNK;
    let stream = futures_util::stream::iter(
        (0..n).map(move |i| Ok::<Bytes, Infallible>(if i == 0 { first.clone() } else { chunk.clone() })),
    );
    Body::from_stream(stream)
}
