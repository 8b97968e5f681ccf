//! OPML import and export of the feed list.
//!
//! Import accepts the nesting real readers write (folders of outlines) and
//! takes each outline with an `xmlUrl`; its source is the outline's title,
//! else its text, else the feed's host.

use std::sync::Arc;

use anyhow::{Context, Result};
use newsdesk_fetch::urls;
use newsdesk_store::Store;
use opml::{Outline, OPML};

use crate::blocking;

/// One feed found in an OPML file.
#[derive(Debug, Clone, PartialEq)]
pub struct OpmlFeed {
    pub source: String,
    pub url: String,
    pub homepage: Option<String>,
}

/// Parses an OPML document; feeds whose URL is not http(s) are skipped with a warning.
pub fn parse(xml: &str) -> Result<Vec<OpmlFeed>> {
    let doc = OPML::from_str(xml).context("not a valid OPML document")?;
    let mut feeds = Vec::new();
    collect(&doc.body.outlines, &mut feeds);
    Ok(feeds)
}

fn collect(outlines: &[Outline], out: &mut Vec<OpmlFeed>) {
    for o in outlines {
        if let Some(raw) = o.xml_url.as_deref() {
            match urls::canonicalize(raw) {
                Ok(url) => out.push(OpmlFeed {
                    source: source_name(o, &url),
                    url: url.to_string(),
                    homepage: o.html_url.clone().filter(|h| !h.trim().is_empty()),
                }),
                Err(e) => tracing::warn!("skipping OPML outline {:?}: {e}", o.text),
            }
        }
        collect(&o.outlines, out);
    }
}

fn source_name(o: &Outline, url: &url::Url) -> String {
    [o.title.as_deref(), Some(o.text.as_str())]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|s| !s.is_empty())
        .map(String::from)
        .unwrap_or_else(|| url.host_str().unwrap_or("feed").to_string())
}

/// Subscribes to every feed in `xml`; returns how many feeds it names.
pub async fn import(store: &Arc<dyn Store>, xml: &str) -> Result<usize> {
    let feeds = parse(xml)?;
    let count = feeds.len();
    blocking(store, move |s| {
        for f in &feeds {
            let source = s.upsert_source(&f.source, f.homepage.as_deref())?;
            s.add_feed(source.id, &f.url)?;
        }
        Ok(())
    })
    .await?;
    Ok(count)
}

/// The subscribed feeds as an OPML document, one outline per feed.
pub async fn export(store: &Arc<dyn Store>) -> Result<String> {
    let (sources, feeds) = blocking(store, |s| Ok((s.sources()?, s.feeds()?))).await?;
    let mut doc = OPML::default();
    doc.head.get_or_insert_with(Default::default).title = Some("newsdesk subscriptions".into());
    for feed in feeds {
        let source = sources.iter().find(|s| s.id == feed.source_id);
        doc.body.outlines.push(Outline {
            text: source.map(|s| s.name.clone()).unwrap_or_else(|| feed.url.clone()),
            r#type: Some("rss".into()),
            xml_url: Some(feed.url.clone()),
            html_url: source.and_then(|s| s.homepage.clone()),
            ..Outline::default()
        });
    }
    doc.to_string().context("writing OPML")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_outlines_and_skips_bad_urls() {
        let xml = r#"<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
            <outline text="World"><outline text="Daily" title="The Daily" xmlUrl="HTTPS://Daily.example/feed?utm_source=x" htmlUrl="https://daily.example/"/>
            <outline text="Bad" xmlUrl="javascript:alert(1)"/></outline>
            <outline text="" xmlUrl="https://wire.example/rss"/></body></opml>"#;
        let feeds = parse(xml).unwrap();
        assert_eq!(feeds.len(), 2);
        assert_eq!(
            feeds[0],
            OpmlFeed {
                source: "The Daily".into(),
                url: "https://daily.example/feed".into(),
                homepage: Some("https://daily.example/".into())
            }
        );
        assert_eq!(feeds[1].source, "wire.example");
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse("<html>not opml").is_err());
        assert!(parse("").is_err());
    }
}
