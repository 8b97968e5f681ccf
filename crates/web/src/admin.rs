//! What the admin pages ask of the rest of the application.
//!
//! Adding a feed means fetching it (to discover a feed from a site page and
//! to fail early on a typo) and OPML means parsing; both belong to earlier
//! pipeline stages, which the web must not depend on. The binary implements
//! this trait with them and hands it to [`crate::AppState`].

use std::future::Future;
use std::pin::Pin;

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

pub trait FeedAdmin: Send + Sync {
    /// Subscribes to a feed or to the feed a site page links to; returns the feed URL.
    fn add_feed(&self, url: String, source: Option<String>) -> BoxFuture<Result<String, String>>;
    /// Subscribes to every feed of an OPML document; returns how many.
    fn import_opml(&self, xml: String) -> BoxFuture<Result<usize, String>>;
    fn export_opml(&self) -> BoxFuture<Result<String, String>>;
}
