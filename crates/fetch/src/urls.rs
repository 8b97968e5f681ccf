//! URL canonicalisation, so the same article reached through different
//! links (tracking parameters, fragments, `:80`) is stored only once.

use url::{Host, Url};

use crate::FetchError;

/// Query parameters that only identify a campaign or click, never content.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "gclsrc",
    "gbraid",
    "wbraid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "yclid",
    "twclid",
    "ttclid",
    "li_fat_id",
    "_ga",
    "_gl",
    "_hsenc",
    "_hsmi",
    "__hstc",
    "__hssc",
    "__hsfp",
    "hsctatarget",
    "mkt_tok",
    "ref_src",
    "ref_url",
    "cmpid",
    "s_cid",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "wickedid",
    "rb_clickid",
];

/// Parses `raw` into a canonical http(s) URL: lowercase host, no fragment,
/// no default port, no tracking parameters, no empty `?`.
///
/// Other query parameters keep their order and their original encoding,
/// because servers may treat `a+b` and `a%20b` differently.
pub fn canonicalize(raw: &str) -> Result<Url, FetchError> {
    let invalid = |reason: String| FetchError::InvalidUrl {
        url: raw.to_string(),
        reason,
    };
    let mut url = Url::parse(raw.trim()).map_err(|e| invalid(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!("unsupported scheme {:?}", url.scheme())));
    }
    // The url crate already lowercases/IDNA-encodes domains and drops default
    // ports for http(s); a trailing dot still makes two names for one host.
    if let Some(Host::Domain(domain)) = url.host() {
        let lowered = domain.trim_end_matches('.').to_ascii_lowercase();
        if lowered.is_empty() {
            return Err(invalid("empty host".into()));
        }
        if lowered != domain {
            url.set_host(Some(&lowered)).map_err(|e| invalid(e.to_string()))?;
        }
    } else if url.host().is_none() {
        return Err(invalid("missing host".into()));
    }
    url.set_fragment(None);
    let query = url.query().map(strip_tracking);
    url.set_query(query.as_deref().filter(|q| !q.is_empty()));
    Ok(url)
}

/// Resolves `href` (as found in a page or feed) against `base`; only
/// http(s) results are returned, so `javascript:`/`mailto:` links vanish.
pub fn resolve(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let url = base.join(href).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

fn strip_tracking(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| !pair.is_empty() && !is_tracking(pair))
        .collect::<Vec<_>>()
        .join("&")
}

fn is_tracking(pair: &str) -> bool {
    let name = pair.split('=').next().unwrap_or(pair);
    let name: String = url::form_urlencoded::parse(name.as_bytes())
        .next()
        .map(|(k, _)| k.to_ascii_lowercase())
        .unwrap_or_default();
    name.starts_with("utm_") || TRACKING_PARAMS.contains(&name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        canonicalize(s).unwrap().to_string()
    }

    #[test]
    fn normalises_host_port_fragment() {
        assert_eq!(canon("HTTP://Example.COM:80/a/b#frag"), "http://example.com/a/b");
        assert_eq!(canon("https://example.com:443"), "https://example.com/");
        assert_eq!(canon("https://example.com:8443/x"), "https://example.com:8443/x");
        assert_eq!(canon("http://example.com./x"), "http://example.com/x");
    }

    #[test]
    fn strips_tracking_keeps_order() {
        assert_eq!(
            canon("https://ex.com/p?utm_source=rss&b=2&fbclid=x&a=1&UTM_Medium=y&gclid=z"),
            "https://ex.com/p?b=2&a=1"
        );
        assert_eq!(
            canon("https://ex.com/p?utm_source=rss&utm_campaign=c"),
            "https://ex.com/p"
        );
        assert_eq!(canon("https://ex.com/p?"), "https://ex.com/p");
        assert_eq!(canon("https://ex.com/p?q=a+b&&x"), "https://ex.com/p?q=a+b&x");
        assert_eq!(
            canon("https://ex.com/p?ref=home&mc_cid=1&mc_eid=2&igshid=3"),
            "https://ex.com/p?ref=home"
        );
    }

    #[test]
    fn rejects_non_http() {
        for bad in [
            "ftp://ex.com/",
            "javascript:alert(1)",
            "not a url",
            "",
            "file:///etc/passwd",
        ] {
            assert!(matches!(canonicalize(bad), Err(FetchError::InvalidUrl { .. })), "{bad}");
        }
    }

    #[test]
    fn resolves_relative() {
        let base = Url::parse("https://ex.com/news/feed.xml").unwrap();
        assert_eq!(
            resolve(&base, "../a/1.html").unwrap().as_str(),
            "https://ex.com/a/1.html"
        );
        assert_eq!(
            resolve(&base, "//cdn.ex.com/x").unwrap().as_str(),
            "https://cdn.ex.com/x"
        );
        assert!(resolve(&base, "mailto:a@b.c").is_none());
        assert!(resolve(&base, "   ").is_none());
    }
}
