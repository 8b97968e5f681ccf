//! A synthetic CC-NEWS file for `newsdesk import warc` (issue #18), and the
//! speed of [`Archive`] alone over such a file.
//!
//! `write` makes a `warcinfo` record and N `response` records, a gzip
//! member each, dated in order through a day (as a CC-NEWS file is). Each
//! page is one of the newswire's article pages (six outlets, so six hosts
//! and five layouts with their clutter) rewritten: a URL of its own (links,
//! canonical and `og:url` follow it), and a headline and paragraphs drawn
//! from one story's share of the newswire's sentences, stories having 1 to
//! 8 articles, so articles of a story share text as wire copy does. An
//! inline script of pseudo-random state brings each page to 40–160 KB,
//! about the size of real news pages. The same seed gives the same pages
//! (the record ids are random, and the dates end at the time of writing).

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Duration, Utc};
use newsdesk_fetch::warc::{http_response, write_record, Archive};
use newsdesk_newswire::{ArticleInfo, Newswire};
use url::Url;

/// Sentences one story's articles draw from.
const STORY_SENTENCES: usize = 24;
const SMALLEST_PAGE: usize = 40_000;
const LARGEST_PAGE: usize = 160_000;

/// SplitMix64: deterministic pages without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One newswire article page to rewrite.
struct Template {
    info: ArticleInfo,
    /// The outlet's loopback origin, as the page's links give it.
    origin: String,
    /// The host the records give the outlet instead.
    host: String,
    html: String,
}

/// Writes `records` news pages to `out` (see the module doc).
pub fn write(out: &Path, records: usize) -> Result<()> {
    let started = Instant::now();
    let templates = templates()?;
    let sentences: Vec<&str> = templates
        .iter()
        .flat_map(|t| &t.info.paragraphs)
        .flat_map(|p| p.split_inclusive(". "))
        .map(str::trim)
        .filter(|s| s.split_whitespace().count() >= 5)
        .collect();
    let file = File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut file = BufWriter::new(file);
    let step = Duration::milliseconds((86_400_000 / records.max(1) as i64).max(1_000));
    let first = Utc::now() - step * i32::try_from(records).unwrap_or(i32::MAX);
    let first = first - Duration::nanoseconds(i64::from(first.timestamp_subsec_nanos()));
    write_record(
        &mut file,
        "warcinfo",
        None,
        first,
        b"software: newsdesk-bench warc\r\nformat: WARC File Format 1.0\r\n",
        true,
    )?;
    let mut rng = Rng(18);
    let (mut written, mut html_bytes) = (0, 0);
    while written < records {
        let story = Story::new(&mut rng, &sentences);
        for _ in 0..story.articles.min(records - written) {
            let template = &templates[rng.below(templates.len())];
            let date = first + step * i32::try_from(written).unwrap_or(i32::MAX);
            let (url, html) = story.page(&mut rng, template, date, written);
            html_bytes += html.len();
            let block = http_response(200, "text/html; charset=utf-8", html.as_bytes());
            write_record(&mut file, "response", Some(&url), date, &block, true)?;
            written += 1;
        }
    }
    file.into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| f.sync_all())
        .with_context(|| format!("writing {}", out.display()))?;
    let size = std::fs::metadata(out)?.len();
    println!(
        "wrote {records} pages (mean {:.0} KB of HTML) to {} ({:.1} MB) in {:.1?}",
        html_bytes as f64 / records.max(1) as f64 / 1e3,
        out.display(),
        size as f64 / 1e6,
        started.elapsed()
    );
    Ok(())
}

/// Reads `path` through [`Archive`] alone and prints records/s.
pub fn read(path: &Path) -> Result<()> {
    let started = Instant::now();
    let mut archive = Archive::open(path).with_context(|| format!("opening {}", path.display()))?;
    let (mut pages, mut errors, mut text) = (0u64, 0u64, 0usize);
    for item in archive.by_ref() {
        match item {
            Ok(page) => {
                pages += 1;
                text += page.html.len();
            }
            Err(e) => {
                errors += 1;
                if errors <= 5 {
                    eprintln!("{e}");
                }
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let records = pages + errors + archive.skipped();
    println!(
        "{}: {pages} pages ({:.1} MB of text), {errors} errors, {} records of other types in {seconds:.2} s: \
         {:.0} records/s, {:.0} MB/s of text",
        path.display(),
        text as f64 / 1e6,
        archive.skipped(),
        records as f64 / seconds,
        text as f64 / 1e6 / seconds
    );
    Ok(())
}

/// The newswire's article pages, fetched from a newswire started on loopback.
fn templates() -> Result<Vec<Template>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("starting a runtime for the newswire")?;
    let wire = runtime.block_on(Newswire::start()).context("starting the newswire")?;
    // The servers run on the runtime's worker while this thread fetches.
    let pages: Result<Vec<Template>> = wire
        .articles()
        .into_iter()
        .map(|info| {
            let outlet = wire
                .outlets()
                .iter()
                .find(|o| o.key == info.outlet_key)
                .with_context(|| format!("no outlet for {}", info.url))?;
            let html = get(&info.url)?;
            Ok(Template {
                origin: outlet.homepage.trim_end_matches('/').to_owned(),
                host: format!("{}.example", outlet.key),
                html,
                info,
            })
        })
        .collect();
    runtime.block_on(wire.shutdown());
    pages
}

/// A plain HTTP/1.1 GET of a newswire page.
fn get(url: &str) -> Result<String> {
    let parsed = Url::parse(url)?;
    let (host, port) = (
        parsed.host_str().context("no host")?,
        parsed.port_or_known_default().context("no port")?,
    );
    let mut stream = std::net::TcpStream::connect((host, port))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n",
        parsed.path()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").context("no end of the HTTP head")?;
    if !head.starts_with("HTTP/1.1 200") || head.to_ascii_lowercase().contains("transfer-encoding") {
        bail!(
            "{url}: expected a plain 200 response, got {}",
            head.lines().next().unwrap_or_default()
        );
    }
    Ok(body.to_owned())
}

/// One story: the sentences its articles share.
struct Story<'a> {
    sentences: Vec<&'a str>,
    articles: usize,
}

impl<'a> Story<'a> {
    fn new(rng: &mut Rng, pool: &[&'a str]) -> Story<'a> {
        // Mostly small stories, as in a day of news: 1 + 1 + ... up to 8.
        let articles = 1 + (0..7).take_while(|_| rng.below(100) < 55).count();
        Story {
            sentences: (0..STORY_SENTENCES).map(|_| pool[rng.below(pool.len())]).collect(),
            articles,
        }
    }

    /// The `n`th record's URL and page, on `template`.
    fn page(&self, rng: &mut Rng, template: &Template, date: DateTime<Utc>, n: usize) -> (String, String) {
        let headline = self.sentences[rng.below(self.sentences.len())]
            .trim_end_matches('.')
            .split_whitespace()
            .take(12)
            .collect::<Vec<_>>()
            .join(" ");
        let slug: String = headline
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(8)
            .collect::<Vec<_>>()
            .join("-");
        let origin = format!("https://{}", template.host);
        let url = format!("{origin}/{}/{slug}-{n}", date.format("%Y/%m/%d"));
        let paragraphs: Vec<String> = template
            .info
            .paragraphs
            .iter()
            .map(|_| {
                (0..2 + rng.below(3))
                    .map(|_| self.sentences[rng.below(self.sentences.len())])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let mut html = template
            .html
            .replace(&template.info.url, &url)
            .replace(&template.origin, &origin);
        // Paragraphs first: the old summary is a piece of the first one.
        let old = template
            .info
            .paragraphs
            .iter()
            .chain([&template.info.headline, &template.info.summary]);
        let summary = paragraphs[0]
            .split_inclusive(". ")
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        let new = paragraphs.iter().chain([&headline, &summary]);
        for (old, new) in old.zip(new) {
            for escape in [text, attribute, json] {
                html = html.replace(&escape(old), &escape(new));
            }
        }
        let size = SMALLEST_PAGE + rng.below(LARGEST_PAGE - SMALLEST_PAGE);
        let state = page_state(rng, size.saturating_sub(html.len()));
        let html = html.replacen(
            "</head>",
            &format!("<script>window.__STATE__={state};</script></head>"),
            1,
        );
        (url, html)
    }
}

/// A JSON object of about `bytes` bytes of pseudo-words, like the state
/// blobs news sites inline.
fn page_state(rng: &mut Rng, bytes: usize) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ne", "ra", "to", "su", "vi", "den", "mar", "tel", "os", "qu", "ber", "lin", "ga",
    ];
    let mut out = String::from("{");
    let mut field = 0;
    while out.len() < bytes {
        out.push_str(&format!("\"f{field}\":\""));
        for _ in 0..8 + rng.below(24) {
            for _ in 0..1 + rng.below(3) {
                out.push_str(SYLLABLES[rng.below(SYLLABLES.len())]);
            }
            out.push(' ');
        }
        out.push_str("\",");
        field += 1;
    }
    out.push_str("\"v\":1}");
    out
}

fn text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn attribute(s: &str) -> String {
    text(s).replace('"', "&quot;").replace('\'', "&#39;")
}

/// As the newswire's JSON-LD writes a string.
fn json(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    let inner = quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or_default();
    inner.replace("</", "<\\/")
}
