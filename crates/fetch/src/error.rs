//! The one error type of this crate; every message names the URL involved so
//! it can be shown to an operator as-is (e.g. as a feed's `last_error`).

use std::time::Duration;

/// Why a fetch (or a parse of what was fetched) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },

    #[error("refused to fetch {url}: {reason} (SSRF guard)")]
    Blocked { url: String, reason: String },

    #[error("robots.txt disallows fetching {url}")]
    RobotsDisallowed { url: String },

    /// robots.txt answered 5xx/429 or could not be reached; we back off from
    /// the whole origin for a while, as Google's robots.txt spec asks.
    #[error("robots.txt for {url} is unavailable ({reason}); not fetching for now")]
    RobotsUnavailable { url: String, reason: String },

    #[error("timed out fetching {url} after {timeout:?}")]
    Timeout { url: String, timeout: Duration },

    #[error("HTTP {status} from {url}")]
    Status { url: String, status: u16 },

    #[error("response from {url} exceeds the {limit}-byte limit")]
    TooLarge { url: String, limit: u64 },

    #[error("too many redirects (or a redirect loop) fetching {url}; limit {max}")]
    TooManyRedirects { url: String, max: usize },

    #[error("network error fetching {url}: {reason}")]
    Network { url: String, reason: String },

    #[error("could not parse feed {url}: {reason}")]
    Parse { url: String, reason: String },
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
