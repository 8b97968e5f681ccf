//! OPML, the feed list format every reader imports and exports.
//!
//! Import accepts the nesting real readers write (folders of outlines) and
//! takes each outline with an `xmlUrl`; its source is the outline's title,
//! else its text, else the feed's host.

use newsdesk_domain::{Feed, Source};
use newsdesk_fetch::urls;
use opml::{Outline, OPML};

use crate::subscriptions::{SubscribeError, Subscription};

/// The feeds of an OPML document; outlines whose URL is not http(s) are
/// skipped with a warning.
pub fn parse(xml: &str) -> Result<Vec<Subscription>, SubscribeError> {
    let doc = OPML::from_str(xml).map_err(|e| SubscribeError::Opml(e.to_string()))?;
    let mut feeds = Vec::new();
    collect(&doc.body.outlines, &mut feeds);
    Ok(feeds)
}

fn collect(outlines: &[Outline], out: &mut Vec<Subscription>) {
    for o in outlines {
        if let Some(raw) = o.xml_url.as_deref() {
            match urls::canonicalize(raw) {
                Ok(url) => out.push(Subscription {
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

/// `feeds` as an OPML document, one outline per feed, named by its source.
pub(crate) fn write(sources: &[Source], feeds: &[Feed]) -> Result<String, SubscribeError> {
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
    doc.to_string().map_err(|e| SubscribeError::Opml(e.to_string()))
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
            Subscription {
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
