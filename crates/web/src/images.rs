//! The image proxy: readers' browsers load publishers' images from us, so
//! publishers never see readers' addresses and the pages' CSP can allow
//! images from this site only.
//!
//! `/img/{sig}?url=…` serves the image at `url` when `sig` is our keyed
//! BLAKE2s MAC of it, so the proxy relays only what our own pages link to
//! and cannot be used as an open relay. Images come through an
//! [`ImageSource`] (the crawl's fetcher: SSRF rules, size cap, timeouts),
//! must be one of the common raster types or SVG by their bytes, not their
//! claimed type, and are kept in a bounded disk cache.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use blake2::digest::{KeyInit, Mac};
use blake2::Blake2sMac256;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::admin::BoxFuture;
use crate::image_cache::DiskCache;
use crate::session::hex;
use crate::{AppState, WebError};

/// Longest image address we sign or serve.
const MAX_URL: usize = 2048;
/// Image fetches running at once; the rest wait their turn.
const FETCHES_AT_ONCE: usize = 16;
/// Bytes of the MAC kept in the URL (128 bits).
const SIG_BYTES: usize = 16;

/// Where the proxy gets publishers' images from.
pub trait ImageSource: Send + Sync {
    /// The body at `url`, or why it could not be had.
    fn fetch_image(&self, url: String) -> BoxFuture<Result<Vec<u8>, String>>;
}

/// Signs image addresses for our pages and serves them.
pub struct ImageProxy {
    source: Arc<dyn ImageSource>,
    key: Vec<u8>,
    cache: DiskCache,
    fetches: tokio::sync::Semaphore,
}

impl ImageProxy {
    /// A proxy fetching through `source`, signing with a MAC key derived
    /// from `key` (any length), keeping up to `cache_bytes` of images in
    /// `cache_dir`.
    pub fn new(
        source: Arc<dyn ImageSource>,
        key: &[u8],
        cache_dir: PathBuf,
        cache_bytes: u64,
    ) -> std::io::Result<ImageProxy> {
        Ok(ImageProxy {
            source,
            key: Sha256::digest(key).to_vec(),
            cache: DiskCache::open(cache_dir, cache_bytes)?,
            fetches: tokio::sync::Semaphore::new(FETCHES_AT_ONCE),
        })
    }

    fn mac(&self, url: &str) -> Blake2sMac256 {
        let mut mac = <Blake2sMac256 as KeyInit>::new_from_slice(&self.key).expect("a SHA-256 is a valid BLAKE2s key");
        mac.update(url.as_bytes());
        mac
    }

    /// Our address for the image at `url`; `None` for what is not a web address.
    pub fn url_for(&self, url: &str) -> Option<String> {
        let web = url::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && url.len() <= MAX_URL)?;
        let sig = hex(&self.mac(web.as_str()).finalize().into_bytes()[..SIG_BYTES]);
        let encoded: String = form_urlencoded::byte_serialize(web.as_str().as_bytes()).collect();
        Some(format!("/img/{sig}?url={encoded}"))
    }

    fn signed(&self, url: &str, sig: &str) -> bool {
        decode_hex(sig).is_some_and(|sig| self.mac(url).verify_truncated_left(&sig).is_ok())
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() != SIG_BYTES * 2 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The image types we relay, told by their first bytes.
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("image/gif")
    } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some("image/webp")
    } else if bytes.get(4..8) == Some(b"ftyp") && matches!(bytes.get(8..12), Some(b"avif" | b"avis")) {
        Some("image/avif")
    } else if is_svg(bytes) {
        Some("image/svg+xml")
    } else {
        None
    }
}

/// An SVG document: an `<svg` element near the top, before any HTML.
fn is_svg(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    head.starts_with('<') && head.contains("<svg") && !head.contains("<html")
}

#[derive(Deserialize)]
pub struct ImageQuery {
    url: String,
}

/// `/img/{sig}?url=…`
pub async fn serve(
    State(state): State<AppState>,
    Path(sig): Path<String>,
    Query(query): Query<ImageQuery>,
) -> Result<Response, WebError> {
    let proxy = state.images.clone().ok_or(WebError::NotFound)?;
    if query.url.len() > MAX_URL || !proxy.signed(&query.url, &sig) {
        return Err(WebError::NotFound);
    }
    if let Some(bytes) = proxy.cache.get(query.url.clone()).await {
        if let Some(kind) = image_type(&bytes) {
            return Ok(image_response(kind, bytes));
        }
    }
    let bytes = {
        let _turn = proxy
            .fetches
            .acquire()
            .await
            .map_err(|_| WebError::Unavailable("image fetching stopped".into()))?;
        proxy.source.fetch_image(query.url.clone()).await
    };
    let bytes = bytes.map_err(|e| {
        tracing::debug!(url = %query.url, "image not relayed: {e}");
        WebError::BadGateway
    })?;
    let kind = image_type(&bytes).ok_or(WebError::BadGateway)?;
    proxy.cache.put(query.url, bytes.clone()).await;
    Ok(image_response(kind, bytes))
}

fn image_response(kind: &'static str, bytes: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=604800, immutable"),
            ),
            // An SVG opened on its own is a document: no scripts, no origin.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The article's lead image through the proxy; none without a proxy.
pub(crate) fn lead(state: &AppState, url: &str) -> Option<String> {
    state.images.as_ref()?.url_for(url)
}

/// Article HTML (as the extractor's sanitiser wrote it) with every image
/// through the proxy; without a proxy, or for an address it will not
/// sign, the image is left out.
pub(crate) fn body(state: &AppState, html: &str) -> String {
    rewrite_images(html, |src| state.images.as_ref()?.url_for(src))
}

/// Replaces each `<img>`'s `src` with `proxied(src)`, dropping the element
/// when that is `None`. The input is html5ever's serialisation: attribute
/// values in double quotes with `"` and `&` escaped, so a quote always ends
/// a value and ` src="` never occurs inside one.
fn rewrite_images(html: &str, proxied: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("<img") {
        out.push_str(&rest[..at]);
        let from_tag = &rest[at..];
        let end = tag_end(from_tag);
        if let Some(tag) = with_src(&from_tag[..end], &proxied) {
            out.push_str(&tag);
        }
        rest = &from_tag[end..];
    }
    out.push_str(rest);
    out
}

/// Where the tag at the start of `s` ends: after the first `>` outside quotes.
fn tag_end(s: &str) -> usize {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '>' if !quoted => return i + 1,
            _ => {}
        }
    }
    s.len()
}

fn with_src(tag: &str, proxied: impl Fn(&str) -> Option<String>) -> Option<String> {
    const SRC: &str = " src=\"";
    let start = tag.find(SRC)? + SRC.len();
    let len = tag[start..].find('"')?;
    let src = unescape(&tag[start..start + len]);
    let new = proxied(&src)?;
    Some(format!("{}{}{}", &tag[..start], escape(&new), &tag[start + len..]))
}

fn unescape(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

fn escape(value: &str) -> String {
    value.replace('&', "&amp;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_told_by_their_bytes() {
        assert_eq!(image_type(b"\xFF\xD8\xFF\xE0rest"), Some("image/jpeg"));
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nIHDR"), Some("image/png"));
        assert_eq!(image_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(image_type(b"\0\0\0\x1cftypavif"), Some("image/avif"));
        assert_eq!(
            image_type(b"<?xml version=\"1.0\"?>\n<svg xmlns=\"x\"/>"),
            Some("image/svg+xml")
        );
        assert_eq!(
            image_type(b"<!doctype html><html><svg/></html>"),
            None,
            "HTML is not an image"
        );
        assert_eq!(image_type(b"GIF8"), None);
        assert_eq!(image_type(b""), None);
    }

    #[test]
    fn every_image_goes_through_the_proxy_or_is_left_out() {
        let html =
            r#"<p>a &gt; b</p><img alt="x > y" src="https://cdn.example/a.jpg?w=1&amp;h=2"><p>t</p><img src="data:x">"#;
        let out = rewrite_images(html, |src| {
            src.starts_with("https:").then(|| format!("/img/s?url={src}"))
        });
        assert_eq!(
            out,
            r#"<p>a &gt; b</p><img alt="x > y" src="/img/s?url=https://cdn.example/a.jpg?w=1&amp;h=2"><p>t</p>"#
        );
        assert_eq!(rewrite_images("<p>no images</p>", |_| None), "<p>no images</p>");
        assert_eq!(
            rewrite_images("<img src=\"https://a\"", |_| Some("/x".into())),
            "<img src=\"/x\""
        );
    }

    #[test]
    fn signatures_cover_the_exact_address() {
        struct Nothing;
        impl ImageSource for Nothing {
            fn fetch_image(&self, _url: String) -> BoxFuture<Result<Vec<u8>, String>> {
                Box::pin(async { Err("none".into()) })
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let proxy = ImageProxy::new(Arc::new(Nothing), b"k", dir.path().join("img"), 1 << 20).unwrap();
        let ours = proxy.url_for("https://cdn.example/a.jpg").unwrap();
        let sig = ours.strip_prefix("/img/").unwrap().split('?').next().unwrap();
        assert!(proxy.signed("https://cdn.example/a.jpg", sig));
        assert!(!proxy.signed("https://cdn.example/b.jpg", sig));
        let flipped = format!("{}{}", if sig.starts_with('0') { '1' } else { '0' }, &sig[1..]);
        assert!(!proxy.signed("https://cdn.example/a.jpg", &flipped));
        assert!(!proxy.signed("https://cdn.example/a.jpg", "zz"));
        assert_eq!(proxy.url_for("javascript:alert(1)"), None);
    }
}
