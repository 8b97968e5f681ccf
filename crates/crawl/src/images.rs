//! Publishers' images for the site's image proxy, fetched like everything
//! else the crawler fetches: through the SSRF guard, with a size cap and
//! timeouts. A reader is waiting, so there are no retries and no
//! crawler's spacing between requests to a host (an article's ten images
//! come from one CDN), and robots.txt, which governs crawlers, does not
//! apply to loading an image a page shows.

use std::time::Duration;

use newsdesk_fetch::{FetchConfig, FetchError, Fetcher, Validators};
use newsdesk_web::{BoxFuture, ImageSource};

/// Largest image relayed.
const MAX_IMAGE_BYTES: u64 = 8 * 1024 * 1024;
/// Longest a reader waits for a publisher's image.
const IMAGE_TIMEOUT: Duration = Duration::from_secs(10);

/// The fetcher behind `/img`.
#[derive(Clone)]
pub struct Images {
    fetcher: Fetcher,
}

impl Images {
    /// Images fetched under `config`'s SSRF allow-list and user agent.
    pub fn new(config: &FetchConfig) -> Result<Images, FetchError> {
        let config = FetchConfig {
            timeout: config.timeout.min(IMAGE_TIMEOUT),
            max_body_bytes: config.max_body_bytes.min(MAX_IMAGE_BYTES),
            per_host_interval: Duration::ZERO,
            host_intervals: Default::default(),
            max_retries: 0,
            obey_robots: false,
            ..config.clone()
        };
        Ok(Images {
            fetcher: Fetcher::new(config)?,
        })
    }
}

impl ImageSource for Images {
    fn fetch_image(&self, url: String) -> BoxFuture<Result<Vec<u8>, String>> {
        let fetcher = self.fetcher.clone();
        Box::pin(async move {
            let response = fetcher
                .get(&url, &Validators::default())
                .await
                .map_err(|e| e.to_string())?;
            Ok(response.body)
        })
    }
}
