//! Web archives into the store (`newsdesk import warc`): each HTML page of a
//! WARC file (as Common Crawl's CC-NEWS publishes them) goes through the
//! crawl's own path, extract → store → analyse → index, and into stories.
//!
//! A file is a job leased to one worker, by its name, so several workers
//! given a day of files split them, each file imported once; a file
//! imported to its end is done and passed over afterwards.
//!
//! The file is read on one thread, at most [`READ_AHEAD`] pages ahead, so
//! memory stays bounded whatever its size; pages are extracted and analysed
//! on every core. Stories are assigned a chunk at a time, each chunk in
//! fetch (`WARC-Date`) order, which a CC-NEWS file roughly follows
//! already. A bad record is counted and named in the log, never fatal:
//! the import goes on to the file's end.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use newsdesk_domain::SourceId;
use newsdesk_fetch::{Archive, ArchivedPage, RecordError};
use newsdesk_store::{blocking, Completed, StoreError};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use url::Url;

use crate::enrich::Read;
use crate::{lock, Crawler};

/// Pages read ahead of extraction: at most this many bodies (each capped
/// by the reader) are held at once.
const READ_AHEAD: usize = 32;
/// Pages stored between two rounds of story assignment.
const CHUNK: usize = 256;

/// What an import did, so far or in all.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    /// Pages stored as new articles.
    pub imported: usize,
    /// Pages whose URL was already stored (a file imported again).
    pub repeats: usize,
    /// Records that gave no article: errors (truncated, not 200, not HTML,
    /// too large…) and pages without article text.
    pub skipped: usize,
    /// Records passed over without error (requests, metadata, warcinfo).
    pub other_records: u64,
    /// Whether the file was read to its end (else its lease was lost to
    /// another worker, which goes on from the start, storing no page twice).
    pub finished: bool,
}

impl Crawler {
    /// Imports every HTML page of the WARC file at `path`, telling
    /// `progress` after each record; `None` when the file is done already
    /// or another worker is importing it. Fails only when the file cannot
    /// be opened or the store cannot lease it; bad records are counted in
    /// the report.
    pub async fn import_warc(
        &self,
        path: &Path,
        progress: impl Fn(&ImportReport) + Send + Sync + 'static,
    ) -> std::io::Result<Option<ImportReport>> {
        let archive = Archive::open(path)?;
        let job = path
            .file_name()
            .unwrap_or(path.as_os_str())
            .to_string_lossy()
            .into_owned();
        if !self.job(&job, JobStep::Claim).await? {
            return Ok(None);
        }
        let shown = path.display().to_string();
        let (pages, mut incoming) = mpsc::channel(READ_AHEAD);
        let reader = tokio::task::spawn_blocking(move || {
            let mut archive = archive;
            for record in archive.by_ref() {
                if pages.blocking_send(record).is_err() {
                    break;
                }
            }
            archive.skipped()
        });
        let report = Arc::new(Mutex::new(ImportReport::default()));
        let progress = Arc::new(progress);
        let sources = Arc::new(Mutex::new(HashMap::new()));
        // Twice the cores: while one page waits on the store, another computes.
        let parallel = 2 * std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut tasks = JoinSet::new();
        let mut since_chunk = 0;
        while let Some(record) = incoming.recv().await {
            while tasks.len() >= parallel {
                tasks.join_next().await;
            }
            let (crawler, report, progress, sources, file) = (
                self.clone(),
                report.clone(),
                progress.clone(),
                sources.clone(),
                shown.clone(),
            );
            tasks.spawn(async move {
                let outcome = match record {
                    Ok(page) => crawler.import_page(page, &sources).await,
                    Err(e) => Err(ImportError::Record(e)),
                };
                let now = {
                    let mut r = lock(&report);
                    match outcome {
                        Ok(Completed::Repeat(_)) => r.repeats += 1,
                        Ok(_) => r.imported += 1,
                        Err(e) => {
                            tracing::warn!(%file, "record skipped: {e}");
                            r.skipped += 1;
                        }
                    }
                    *r
                };
                progress(&now);
            });
            since_chunk += 1;
            if since_chunk == CHUNK {
                since_chunk = 0;
                while tasks.join_next().await.is_some() {}
                self.stories.serve_queue().await;
                self.commit_search().await;
                if !self.job(&job, JobStep::Renew).await? {
                    tracing::warn!(file = %shown, "another worker took this file over; stopping");
                    break;
                }
            }
        }
        // Dropping the receiver stops the reader at its next page.
        drop(incoming);
        while tasks.join_next().await.is_some() {}
        self.stories.serve_until_empty().await;
        self.commit_search().await;
        let other_records = reader.await.unwrap_or_default();
        let mut report = *lock(&report);
        report.other_records = other_records;
        report.finished = self.job(&job, JobStep::Finish).await?;
        Ok(Some(report))
    }

    /// One step of a file's lease; false when it is not (or no longer) ours.
    async fn job(&self, name: &str, step: JobStep) -> std::io::Result<bool> {
        let (name, worker, lease) = (name.to_string(), self.worker.clone(), self.lease);
        blocking(&self.store, move |s| {
            let now = Utc::now();
            match step {
                JobStep::Claim => s.claim_job(&name, &worker, now, now + lease),
                JobStep::Renew => s.renew_job(&name, &worker, now + lease),
                JobStep::Finish => s.finish_job(&name, &worker, now),
            }
        })
        .await
        .map_err(std::io::Error::other)
    }

    /// Extracts one archived page, stores it under its publisher and
    /// enriches it, as a crawled page is.
    async fn import_page(
        &self,
        page: ArchivedPage,
        sources: &Mutex<HashMap<String, SourceId>>,
    ) -> Result<Completed, ImportError> {
        let fetched_at = page.date;
        let url = Url::parse(&page.url).map_err(|e| ImportError::Url(page.url.clone(), e.to_string()))?;
        let (extracted, url) = tokio::task::spawn_blocking(move || {
            let extracted = newsdesk_extract::extract(&page.html, Some(&url));
            (extracted, url)
        })
        .await
        .map_err(|e| ImportError::Crashed(e.to_string()))?;
        if extracted.text.trim().is_empty() {
            return Err(ImportError::NoText(url.to_string()));
        }
        let source = self.source_of(&url, extracted.site_name.as_deref(), sources).await?;
        let canonical = crate::page::canonical_url(extracted.canonical_url.as_deref(), &url);
        let read = Read {
            title: extracted.title.clone(),
            text: extracted.text.clone(),
            section_label: extracted.section.clone(),
        };
        let fetched = url.to_string();
        let completed = blocking(&self.store, move |s| {
            s.store_archived(source, &fetched, fetched_at, &canonical, &extracted)
        })
        .await?;
        self.enrich(completed, read).await;
        Ok(completed)
    }

    /// The publisher of a page: its site's own name where the page gives
    /// one, else its host without `www.`; created on first sight.
    async fn source_of(
        &self,
        url: &Url,
        site_name: Option<&str>,
        known: &Mutex<HashMap<String, SourceId>>,
    ) -> Result<SourceId, StoreError> {
        let host = url.host_str().unwrap_or_default();
        let name = site_name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| host.trim_start_matches("www."))
            .to_string();
        if let Some(&id) = lock(known).get(&name) {
            return Ok(id);
        }
        let homepage = format!("{}://{host}/", url.scheme());
        let key = name.clone();
        let source = blocking(&self.store, move |s| s.upsert_source(&name, Some(&homepage))).await?;
        lock(known).insert(key, source.id);
        Ok(source.id)
    }
}

#[derive(Clone, Copy)]
enum JobStep {
    Claim,
    Renew,
    Finish,
}

/// Why one archived record gave no article.
#[derive(Debug, thiserror::Error)]
enum ImportError {
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("{0}: not a URL ({1})")]
    Url(String, String),
    #[error("no article text found at {0}")]
    NoText(String),
    #[error("extraction crashed: {0}")]
    Crashed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}
