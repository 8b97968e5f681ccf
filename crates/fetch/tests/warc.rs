//! `warc::Archive` on WARC files written here, as CC-NEWS publishes them
//! (a gzip member per record) and plain: good pages, every kind of bad
//! record, and bodies far over the cap read in bounded memory (measured by
//! this test binary's allocator, per thread).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{Cursor, Write};

use chrono::{DateTime, TimeZone, Utc};
use newsdesk_fetch::warc::{http_response, write_record, Archive, ArchivedPage, RecordError, MAX_HTML_BYTES};

/// Counts the bytes each thread holds, and the most it held.
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn track(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is passed on to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            track(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        track(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, layout, new_size) };
        if !q.is_null() {
            track(new_size as isize - layout.size() as isize);
        }
        q
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns what it returned and the most bytes this thread
/// held meanwhile beyond what it held before.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(before));
    let out = f();
    (out, (PEAK.with(Cell::get) - before).max(0) as usize)
}

fn date(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 8, minute, 0).unwrap()
}

const PAGE: &str = "<html><head><title>Storm</title></head><body><p>The storm reached the coast.</p></body></html>";

/// An archive being written: records appended one by one, each one's offset kept.
struct Warc {
    bytes: Vec<u8>,
    gzip: bool,
    offsets: Vec<u64>,
}

impl Warc {
    fn new(gzip: bool) -> Warc {
        Warc {
            bytes: Vec::new(),
            gzip,
            offsets: Vec::new(),
        }
    }

    fn record(&mut self, kind: &str, url: Option<&str>, minute: u32, block: &[u8]) -> &mut Warc {
        self.offsets.push(self.bytes.len() as u64);
        write_record(&mut self.bytes, kind, url, date(minute), block, self.gzip).unwrap();
        self
    }

    fn page(&mut self, url: &str, minute: u32, html: &str) -> &mut Warc {
        self.record(
            "response",
            Some(url),
            minute,
            &http_response(200, "text/html; charset=utf-8", html.as_bytes()),
        )
    }

    /// A record written as given, byte for byte (its own gzip member when gzipped).
    fn raw(&mut self, record: &[u8]) -> &mut Warc {
        self.offsets.push(self.bytes.len() as u64);
        if self.gzip {
            self.bytes.extend(gzip(record));
        } else {
            self.bytes.extend_from_slice(record);
        }
        self
    }

    fn read(&self) -> Vec<Result<ArchivedPage, RecordError>> {
        Archive::from_reader(Cursor::new(self.bytes.clone()), self.gzip).collect()
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A record in plain WARC, as `write_record` writes it.
fn plain_record(kind: &str, url: &str, block: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    write_record(&mut bytes, kind, Some(url), date(0), block, false).unwrap();
    bytes
}

/// A response record with a hand-written HTTP head.
fn response_with_head(url: &str, head: &str, body: &[u8]) -> Vec<u8> {
    let mut block = head.replace('\n', "\r\n").into_bytes();
    block.extend_from_slice(b"\r\n");
    block.extend_from_slice(body);
    plain_record("response", url, &block)
}

fn page(item: &Result<ArchivedPage, RecordError>) -> &ArchivedPage {
    item.as_ref().unwrap_or_else(|e| panic!("expected a page, got {e}"))
}

fn error(item: &Result<ArchivedPage, RecordError>) -> &RecordError {
    match item {
        Ok(page) => panic!("expected an error, got the page of {}", page.url),
        Err(e) => e,
    }
}

#[test]
fn pages_come_out_with_url_date_and_decoded_text_and_other_records_are_skipped() {
    // "Привет, мир" in windows-1251, declared only by the HTTP header.
    let cyrillic = b"<html><body><p>\xcf\xf0\xe8\xe2\xe5\xf2, \xec\xe8\xf0</p></body></html>";
    for gzip in [true, false] {
        let mut warc = Warc::new(gzip);
        warc.record(
            "warcinfo",
            None,
            0,
            b"software: test\r\nformat: WARC File Format 1.0\r\n",
        )
        .record(
            "request",
            Some("https://news.example/storm"),
            1,
            b"GET /storm HTTP/1.1\r\nHost: news.example\r\n\r\n",
        )
        .page("https://news.example/storm", 1, PAGE)
        .record(
            "metadata",
            Some("https://news.example/storm"),
            1,
            b"fetchTimeMs: 120\r\n",
        )
        .record(
            "response",
            Some("https://nachrichten.example/privet"),
            2,
            &http_response(200, "text/html; charset=windows-1251", cyrillic),
        );
        let mut archive = Archive::from_reader(Cursor::new(warc.bytes.clone()), gzip);
        let items: Vec<_> = archive.by_ref().collect();
        assert_eq!(items.len(), 2, "{items:?}");
        let storm = page(&items[0]);
        assert_eq!(storm.url, "https://news.example/storm");
        assert_eq!(storm.date, date(1));
        assert_eq!(storm.html, PAGE);
        assert_eq!(storm.offset, warc.offsets[2], "gzip: {gzip}");
        let privet = page(&items[1]);
        assert_eq!(privet.url, "https://nachrichten.example/privet");
        assert_eq!(privet.date, date(2));
        assert!(privet.html.contains("Привет, мир"), "{}", privet.html);
        assert_eq!(privet.offset, warc.offsets[4]);
        assert_eq!(archive.skipped(), 3);
        assert!(archive.next().is_none());
    }
}

#[test]
fn a_non_200_response_and_a_non_html_record_are_errors_and_reading_goes_on() {
    for gzip in [true, false] {
        let mut warc = Warc::new(gzip);
        warc.record(
            "response",
            Some("https://news.example/gone"),
            0,
            &http_response(404, "text/html", b"<p>Not found</p>"),
        )
        .record(
            "response",
            Some("https://news.example/photo.jpg"),
            1,
            &http_response(200, "image/jpeg", b"\xff\xd8\xff\xe0JFIF"),
        )
        .raw(&response_with_head(
            "https://news.example/bare",
            "HTTP/1.1 200 OK\nServer: x\n",
            b"<p>no type</p>",
        ))
        .page("https://news.example/storm", 2, PAGE);
        let items = warc.read();
        assert_eq!(items.len(), 4, "{items:?}");
        assert_eq!(
            error(&items[0]),
            &RecordError::Status {
                offset: warc.offsets[0],
                url: "https://news.example/gone".into(),
                status: 404
            }
        );
        assert_eq!(
            error(&items[1]),
            &RecordError::NotHtml {
                offset: warc.offsets[1],
                url: "https://news.example/photo.jpg".into(),
                content_type: "image/jpeg".into()
            }
        );
        assert!(
            matches!(error(&items[2]), RecordError::NotHtml { content_type, .. } if content_type == "none"),
            "{:?}",
            items[2]
        );
        assert_eq!(page(&items[3]).url, "https://news.example/storm");
        let message = error(&items[0]).to_string();
        assert!(
            message.contains("https://news.example/gone") && message.contains("404"),
            "{message}"
        );
    }
}

#[test]
fn a_record_cut_short_inside_its_gzip_member_is_reported_and_the_next_one_read() {
    let whole = plain_record(
        "response",
        "https://news.example/cut",
        &http_response(200, "text/html", PAGE.as_bytes()),
    );
    let mut warc = Warc::new(true);
    warc.raw(&whole[..whole.len() - 40])
        .page("https://news.example/storm", 1, PAGE);
    let items = warc.read();
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(
        error(&items[0]),
        &RecordError::Truncated {
            offset: 0,
            url: Some("https://news.example/cut".into())
        }
    );
    assert_eq!(page(&items[1]).url, "https://news.example/storm");
}

#[test]
fn a_plain_file_cut_inside_a_record_ends_after_one_error() {
    let mut warc = Warc::new(false);
    warc.page("https://news.example/storm", 0, PAGE)
        .page("https://news.example/cut", 1, PAGE);
    for cut in [10, 150, 300] {
        let bytes = warc.bytes[..warc.bytes.len() - cut].to_vec();
        let items: Vec<_> = Archive::from_reader(Cursor::new(bytes), false).collect();
        assert_eq!(items.len(), 2, "cut {cut}: {items:?}");
        assert_eq!(page(&items[0]).url, "https://news.example/storm");
        assert!(
            matches!(error(&items[1]), RecordError::Truncated { offset, .. } if *offset == warc.offsets[1]),
            "cut {cut}: {:?}",
            items[1]
        );
    }
}

#[test]
fn a_gzip_member_cut_in_the_middle_ends_the_archive_after_one_error() {
    let mut warc = Warc::new(true);
    warc.page("https://news.example/one", 0, PAGE)
        .page("https://news.example/two", 1, PAGE)
        .page("https://news.example/three", 2, &PAGE.repeat(50));
    let third = warc.offsets[2] as usize;
    for end in [third + 5, third + (warc.bytes.len() - third) / 2, warc.bytes.len() - 3] {
        let mut archive = Archive::from_reader(Cursor::new(warc.bytes[..end].to_vec()), true);
        assert_eq!(page(&archive.next().unwrap()).url, "https://news.example/one");
        assert_eq!(page(&archive.next().unwrap()).url, "https://news.example/two");
        let cut = archive.next().unwrap();
        assert!(
            matches!(error(&cut), RecordError::Gzip { offset, .. } if *offset == third as u64),
            "cut at {end}: {cut:?}"
        );
        assert!(error(&cut).to_string().contains("gzip member at byte"), "{cut:?}");
        assert!(archive.next().is_none());
        assert!(archive.next().is_none());
    }
}

#[test]
fn a_50_mib_body_is_one_error_read_in_bounded_memory() {
    let huge = format!(
        "<html><body>{}</body></html>",
        "<p>Lorem ipsum dolor sit amet.</p>\n".repeat(1_600_000)
    );
    assert!(huge.len() > 50 << 20);
    let mut warc = Warc::new(true);
    warc.page("https://news.example/huge", 0, &huge)
        .page("https://news.example/storm", 1, PAGE);
    drop(huge);
    let (items, peak) = peak_during(|| warc.read());
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(
        error(&items[0]),
        &RecordError::TooLarge {
            offset: 0,
            url: "https://news.example/huge".into()
        }
    );
    assert_eq!(page(&items[1]).html, PAGE);
    // The body's length is known from the record: it is skipped, never read
    // into memory (the input copy, buffers and decompressor are the rest).
    assert!(peak < 4 << 20, "held {peak} bytes");
}

#[test]
fn chunked_and_gzip_encoded_bodies_are_undone_within_the_cap() {
    let gzipped_page = gzip(PAGE.as_bytes());
    let (first, second) = PAGE.split_at(30);
    let chunked = format!(
        "{:x}\r\n{first}\r\n{:x};ext=1\r\n{second}\r\n0\r\n\r\n",
        first.len(),
        second.len()
    );
    let bomb = gzip(&vec![b' '; 60 << 20]);
    let mut warc = Warc::new(true);
    warc.raw(&response_with_head(
        "https://news.example/gzip",
        "HTTP/1.1 200 OK\nContent-Type: text/html\nContent-Encoding: gzip\n",
        &gzipped_page,
    ))
    .raw(&response_with_head(
        "https://news.example/stored-decoded",
        "HTTP/1.1 200 OK\nContent-Type: text/html\nContent-Encoding: gzip\nTransfer-Encoding: chunked\n",
        PAGE.as_bytes(),
    ))
    .raw(&response_with_head(
        "https://news.example/chunked",
        "HTTP/1.1 200 OK\nContent-Type: text/html\nTransfer-Encoding: chunked\n",
        chunked.as_bytes(),
    ))
    .raw(&response_with_head(
        "https://news.example/brotli",
        "HTTP/1.1 200 OK\nContent-Type: text/html\nContent-Encoding: br\n",
        b"\x1b\x2c\x00\xf8\x8d\x94\x6e\xde",
    ))
    .raw(&response_with_head(
        "https://news.example/bad-gzip",
        "HTTP/1.1 200 OK\nContent-Type: text/html\nContent-Encoding: gzip\n",
        &gzipped_page[..gzipped_page.len() / 2],
    ))
    .raw(&response_with_head(
        "https://news.example/bomb",
        "HTTP/1.1 200 OK\nContent-Type: text/html\nContent-Encoding: gzip\n",
        &bomb,
    ))
    .page("https://news.example/storm", 1, PAGE);
    let (items, peak) = peak_during(|| warc.read());
    assert_eq!(items.len(), 7, "{items:?}");
    assert_eq!(page(&items[0]).html, PAGE);
    assert_eq!(
        page(&items[1]).html,
        PAGE,
        "a declared encoding the bytes no longer carry"
    );
    assert_eq!(page(&items[2]).html, PAGE);
    assert!(
        matches!(error(&items[3]), RecordError::Encoding { reason, .. } if reason.contains("\"br\"")),
        "{:?}",
        items[3]
    );
    assert!(
        matches!(error(&items[4]), RecordError::Encoding { url, .. } if url == "https://news.example/bad-gzip"),
        "{:?}",
        items[4]
    );
    assert!(
        matches!(error(&items[5]), RecordError::TooLarge { .. }),
        "{:?}",
        items[5]
    );
    assert_eq!(page(&items[6]).url, "https://news.example/storm");
    // The bomb was inflated only up to the cap.
    assert!(peak < 3 * MAX_HTML_BYTES as usize, "held {peak} bytes");
}

#[test]
fn malformed_records_are_reported_and_the_next_record_found() {
    let good = plain_record(
        "response",
        "https://news.example/storm",
        &http_response(200, "text/html", PAGE.as_bytes()),
    );
    let undated = String::from_utf8(good.clone())
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with("warc-date"))
        .map(|line| format!("{line}\r\n"))
        .collect::<String>();
    let text = String::from_utf8(good.clone()).unwrap();
    let length: usize = text
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .unwrap()
        .parse()
        .unwrap();
    let long = text.replace(
        &format!("content-length: {length}"),
        &format!("content-length: {}", length - 20),
    );
    for gzip in [true, false] {
        let mut warc = Warc::new(gzip);
        warc.raw(b"WARC/1.0\r\nthis is no header\r\n\r\nbody\r\n\r\n")
            .page("https://news.example/one", 0, PAGE)
            .raw(undated.as_bytes())
            .page("https://news.example/two", 1, PAGE)
            .raw(long.as_bytes())
            .page("https://news.example/three", 2, PAGE)
            .raw(&[b'x'; 200_000])
            .page("https://news.example/four", 3, PAGE);
        let items = warc.read();
        let summary: Vec<String> = items
            .iter()
            .map(|item| match item {
                Ok(page) => page.url.clone(),
                Err(e) => format!("{e}"),
            })
            .collect();
        assert_eq!(items.len(), 8, "gzip {gzip}: {summary:#?}");
        assert!(matches!(
            error(&items[0]),
            RecordError::Malformed {
                offset: 0,
                url: None,
                ..
            }
        ));
        assert_eq!(page(&items[1]).url, "https://news.example/one");
        assert!(
            matches!(error(&items[2]), RecordError::Malformed { url: Some(url), reason, .. }
                if url == "https://news.example/storm" && reason.contains("warc-date")),
            "{:?}",
            items[2]
        );
        assert_eq!(page(&items[3]).url, "https://news.example/two");
        assert!(
            matches!(error(&items[4]), RecordError::Malformed { reason, .. } if reason.contains("Content-Length")),
            "{:?}",
            items[4]
        );
        assert_eq!(page(&items[5]).url, "https://news.example/three");
        assert!(
            matches!(error(&items[6]), RecordError::Malformed { .. }),
            "{:?}",
            items[6]
        );
        assert_eq!(page(&items[7]).url, "https://news.example/four");
    }
}

#[test]
fn garbage_gives_errors_never_a_panic() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let noise: Vec<u8> = (0..300_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let plain: Vec<_> = Archive::from_reader(Cursor::new(noise.clone()), false).collect();
    assert!(!plain.is_empty() && plain.iter().all(Result::is_err), "{plain:?}");
    let gzipped: Vec<_> = Archive::from_reader(Cursor::new(noise.clone()), true).collect();
    assert_eq!(gzipped.len(), 1, "{gzipped:?}");
    assert!(matches!(gzipped[0], Err(RecordError::Gzip { offset: 0, .. })));
    // Noise and then a record: the record is found.
    let mut warc = Warc::new(false);
    warc.raw(&noise).page("https://news.example/storm", 0, PAGE);
    let items = warc.read();
    assert_eq!(page(items.last().unwrap()).url, "https://news.example/storm");
    assert!(Archive::from_reader(Cursor::new(Vec::new()), true).next().is_none());
    assert!(Archive::from_reader(Cursor::new(Vec::new()), false).next().is_none());
}

#[test]
fn open_tells_gzip_from_plain_by_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for gzip in [true, false] {
        let mut warc = Warc::new(gzip);
        warc.page("https://news.example/storm", 0, PAGE);
        let path = dir.path().join(format!("misnamed-{gzip}.warc"));
        std::fs::write(&path, &warc.bytes).unwrap();
        let items: Vec<_> = Archive::open(&path).unwrap().collect();
        assert_eq!(items.len(), 1);
        assert_eq!(page(&items[0]).html, PAGE);
    }
    assert!(Archive::open(&dir.path().join("missing.warc.gz")).is_err());
}

#[test]
fn an_archive_can_move_to_another_thread() {
    fn send<T: Send>(_: &T) {}
    send(&Archive::from_reader(Cursor::new(Vec::new()), true));
}
