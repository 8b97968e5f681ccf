//! Feeds arbitrary bytes to the extractor: it must never panic, hang or
//! blow up memory, whatever the page.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    let base = url::Url::parse("https://example.com/news/a?b=1").ok();
    let _ = newsdesk_extract::extract(&html, base.as_ref());
});
