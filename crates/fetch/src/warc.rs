//! WARC archives read as Common Crawl publishes CC-NEWS: one gzip member per
//! record (`.warc.gz`), or plain `.warc`. [`Archive`] streams a file's
//! `response` records whose HTTP status is 200 and whose content type is
//! HTML as decoded [`ArchivedPage`]s; other record types are passed over
//! (counted by [`Archive::skipped`]), and every bad record is one
//! [`RecordError`] naming its offset and URL, after which reading goes on.
//!
//! The `warc` crate parses each record's header block and checks its
//! fields; the streaming around it is ours, because the crate's readers
//! read a header block or a body whole, however long: here memory is
//! bounded whatever the input. A header block is read up to 64 KiB, an
//! HTTP head up to 128 KiB, and HTML up to [`MAX_HTML_BYTES`]; the rest of
//! a longer record is skipped by streaming, never held.
//!
//! A bad record leaves the stream at the next record when its length was
//! readable (a non-200 status, a non-HTML type, a body over the cap, a bad
//! HTTP head or encoding, a record cut short inside its gzip member);
//! otherwise the reader finds the next line starting `WARC/` (in a gzip
//! file, at the latest the next member). A gzip member that is cut or
//! corrupt, or a failing read, ends the iteration after its error.
//!
//! [`write_record`] and [`http_response`] write such archives, for tests
//! and benchmarks.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read, Write};
use std::path::Path;

use ::warc::{EmptyBody, RawRecordHeader, Record, RecordBuilder, RecordType, WarcHeader, WarcWriter};
use chrono::{DateTime, Utc};
use flate2::bufread::GzDecoder;
use url::Url;

/// Most bytes of HTML a page may have, after transfer and content decoding:
/// a longer body is reported as [`RecordError::TooLarge`] and skipped.
pub const MAX_HTML_BYTES: u64 = 8 * 1024 * 1024;

/// A WARC header block is a few hundred bytes; CC-NEWS's are under 2 KiB.
const MAX_WARC_HEAD: usize = 64 * 1024;

/// Cookies and security policies make some real HTTP heads tens of KiB.
const MAX_HTTP_HEAD: usize = 128 * 1024;

/// Reads from the file in large blocks: a CC-NEWS file is about 1 GB.
const READ_BUFFER: usize = 256 * 1024;

/// How much of a body is looked at to tell whether an encoding its HTTP
/// head declares is still applied.
const SNIFF_BYTES: u64 = 64;

/// One HTML page from a `response` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedPage {
    /// The record's `WARC-Target-URI`, the URL the page was fetched from,
    /// as the `url` crate writes it.
    pub url: String,
    /// The record's `WARC-Date`: when it was fetched.
    pub date: DateTime<Utc>,
    /// The body decoded to text (HTTP `charset`, then the page's own rules).
    pub html: String,
    /// Where the record starts in the file: the byte offset of its gzip
    /// member in a `.warc.gz` (as Common Crawl's indexes give it), else of
    /// its `WARC/` line.
    pub offset: u64,
}

/// Why a record gave no page. Each names the record's offset (as
/// [`ArchivedPage::offset`]) and its URL where it was read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// The record's header block or framing is not WARC.
    #[error("record at byte {offset}{}: malformed WARC record: {reason}", of(url))]
    Malformed {
        /// Where the record starts.
        offset: u64,
        /// `WARC-Target-URI`, if the header block was read.
        url: Option<String>,
        /// What is wrong.
        reason: String,
    },
    /// The record (or the file) ends before the length its header gives.
    #[error("record at byte {offset}{}: the archive ends inside the record", of(url))]
    Truncated {
        /// Where the record starts.
        offset: u64,
        /// `WARC-Target-URI`, if the header block was read.
        url: Option<String>,
    },
    /// A gzip member cannot be decompressed: the file was cut, or is corrupt
    /// from here on. Nothing follows this error.
    #[error("gzip member at byte {offset} is cut or corrupt: {reason}")]
    Gzip {
        /// Where the gzip member starts.
        offset: u64,
        /// The decompressor's complaint.
        reason: String,
    },
    /// Reading the file failed. Nothing follows this error.
    #[error("reading the archive at byte {offset}: {reason}")]
    Io {
        /// Where the record being read starts.
        offset: u64,
        /// The operating system's complaint.
        reason: String,
    },
    /// The archived response's status is not 200.
    #[error("{url} (record at byte {offset}): HTTP status {status}")]
    Status {
        /// Where the record starts.
        offset: u64,
        /// `WARC-Target-URI`.
        url: String,
        /// The archived status.
        status: u16,
    },
    /// The archived response is not HTML.
    #[error("{url} (record at byte {offset}): not HTML but {content_type}")]
    NotHtml {
        /// Where the record starts.
        offset: u64,
        /// `WARC-Target-URI`.
        url: String,
        /// The declared `Content-Type` (`none` when there is none).
        content_type: String,
    },
    /// The HTML is longer than [`MAX_HTML_BYTES`].
    #[error("{url} (record at byte {offset}): HTML over {} MiB", MAX_HTML_BYTES >> 20)]
    TooLarge {
        /// Where the record starts.
        offset: u64,
        /// `WARC-Target-URI`.
        url: String,
    },
    /// The archived HTTP head is unreadable.
    #[error("{url} (record at byte {offset}): bad HTTP head: {reason}")]
    BadHttp {
        /// Where the record starts.
        offset: u64,
        /// `WARC-Target-URI`.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// The body's transfer or content encoding cannot be undone.
    #[error("{url} (record at byte {offset}): {reason}")]
    Encoding {
        /// Where the record starts.
        offset: u64,
        /// `WARC-Target-URI`.
        url: String,
        /// Which encoding, and what failed.
        reason: String,
    },
}

fn of(url: &Option<String>) -> String {
    url.as_ref().map(|u| format!(" ({u})")).unwrap_or_default()
}

impl RecordError {
    /// Where the record (or, for [`RecordError::Gzip`], its member) starts.
    pub fn offset(&self) -> u64 {
        match self {
            Self::Malformed { offset, .. }
            | Self::Truncated { offset, .. }
            | Self::Gzip { offset, .. }
            | Self::Io { offset, .. }
            | Self::Status { offset, .. }
            | Self::NotHtml { offset, .. }
            | Self::TooLarge { offset, .. }
            | Self::BadHttp { offset, .. }
            | Self::Encoding { offset, .. } => *offset,
        }
    }

    /// The record's `WARC-Target-URI`, where it was read.
    pub fn url(&self) -> Option<&str> {
        match self {
            Self::Malformed { url, .. } | Self::Truncated { url, .. } => url.as_deref(),
            Self::Gzip { .. } | Self::Io { .. } => None,
            Self::Status { url, .. }
            | Self::NotHtml { url, .. }
            | Self::TooLarge { url, .. }
            | Self::BadHttp { url, .. }
            | Self::Encoding { url, .. } => Some(url),
        }
    }
}

/// One WARC file, read as a stream of pages: an iterator of
/// `Result<ArchivedPage, RecordError>` that ends at the end of the file or
/// after a gzip or read error.
///
/// ```no_run
/// # fn main() -> std::io::Result<()> {
/// let mut archive = newsdesk_fetch::warc::Archive::open("CC-NEWS-20261201.warc.gz".as_ref())?;
/// for item in archive.by_ref() {
///     match item {
///         Ok(page) => println!("{} {} {} chars", page.date, page.url, page.html.len()),
///         Err(e) => eprintln!("skipped: {e}"),
///     }
/// }
/// println!("{} records of other types", archive.skipped());
/// # Ok(())
/// # }
/// ```
pub struct Archive {
    input: Input,
    /// A `WARC/` line found while looking for the next record, and its offset.
    pending: Option<(u64, Vec<u8>)>,
    /// Where the record being read starts.
    offset: u64,
    skipped: u64,
    /// An error met while looking for the next record, reported next.
    deferred: Option<RecordError>,
    finished: bool,
}

impl Archive {
    /// Opens a WARC file, gzip-compressed or not (told by its first bytes,
    /// whatever its name).
    pub fn open(path: &Path) -> io::Result<Archive> {
        let mut file = BufReader::with_capacity(READ_BUFFER, File::open(path)?);
        let gzipped = file.fill_buf()?.starts_with(&[0x1f, 0x8b]);
        Ok(Archive::new(Counted::new(Box::new(file)), gzipped))
    }

    /// Reads a WARC stream: `gzipped` for a `.warc.gz` (any number of
    /// members), else a plain `.warc`.
    pub fn from_reader(reader: impl Read + Send + 'static, gzipped: bool) -> Archive {
        let reader = BufReader::with_capacity(READ_BUFFER, reader);
        Archive::new(Counted::new(Box::new(reader)), gzipped)
    }

    fn new(input: Counted, gzipped: bool) -> Archive {
        let input = if gzipped {
            Input::Gzip(Box::new(BufReader::with_capacity(
                READ_BUFFER,
                Members {
                    decoder: None,
                    input: Some(input),
                    start: 0,
                    gzip_failed: false,
                },
            )))
        } else {
            Input::Plain(input)
        };
        Archive {
            input,
            pending: None,
            offset: 0,
            skipped: 0,
            deferred: None,
            finished: false,
        }
    }

    /// How many records so far were passed over for their type (`warcinfo`,
    /// `request`, `metadata`, `revisit`…): not pages, and not errors.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// The next page, or `Ok(None)` at the end of the stream.
    fn read_record(&mut self) -> Result<Option<ArchivedPage>, Bad> {
        loop {
            let (offset, mut head) = match self.pending.take() {
                Some(found) => found,
                None => match self.seek_record()? {
                    Some(offset) => (offset, Vec::new()),
                    None => return Ok(None),
                },
            };
            self.offset = offset;
            match self.record(offset, &mut head)? {
                Some(page) => return Ok(Some(page)),
                None => self.skipped += 1,
            }
        }
    }

    /// Moves to the first byte of the next record (past the blank lines
    /// some writers leave between records, and on to the next gzip member)
    /// and returns its offset, or `None` at the end.
    fn seek_record(&mut self) -> io::Result<Option<u64>> {
        loop {
            let stream = self.input.stream();
            let buf = stream.fill_buf()?;
            if buf.is_empty() {
                if self.input.next_member()? {
                    continue;
                }
                return Ok(None);
            }
            let blank = buf.iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
            if blank == 0 {
                return Ok(Some(self.input.offset()));
            }
            stream.consume(blank);
        }
    }

    /// Reads one record whose header block starts in `head` (possibly empty);
    /// `None` for a record of another type than `response`.
    fn record(&mut self, offset: u64, head: &mut Vec<u8>) -> Result<Option<ArchivedPage>, Bad> {
        match read_head(self.input.stream(), head, MAX_WARC_HEAD)? {
            Head::Complete => {}
            Head::Eof => return Err(Bad::Skip(RecordError::Truncated { offset, url: None })),
            Head::TooLong => return Err(malformed(offset, None, "header block over 64 KiB")),
        }
        let (raw, len) = parse_warc_head(head).map_err(|reason| malformed(offset, None, reason))?;
        let text = |name: WarcHeader| {
            raw.headers
                .get(&name)
                .map(|v| String::from_utf8_lossy(v).trim().to_owned())
        };
        let url = text(WarcHeader::TargetURI).map(|u| u.trim_start_matches('<').trim_end_matches('>').to_owned());
        let kind = text(WarcHeader::WarcType).map(RecordType::from);
        if kind != Some(RecordType::Response) {
            self.block(offset, &url, len, |_| Ok(()))?;
            return Ok(None);
        }
        let identified = text(WarcHeader::IdentifiedPayloadType);
        let checked = Record::<EmptyBody>::try_from(raw)
            .map_err(|e| e.to_string())
            .and_then(|record| match url.as_deref().map(Url::parse) {
                Some(Ok(parsed)) if matches!(parsed.scheme(), "http" | "https") => Ok((parsed, *record.date())),
                Some(_) => Err("WARC-Target-URI is not an http(s) URL".to_owned()),
                None => Err("a response without WARC-Target-URI".to_owned()),
            });
        let (parsed, date) = match checked {
            Ok(checked) => checked,
            Err(reason) => {
                let error = RecordError::Malformed {
                    offset,
                    url: url.clone(),
                    reason,
                };
                return self
                    .block(offset, &url, len, |_| Err(Problem::Bad(error)))
                    .map(|()| None);
            }
        };
        let url = String::from(parsed);
        let (content_type, body) = self.block(offset, &Some(url.clone()), len, |block| {
            read_response(block, identified.as_deref(), offset, &url)
        })?;
        let html = crate::charset::decode(&body, content_type.as_deref());
        Ok(Some(ArchivedPage {
            url,
            date,
            html,
            offset,
        }))
    }

    /// Reads a record's block of `len` bytes with `read`, skips what `read`
    /// left of it, checks the end of the record, and tells what went wrong
    /// first: the stream, the record's framing, or what `read` found.
    fn block<T>(
        &mut self,
        offset: u64,
        url: &Option<String>,
        len: u64,
        read: impl FnOnce(&mut Block) -> Result<T, Problem>,
    ) -> Result<T, Bad> {
        let mut block = self.input.stream().take(len);
        let outcome = read(&mut block);
        let drained = io::copy(&mut block, &mut io::sink());
        let short = block.limit() > 0;
        let outcome = match (outcome, drained) {
            (_, Err(e)) => return Err(Bad::Io(e)),
            (Err(Problem::Io(e)), _) if self.input.broken() => return Err(Bad::Io(e)),
            _ if self.input.broken() => return Err(Bad::Io(io::Error::other("the archive broke off"))),
            (outcome, Ok(_)) => outcome,
        };
        if short {
            return Err(Bad::Skip(RecordError::Truncated {
                offset,
                url: url.clone(),
            }));
        }
        let ended = self.trailer()?;
        // Reading on makes the decompressor check a gzip member's length and
        // CRC before its record is believed.
        self.input.stream().fill_buf()?;
        if !ended {
            return Err(malformed(
                offset,
                url.clone(),
                "the record does not end where its Content-Length says",
            ));
        }
        outcome.map_err(|problem| {
            Bad::Skip(match problem {
                Problem::Bad(error) => error,
                Problem::Io(e) => RecordError::Encoding {
                    offset,
                    url: url.clone().unwrap_or_default(),
                    reason: format!("undoing the body's encoding: {e}"),
                },
            })
        })
    }

    /// Consumes the CR LF CR LF that ends a record; the end of the stream
    /// (or gzip member) right after the block is forgiven.
    fn trailer(&mut self) -> io::Result<bool> {
        let stream = self.input.stream();
        for &expected in b"\r\n\r\n" {
            match stream.fill_buf()?.first() {
                None => return Ok(true),
                Some(&b) if b == expected => stream.consume(1),
                Some(_) => return Ok(false),
            }
        }
        Ok(true)
    }

    /// After a record whose end is unknown: moves to the next `WARC/1.`
    /// (where a record starts, even glued to garbage before it), or to the
    /// end of the gzip member or of the file.
    fn resync(&mut self) -> io::Result<()> {
        const MARK: &[u8] = b"WARC/1.";
        // The last bytes passed over, while they may begin the mark.
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let at = self.input.offset();
            // In a gzip file a record's offset is its member's.
            let plain = matches!(self.input, Input::Plain(_));
            let stream = self.input.stream();
            let buf = stream.fill_buf()?;
            if buf.is_empty() {
                return Ok(());
            }
            let rest_of_mark = &MARK[carry.len()..];
            let next = &buf[..rest_of_mark.len().min(buf.len())];
            let (start, mut line) = if !carry.is_empty() && rest_of_mark.starts_with(next) {
                if next.len() < rest_of_mark.len() {
                    carry.extend_from_slice(next);
                    let n = next.len();
                    stream.consume(n);
                    continue;
                }
                let start = if plain { at - carry.len() as u64 } else { at };
                (start, std::mem::take(&mut carry))
            } else if let Some(i) = memchr::memmem::find(buf, MARK) {
                carry.clear();
                stream.consume(i);
                (if plain { at + i as u64 } else { at }, Vec::new())
            } else {
                let keep = (1..MARK.len()).rev().find(|&k| buf.ends_with(&MARK[..k])).unwrap_or(0);
                carry = buf[buf.len() - keep..].to_vec();
                let n = buf.len();
                stream.consume(n);
                continue;
            };
            match read_line(stream, &mut line, MAX_WARC_HEAD)? {
                Line::Complete | Line::Eof => {
                    self.pending = Some((start, line));
                    return Ok(());
                }
                Line::TooLong => skip_line(stream)?,
            }
        }
    }
}

impl Iterator for Archive {
    type Item = Result<ArchivedPage, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(error) = self.deferred.take() {
            self.finished = true;
            return Some(Err(error));
        }
        if self.finished {
            return None;
        }
        match self.read_record() {
            Ok(Some(page)) => Some(Ok(page)),
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(Bad::Skip(error)) => Some(Err(error)),
            Err(Bad::Lost(error)) => {
                if let Err(e) = self.resync() {
                    self.deferred = Some(self.input.error(self.offset, e));
                }
                Some(Err(error))
            }
            Err(Bad::Io(e)) => {
                self.finished = true;
                Some(Err(self.input.error(self.offset, e)))
            }
        }
    }
}

/// A record's block: what is left of it is `limit()`.
type Block<'a> = io::Take<&'a mut dyn BufRead>;

/// How a bad record leaves the stream.
enum Bad {
    /// At the next record: the record's length was known.
    Skip(RecordError),
    /// Somewhere inside the record: the next one must be looked for.
    Lost(RecordError),
    /// Broken: a read or gzip error.
    Io(io::Error),
}

impl From<io::Error> for Bad {
    fn from(e: io::Error) -> Bad {
        Bad::Io(e)
    }
}

fn malformed(offset: u64, url: Option<String>, reason: impl Into<String>) -> Bad {
    Bad::Lost(RecordError::Malformed {
        offset,
        url,
        reason: reason.into(),
    })
}

/// What reading a record's block found wrong.
enum Problem {
    /// A read failed: the stream's fault if it broke, else the body's encoding.
    Io(io::Error),
    Bad(RecordError),
}

impl From<io::Error> for Problem {
    fn from(e: io::Error) -> Problem {
        Problem::Io(e)
    }
}

/// The header block through the `warc` crate's parser and field checks:
/// the raw fields and the block's length.
fn parse_warc_head(head: &[u8]) -> Result<(RawRecordHeader, u64), &'static str> {
    let (rest, (version, fields, len)) = ::warc::parser::headers(head).map_err(|_| "not a WARC header block")?;
    if !rest.trim_ascii_start().is_empty() {
        return Err("a header line that is not `Name: value`");
    }
    if !fields
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-length"))
    {
        return Err("no Content-Length");
    }
    let raw = RawRecordHeader {
        version: version.to_owned(),
        headers: fields
            .into_iter()
            .map(|(name, value)| (WarcHeader::from(name), value.to_vec()))
            .collect(),
    };
    Ok((raw, len as u64))
}

/// The HTML of a `response` record's block: its HTTP `Content-Type` and
/// its body, undone from transfer and content encodings.
fn read_response(
    block: &mut Block,
    identified: Option<&str>,
    offset: u64,
    url: &str,
) -> Result<(Option<String>, Vec<u8>), Problem> {
    let bad_http = |reason: &str| {
        Problem::Bad(RecordError::BadHttp {
            offset,
            url: url.to_owned(),
            reason: reason.to_owned(),
        })
    };
    let mut head = Vec::new();
    match read_head(block, &mut head, MAX_HTTP_HEAD)? {
        Head::Complete => {}
        Head::Eof => return Err(bad_http("the block ends inside the HTTP head")),
        Head::TooLong => return Err(bad_http("HTTP head over 128 KiB")),
    }
    let head = HttpHead::parse(&head).ok_or_else(|| bad_http("no HTTP status line"))?;
    if head.status != 200 {
        return Err(Problem::Bad(RecordError::Status {
            offset,
            url: url.to_owned(),
            status: head.status,
        }));
    }
    // A server that names no type: the crawler's own identification decides.
    let declared = head.content_type.as_deref().or(identified);
    if !declared.is_some_and(is_html) {
        return Err(Problem::Bad(RecordError::NotHtml {
            offset,
            url: url.to_owned(),
            content_type: declared.unwrap_or("none").to_owned(),
        }));
    }
    let body = read_body(block, &head).map_err(|problem| match problem {
        Body::TooLarge => Problem::Bad(RecordError::TooLarge {
            offset,
            url: url.to_owned(),
        }),
        Body::Unsupported(encoding) => Problem::Bad(RecordError::Encoding {
            offset,
            url: url.to_owned(),
            reason: format!("content encoding {encoding:?} is not supported"),
        }),
        Body::Io(e) => Problem::Io(e),
    })?;
    Ok((head.content_type, body))
}

fn is_html(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or_default().trim();
    media.eq_ignore_ascii_case("text/html") || media.eq_ignore_ascii_case("application/xhtml+xml")
}

/// What the HTML reader needs of an archived HTTP head.
struct HttpHead {
    status: u16,
    content_type: Option<String>,
    transfer_encoding: Option<String>,
    content_encoding: Option<String>,
}

impl HttpHead {
    /// Reads the status line and the fields; `None` without a status line.
    /// Lines that are not `Name: value` (and folded lines) are ignored, as
    /// browsers ignore them.
    fn parse(head: &[u8]) -> Option<HttpHead> {
        let mut lines = head.split(|&b| b == b'\n').map(<[u8]>::trim_ascii_end);
        let status_line = lines.next()?.strip_prefix(b"HTTP/")?;
        let mut words = status_line.split(|&b| b == b' ').filter(|w| !w.is_empty());
        let code = words.nth(1)?;
        if code.len() != 3 || !code.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let status = std::str::from_utf8(code).ok()?.parse().ok()?;
        let mut head = HttpHead {
            status,
            content_type: None,
            transfer_encoding: None,
            content_encoding: None,
        };
        for line in lines {
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                continue;
            };
            let (name, value) = (line[..colon].trim_ascii(), &line[colon + 1..]);
            let slot = if name.eq_ignore_ascii_case(b"content-type") {
                &mut head.content_type
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                &mut head.transfer_encoding
            } else if name.eq_ignore_ascii_case(b"content-encoding") {
                &mut head.content_encoding
            } else {
                continue;
            };
            if slot.is_none() {
                *slot = Some(String::from_utf8_lossy(value.trim_ascii()).into_owned());
            }
        }
        Some(head)
    }
}

/// Why a body gave no HTML.
enum Body {
    TooLarge,
    Unsupported(String),
    Io(io::Error),
}

impl From<io::Error> for Body {
    fn from(e: io::Error) -> Body {
        Body::Io(e)
    }
}

/// The body's bytes, at most [`MAX_HTML_BYTES`] of them. An encoding the
/// head declares is undone only if the bytes still carry it: CC-NEWS
/// stores payloads decoded, yet some records keep the original headers.
fn read_body(block: &mut Block, head: &HttpHead) -> Result<Vec<u8>, Body> {
    let mut prefix = Vec::new();
    (&mut *block).take(SNIFF_BYTES).read_to_end(&mut prefix)?;
    let declares = |field: &Option<String>, name: &str| {
        field
            .as_deref()
            .is_some_and(|v| v.split(',').any(|token| token.trim().eq_ignore_ascii_case(name)))
    };
    let chunked = declares(&head.transfer_encoding, "chunked") && looks_chunked(&prefix);
    let encoding = head
        .content_encoding
        .as_deref()
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty() && e != "identity" && e != "none");
    if !chunked && encoding.is_none() {
        // The common case: the rest of the block is the HTML, its length
        // known, so a long one is never read.
        if prefix.len() as u64 + block.limit() > MAX_HTML_BYTES {
            return Err(Body::TooLarge);
        }
        let mut html = Vec::with_capacity(prefix.len() + block.limit() as usize);
        html.extend_from_slice(&prefix);
        block.read_to_end(&mut html)?;
        return Ok(html);
    }
    let raw = Cursor::new(prefix).chain(block);
    let mut body: Box<dyn Read + '_> = if chunked {
        Box::new(Chunked {
            inner: BufReader::new(raw),
            left: 0,
            done: false,
        })
    } else {
        Box::new(raw)
    };
    let mut prefix = Vec::new();
    (&mut body).take(SNIFF_BYTES).read_to_end(&mut prefix)?;
    let gzip = prefix.starts_with(&[0x1f, 0x8b]);
    let zlib = prefix.len() >= 2 && (prefix[0] & 0x0f) == 8 && u16::from_be_bytes([prefix[0], prefix[1]]) % 31 == 0;
    let decoded: Box<dyn Read + '_> = match encoding.as_deref() {
        Some("gzip" | "x-gzip") if gzip => Box::new(flate2::read::MultiGzDecoder::new(Cursor::new(prefix).chain(body))),
        Some("deflate") if zlib => Box::new(flate2::read::ZlibDecoder::new(Cursor::new(prefix).chain(body))),
        Some(encoding) if !matches!(encoding, "gzip" | "x-gzip" | "deflate") && !looks_like_text(&prefix) => {
            return Err(Body::Unsupported(encoding.to_owned()));
        }
        _ => Box::new(Cursor::new(prefix).chain(body)),
    };
    let mut html = Vec::new();
    decoded.take(MAX_HTML_BYTES + 1).read_to_end(&mut html)?;
    if html.len() as u64 > MAX_HTML_BYTES {
        return Err(Body::TooLarge);
    }
    Ok(html)
}

/// A first line of hex digits (and perhaps a chunk extension).
fn looks_chunked(prefix: &[u8]) -> bool {
    let Some(end) = prefix.iter().position(|&b| b == b'\n') else {
        return false;
    };
    let line = prefix[..end].trim_ascii();
    let size = line.split(|&b| b == b';').next().unwrap_or_default().trim_ascii();
    !size.is_empty() && size.len() <= 16 && size.iter().all(u8::is_ascii_hexdigit)
}

/// Markup or text rather than compressed bytes.
fn looks_like_text(prefix: &[u8]) -> bool {
    let start = prefix.trim_ascii_start();
    start.is_empty()
        || start.starts_with(b"<")
        || start.starts_with(b"\xef\xbb\xbf")
        || start.starts_with(b"\xff\xfe")
        || start.starts_with(b"\xfe\xff")
}

/// `Transfer-Encoding: chunked`, undone; chunk extensions and trailer
/// fields are ignored.
struct Chunked<R> {
    inner: R,
    /// Bytes left in the current chunk.
    left: u64,
    done: bool,
}

impl<R: BufRead> Chunked<R> {
    fn line(&mut self) -> io::Result<Vec<u8>> {
        let mut line = Vec::new();
        match read_line(&mut self.inner, &mut line, 1024)? {
            Line::Complete => Ok(line),
            Line::Eof => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "chunked body cut short")),
            Line::TooLong => Err(io::Error::new(io::ErrorKind::InvalidData, "chunk size line over 1 KiB")),
        }
    }
}

impl<R: BufRead> Read for Chunked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let line = self.line()?;
            let size = line.split(|&b| b == b';').next().unwrap_or_default().trim_ascii();
            self.left = std::str::from_utf8(size)
                .ok()
                .and_then(|s| u64::from_str_radix(s, 16).ok())
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
            if self.left == 0 {
                self.done = true;
                return Ok(0);
            }
        }
        let want = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "chunked body cut short"));
        }
        self.left -= n as u64;
        if self.left == 0 && !self.line()?.trim_ascii().is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a chunk longer than its size",
            ));
        }
        Ok(n)
    }
}

enum Head {
    Complete,
    Eof,
    TooLong,
}

/// Reads a header block (lines through the first empty one) onto `head`,
/// which may already hold its first line; at most `cap` bytes in all.
fn read_head(stream: &mut dyn BufRead, head: &mut Vec<u8>, cap: usize) -> io::Result<Head> {
    loop {
        let start = head.len();
        match read_line(stream, head, cap)? {
            Line::Complete => {}
            Line::Eof => return Ok(Head::Eof),
            Line::TooLong => return Ok(Head::TooLong),
        }
        if matches!(&head[start..], b"\r\n" | b"\n") && start > 0 {
            return Ok(Head::Complete);
        }
    }
}

enum Line {
    Complete,
    Eof,
    TooLong,
}

/// Appends one line, through its `\n`, to `out` unless `out` would pass
/// `cap` bytes; then the rest of the line is left unread.
fn read_line(stream: &mut (impl BufRead + ?Sized), out: &mut Vec<u8>, cap: usize) -> io::Result<Line> {
    loop {
        let buf = stream.fill_buf()?;
        if buf.is_empty() {
            return Ok(Line::Eof);
        }
        let (take, complete) = match memchr::memchr(b'\n', buf) {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if out.len() + take > cap {
            return Ok(Line::TooLong);
        }
        out.extend_from_slice(&buf[..take]);
        stream.consume(take);
        if complete {
            return Ok(Line::Complete);
        }
    }
}

fn skip_line(stream: &mut dyn BufRead) -> io::Result<()> {
    loop {
        let buf = stream.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        match memchr::memchr(b'\n', buf) {
            Some(i) => {
                stream.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = buf.len();
                stream.consume(n);
            }
        }
    }
}

/// The file's bytes, buffered, with a count of those consumed: the
/// offsets of records (plain) or gzip members.
struct Counted {
    inner: BufReader<Box<dyn Read + Send>>,
    consumed: u64,
    /// A read of the file failed (rather than the gzip data in it).
    failed: bool,
}

impl Counted {
    fn new(reader: Box<dyn Read + Send>) -> Counted {
        Counted {
            inner: BufReader::with_capacity(READ_BUFFER, reader),
            consumed: 0,
            failed: false,
        }
    }
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf).inspect_err(|_| self.failed = true)?;
        self.consumed += n as u64;
        Ok(n)
    }
}

impl BufRead for Counted {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self.inner.fill_buf() {
            Ok(buf) => Ok(buf),
            Err(e) => {
                self.failed = true;
                Err(e)
            }
        }
    }

    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
        self.consumed += n as u64;
    }
}

/// A `.warc.gz` one gzip member at a time: a read returns 0 at the end of
/// each member, and [`Members::next_member`] starts the next, so a record
/// cut short inside its member never swallows the next record.
struct Members {
    /// The member being decompressed; `None` between members or after an error.
    decoder: Option<GzDecoder<Counted>>,
    /// The compressed bytes between members; `None` while a decoder holds them.
    input: Option<Counted>,
    /// Where the current member starts.
    start: u64,
    /// The last error came from the gzip data, not from reading the file.
    gzip_failed: bool,
}

impl Members {
    /// Starts the next member; `false` at the end of the file (or after an error).
    fn next_member(&mut self) -> io::Result<bool> {
        let Some(input) = self.input.as_mut() else {
            return Ok(false);
        };
        if input.fill_buf()?.is_empty() {
            return Ok(false);
        }
        self.start = input.consumed;
        self.decoder = self.input.take().map(GzDecoder::new);
        Ok(true)
    }
}

impl Read for Members {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(decoder) = self.decoder.as_mut() else {
            return Ok(0);
        };
        match decoder.read(buf) {
            Ok(0) if !buf.is_empty() => {
                self.input = self.decoder.take().map(GzDecoder::into_inner);
                Ok(0)
            }
            Ok(n) => Ok(n),
            Err(e) => {
                self.gzip_failed = !decoder.get_ref().failed;
                self.decoder = None;
                Err(e)
            }
        }
    }
}

enum Input {
    Plain(Counted),
    Gzip(Box<BufReader<Members>>),
}

impl Input {
    fn stream(&mut self) -> &mut dyn BufRead {
        match self {
            Input::Plain(counted) => counted,
            Input::Gzip(members) => members.as_mut(),
        }
    }

    /// The offset of the byte the stream is at (of its member, for gzip).
    fn offset(&self) -> u64 {
        match self {
            Input::Plain(counted) => counted.consumed,
            Input::Gzip(members) => members.get_ref().start,
        }
    }

    /// Starts the next gzip member; `false` at the end (always, for plain).
    fn next_member(&mut self) -> io::Result<bool> {
        match self {
            Input::Plain(_) => Ok(false),
            Input::Gzip(members) => members.get_mut().next_member(),
        }
    }

    /// Whether a read of the file or of its gzip data failed: nothing more
    /// can be read.
    fn broken(&self) -> bool {
        match self {
            Input::Plain(counted) => counted.failed,
            Input::Gzip(members) => {
                let members = members.get_ref();
                members.decoder.is_none() && members.input.is_none()
            }
        }
    }

    fn error(&self, offset: u64, e: io::Error) -> RecordError {
        match self {
            Input::Gzip(members) if members.get_ref().gzip_failed => RecordError::Gzip {
                offset: members.get_ref().start,
                reason: e.to_string(),
            },
            _ => RecordError::Io {
                offset,
                reason: e.to_string(),
            },
        }
    }
}

/// Writes one WARC/1.0 record: its type (`response`, `request`,
/// `warcinfo`…), target URI, date and block; with `gzip`, as a gzip member
/// of its own, as CC-NEWS files are. Record ids are random `urn:uuid`s.
pub fn write_record(
    out: &mut impl Write,
    kind: &str,
    url: Option<&str>,
    date: DateTime<Utc>,
    block: &[u8],
    gzip: bool,
) -> io::Result<()> {
    let content_type = match kind {
        "response" => "application/http; msgtype=response",
        "request" => "application/http; msgtype=request",
        "warcinfo" => "application/warc-fields",
        _ => "application/octet-stream",
    };
    let mut builder = RecordBuilder::default()
        .warc_type(RecordType::from(kind))
        .date(date)
        .body(block.to_vec())
        .header(WarcHeader::ContentType, content_type);
    if let Some(url) = url {
        builder = builder.header(WarcHeader::TargetURI, url);
    }
    let record = builder
        .build()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
    let mut bytes = Vec::with_capacity(block.len() + 512);
    WarcWriter::new(&mut bytes).write(&record)?;
    if gzip {
        let mut encoder = flate2::write::GzEncoder::new(out, flate2::Compression::default());
        encoder.write_all(&bytes)?;
        encoder.finish()?;
    } else {
        out.write_all(&bytes)?;
    }
    Ok(())
}

/// The block of an HTTP `response` record: a status line, `Content-Type`,
/// `Content-Length` and `body`.
pub fn http_response(status: u16, content_type: &str, body: &[u8]) -> Vec<u8> {
    let reason = if status == 200 { "OK" } else { "Other" };
    let mut block = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    block.extend_from_slice(body);
    block
}
