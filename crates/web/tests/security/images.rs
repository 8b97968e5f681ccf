//! Row 12 of issue #15: readers' addresses leaked to publishers because
//! article images loaded straight from them. Images now come through a
//! signed proxy that relays images only, once, from its disk cache after.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use newsdesk_web::{BoxFuture, ImageProxy, ImageSource};

use super::support::*;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

/// A publisher whose `/page` is HTML and anything else a PNG; counts fetches.
#[derive(Default)]
struct Publisher {
    fetches: AtomicUsize,
}

impl ImageSource for Publisher {
    fn fetch_image(&self, url: String) -> BoxFuture<Result<Vec<u8>, String>> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let body = if url.ends_with("/page") {
            b"<html><script>x</script></html>".to_vec()
        } else {
            PNG.to_vec()
        };
        Box::pin(async move { Ok(body) })
    }
}

#[tokio::test]
async fn only_signed_images_are_relayed_and_then_kept() {
    let publisher = Arc::new(Publisher::default());
    let dir = tempfile::tempdir().unwrap();
    let proxy = ImageProxy::new(publisher.clone(), b"key", dir.path().join("img"), 1 << 20).unwrap();
    let signed = |url: &str| proxy.url_for(url).unwrap();
    let (photo, page) = (signed("https://cdn.example/a.png"), signed("https://cdn.example/page"));
    let site = site_with_images(proxy).await;
    let client = browser();

    for _ in 0..2 {
        let resp = client.get(format!("{}{photo}", site.base)).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "image/png");
        assert_eq!(resp.bytes().await.unwrap().as_ref(), PNG);
    }
    assert_eq!(
        publisher.fetches.load(Ordering::SeqCst),
        1,
        "the second load came from the cache"
    );

    let html = client.get(format!("{}{page}", site.base)).send().await.unwrap();
    assert_eq!(html.status(), 502, "what is not an image is not relayed");

    let other = photo.replace("a.png", "b.png");
    assert_eq!(
        client
            .get(format!("{}{other}", site.base))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        publisher.fetches.load(Ordering::SeqCst),
        2,
        "an unsigned address is never fetched"
    );
}
