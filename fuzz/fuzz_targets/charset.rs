//! Feeds arbitrary bytes to charset decoding, which every fetched page and
//! feed body goes through (`Response::text`): the first line is the
//! `Content-Type` header (none when the line is empty), the rest the body.
//!
//! Beyond "no panic, no hang", it checks that decoding never corrupts text
//! that is already UTF-8: a body that is valid UTF-8 with non-ASCII text
//! and no byte-order mark decodes to itself whatever the header or the
//! document declare (the decoder distrusts a legacy declaration that the
//! bytes contradict), and an ASCII body decodes to itself when nothing
//! declares a charset at all. A UTF-8 BOM is dropped and the rest kept.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use newsdesk_fetch::Response;
use url::Url;

fn mentions(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fuzz_target!(|data: &[u8]| {
    let (header, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b""[..], data),
    };
    let content_type = (!header.is_empty()).then(|| String::from_utf8_lossy(header).into_owned());
    let response = Response {
        final_url: Url::parse("https://news.example/page").unwrap(),
        status: 200,
        not_modified: false,
        etag: None,
        last_modified: None,
        content_type: content_type.clone(),
        body: body.to_vec(),
        elapsed: Duration::ZERO,
    };
    let text = response.text();

    let Ok(utf8) = std::str::from_utf8(body) else {
        return;
    };
    if let Some(rest) = utf8.strip_prefix('\u{FEFF}') {
        assert_eq!(text, rest, "UTF-8 after a BOM");
        return;
    }
    if !utf8.is_ascii() {
        assert_eq!(text, utf8, "valid UTF-8 under {content_type:?}");
        return;
    }
    let declares = |bytes: &[u8]| mentions(bytes, "charset") || mentions(bytes, "encoding");
    if !declares(header) && !declares(body) {
        assert_eq!(text, utf8, "undeclared ASCII");
    }
});
