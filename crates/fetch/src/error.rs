//! The one error type of this crate; every message names the URL involved so
//! it can be shown to an operator as-is (e.g. as a feed's `last_error`).

use std::time::Duration;

/// Why a fetch (or a parse of what was fetched) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The URL does not parse, or is not http(s) with a host.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What the parser or the policy objected to.
        reason: String,
    },

    /// The host resolves to (or is) an address the SSRF guard refuses.
    #[error("refused to fetch {url}: {reason} (SSRF guard)")]
    Blocked {
        /// The URL refused.
        url: String,
        /// Which address, and which kind of network it belongs to.
        reason: String,
    },

    /// The site's robots.txt forbids our user agent this path.
    #[error("robots.txt disallows fetching {url}")]
    RobotsDisallowed {
        /// The URL refused.
        url: String,
    },

    /// robots.txt answered 5xx/429 or could not be reached; we back off from
    /// the whole origin for a while, as Google's robots.txt spec asks.
    #[error("robots.txt for {url} is unavailable ({reason}); not fetching for now")]
    RobotsUnavailable {
        /// The URL not fetched.
        url: String,
        /// Why robots.txt could not be read.
        reason: String,
    },

    /// An attempt exceeded [`FetchConfig::timeout`](crate::FetchConfig::timeout).
    #[error("timed out fetching {url} after {timeout:?}")]
    Timeout {
        /// The URL that timed out.
        url: String,
        /// The limit that was hit.
        timeout: Duration,
    },

    /// A status that is neither success, 304 nor a followable redirect.
    #[error("HTTP {status} from {url}")]
    Status {
        /// The URL that answered.
        url: String,
        /// The HTTP status code.
        status: u16,
    },

    /// The decompressed body passed [`FetchConfig::max_body_bytes`](crate::FetchConfig::max_body_bytes).
    #[error("response from {url} exceeds the {limit}-byte limit")]
    TooLarge {
        /// The URL whose body was cut off.
        url: String,
        /// The limit, in bytes.
        limit: u64,
    },

    /// More hops than [`FetchConfig::max_redirects`](crate::FetchConfig::max_redirects), or a loop.
    #[error("too many redirects (or a redirect loop) fetching {url}; limit {max}")]
    TooManyRedirects {
        /// The URL first asked for.
        url: String,
        /// The hop limit.
        max: usize,
    },

    /// DNS, connection, TLS or stream failure below HTTP.
    #[error("network error fetching {url}: {reason}")]
    Network {
        /// The URL being fetched.
        url: String,
        /// The underlying error, as text.
        reason: String,
    },

    /// The body is not a feed that feed-rs can read.
    #[error("could not parse feed {url}: {reason}")]
    Parse {
        /// The feed's URL.
        url: String,
        /// The parser's complaint.
        reason: String,
    },
}

impl FetchError {
    /// True when trying the same URL again later may well succeed, so callers
    /// should keep polling (with backoff) rather than flag the URL as broken.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Timeout { .. } | Self::Network { .. } | Self::RobotsUnavailable { .. } => true,
            Self::Status { status, .. } => *status == 408 || *status == 429 || *status >= 500,
            Self::InvalidUrl { .. }
            | Self::Blocked { .. }
            | Self::RobotsDisallowed { .. }
            | Self::TooLarge { .. }
            | Self::TooManyRedirects { .. }
            | Self::Parse { .. } => false,
        }
    }

    /// The URL the error is about.
    pub fn url(&self) -> &str {
        match self {
            Self::InvalidUrl { url, .. }
            | Self::Blocked { url, .. }
            | Self::RobotsDisallowed { url }
            | Self::RobotsUnavailable { url, .. }
            | Self::Timeout { url, .. }
            | Self::Status { url, .. }
            | Self::TooLarge { url, .. }
            | Self::TooManyRedirects { url, .. }
            | Self::Network { url, .. }
            | Self::Parse { url, .. } => url,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_classification() {
        let status = |s| FetchError::Status {
            url: "http://x/".into(),
            status: s,
        };
        assert!(status(503).is_transient());
        assert!(status(429).is_transient());
        assert!(!status(404).is_transient());
        let blocked = FetchError::Blocked {
            url: "http://10.0.0.1/".into(),
            reason: "10.0.0.1 is a private address".into(),
        };
        assert!(!blocked.is_transient());
        assert_eq!(
            blocked.to_string(),
            "refused to fetch http://10.0.0.1/: 10.0.0.1 is a private address (SSRF guard)"
        );
    }
}
