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
//! The one change allowed to valid UTF-8 is putting back double-encoded
//! characters, which needs a C1 control or a windows-1252 symbol in the
//! text and only ever shortens it.
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

/// A character windows-1252 has for a byte in 0x80–0x9F.
fn windows_1252_symbol(c: char) -> bool {
    "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ".contains(c)
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
        if utf8.contains(|c: char| ('\u{80}'..='\u{9F}').contains(&c) || windows_1252_symbol(c)) {
            assert!(text.len() <= utf8.len(), "repair lengthened {utf8:?} to {text:?}");
        } else {
            assert_eq!(text, utf8, "valid UTF-8 under {content_type:?}");
        }
        return;
    }
    let declares = |bytes: &[u8]| mentions(bytes, "charset") || mentions(bytes, "encoding");
    if !declares(header) && !declares(body) {
        assert_eq!(text, utf8, "undeclared ASCII");
    }
});
