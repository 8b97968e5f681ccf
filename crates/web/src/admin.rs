//! What the admin pages ask of the rest of the application.
//!
//! Adding a feed means fetching it (to discover a feed from a site page and
//! to fail early on a typo) and OPML means parsing; both belong to earlier
//! pipeline stages, which the web must not depend on. The crawl crate
//! implements this trait with them, and the caller hands it to
//! [`crate::AppState`].

use std::future::Future;
use std::pin::Pin;

/// The future a [`FeedAdmin`] method returns, boxed so the trait can be a
/// `dyn FeedAdmin` in the state.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Feed subscriptions as the admin pages change them; errors are messages
/// for the admin to read.
pub trait FeedAdmin: Send + Sync {
    /// Subscribes to a feed or to the feed a site page links to; returns the feed URL.
    fn add_feed(&self, url: String, source: Option<String>) -> BoxFuture<Result<String, String>>;
    /// Subscribes to every feed of an OPML document; returns how many.
    fn import_opml(&self, xml: String) -> BoxFuture<Result<usize, String>>;
    /// Every subscribed feed as an OPML document, for backup or another reader.
    fn export_opml(&self) -> BoxFuture<Result<String, String>>;
}
