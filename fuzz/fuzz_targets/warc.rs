//! Feeds arbitrary bytes to the WARC reader (`warc::Archive`), which reads
//! archives downloaded from strangers (`newsdesk import warc`). The first
//! byte picks the framing: the rest as a plain `.warc`; the rest gzipped
//! one member per record (cut before each `WARC/`), as CC-NEWS files are;
//! or the rest as raw gzip data, for the decompressor's errors.
//!
//! Beyond "no panic, no hang", it checks that the iteration always ends:
//! never more items than bytes, nothing after a gzip or read error; that
//! records come out in file order (plain offsets strictly increase); and
//! that a page is an http(s) URL with at most the cap of HTML.
#![no_main]

use std::io::{Cursor, Write};

use libfuzzer_sys::fuzz_target;
use newsdesk_fetch::warc::{Archive, RecordError, MAX_HTML_BYTES};

/// `bytes` as one gzip member per record.
fn members(bytes: &[u8]) -> Vec<u8> {
    let mut starts: Vec<usize> = bytes
        .windows(5)
        .enumerate()
        .filter(|(_, w)| *w == b"WARC/")
        .map(|(i, _)| i)
        .collect();
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    starts.push(bytes.len());
    let mut out = Vec::new();
    for pair in starts.windows(2) {
        let mut encoder = flate2::write::GzEncoder::new(&mut out, flate2::Compression::fast());
        encoder.write_all(&bytes[pair[0]..pair[1]]).unwrap();
        encoder.finish().unwrap();
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (bytes, gzipped) = match mode % 3 {
        0 => (rest.to_vec(), false),
        1 => (members(rest), true),
        _ => (rest.to_vec(), true),
    };
    let mut archive = Archive::from_reader(Cursor::new(bytes), gzipped);
    let mut items = 0;
    let mut last_offset = None;
    while let Some(item) = archive.next() {
        items += 1;
        assert!(items <= rest.len() + 1, "{items} items from {} bytes", rest.len());
        let offset = match &item {
            Ok(page) => page.offset,
            Err(e) => e.offset(),
        };
        if !gzipped {
            assert!(last_offset < Some(offset), "offset {offset} after {last_offset:?}");
        }
        last_offset = Some(offset);
        match item {
            Ok(page) => {
                assert!(
                    page.url.starts_with("http://") || page.url.starts_with("https://"),
                    "{}",
                    page.url
                );
                // Decoding a legacy charset at most triples the bytes.
                assert!(page.html.len() as u64 <= 3 * MAX_HTML_BYTES);
            }
            Err(e @ (RecordError::Gzip { .. } | RecordError::Io { .. })) => {
                assert!(archive.next().is_none(), "an item after {e}");
                break;
            }
            Err(e) => {
                assert!(!e.to_string().is_empty());
            }
        }
    }
});
