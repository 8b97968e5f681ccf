//! Each reader's own lists, shared by the "For you" page, its private feed
//! and the Google Reader API: what they follow, merged newest first, minus
//! what they hide.
//!
//! Every followed thing is one index walk in the store that reads no
//! article ([`Reading::keys`]), or one search, each cut at the window's
//! size; the merge keeps the window's first `limit`, and only those are
//! read. So the cost grows with the number of follows, never with the
//! number of articles, and paging by cursor stays exact: the next page
//! starts after the last article this one considered, hidden or not.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use newsdesk_domain::{ArticleId, Interest, Mode, Target, UserId};
use newsdesk_search::{SearchQuery, Sort};
use newsdesk_store::{ArticleCard, Cursor, Listed, Pick, Reading, Window};

use crate::pages::blocking_reading;
use crate::{AppState, WebError};

/// Hits of a followed search considered per list: the search index's page limit.
const SEARCH_HITS: usize = newsdesk_search::MAX_LIMIT;
/// How long a followed search's hits are reused. A newest-first search
/// scores every match of its words (about 5 ms for a common word over
/// 100,000 articles), and "For you" runs each followed search on every
/// view; a minute's delay in a search's newest hits is the price.
const SEARCH_TTL: Duration = Duration::from_secs(60);
/// Above this many kept searches, the cache starts over, so memory stays bounded.
const MAX_KEPT_SEARCHES: usize = 10_000;

/// A search's hits and when they were found.
type KeptHits = (Instant, Arc<Vec<ArticleId>>);

/// Recent hits of followed searches, by their words, shared by every reader.
#[derive(Debug, Default)]
pub(crate) struct SearchCache {
    kept: Mutex<HashMap<String, KeptHits>>,
}

impl SearchCache {
    fn get(&self, words: &str) -> Option<Arc<Vec<ArticleId>>> {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.get(words)
            .filter(|(at, _)| at.elapsed() < SEARCH_TTL)
            .map(|(_, ids)| ids.clone())
    }

    fn put(&self, words: &str, ids: Arc<Vec<ArticleId>>) {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() >= MAX_KEPT_SEARCHES {
            kept.clear();
        }
        kept.insert(words.to_string(), (Instant::now(), ids));
    }
}

/// What one reader follows and hides, read once per request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Interests {
    pub all: Vec<Interest>,
    hidden_sources: HashSet<String>,
    /// Lowercased words and phrases whose headlines are hidden.
    hidden_words: Vec<String>,
}

impl Interests {
    pub fn new(all: Vec<Interest>) -> Interests {
        let mut interests = Interests::default();
        for i in all.iter().filter(|i| i.mode == Mode::Hide) {
            match &i.target {
                Target::Source(slug) => {
                    interests.hidden_sources.insert(slug.clone());
                }
                Target::Keyword(words) => interests.hidden_words.push(words.to_lowercase()),
                _ => {}
            }
        }
        interests.all = all;
        interests
    }

    /// The reader's interests; none for a visitor who is not signed in.
    pub async fn of(state: &AppState, user: Option<UserId>) -> Result<Interests, WebError> {
        let Some(user) = user else {
            return Ok(Interests::default());
        };
        let all = blocking_reading(state, move |r| r.interests(user)).await?;
        Ok(Interests::new(all))
    }

    /// Whether the reader hid this article's source or a word of its headline.
    pub fn hides(&self, source_slug: &str, title: &str) -> bool {
        if self.hidden_sources.contains(source_slug) {
            return true;
        }
        if self.hidden_words.is_empty() {
            return false;
        }
        let title = title.to_lowercase();
        self.hidden_words.iter().any(|w| contains_words(&title, w))
    }

    pub fn hides_card(&self, card: &ArticleCard) -> bool {
        self.hides(&card.source_slug, &card.title)
    }

    /// How the reader treats `target`, if at all.
    pub fn mode_of(&self, target: &Target) -> Option<Mode> {
        self.all.iter().find(|i| &i.target == target).map(|i| i.mode)
    }

    pub fn follows(&self) -> impl Iterator<Item = &Target> {
        self.all.iter().filter(|i| i.mode == Mode::Follow).map(|i| &i.target)
    }
}

/// Whether `phrase` occurs in `text` as whole words ("art" hides "Art fair",
/// not "Smart phones").
fn contains_words(text: &str, phrase: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric();
    text.match_indices(phrase).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + phrase.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// One page of a personal list.
#[derive(Debug, Clone, Default)]
pub(crate) struct Page {
    /// The articles shown: the window minus what the reader hides.
    pub items: Vec<Listed>,
    /// Where the next page starts, when there may be one.
    pub next: Option<Cursor>,
}

/// The articles of the things the reader follows, in the window's order.
pub(crate) async fn for_you(state: &AppState, interests: &Interests, window: Window) -> Result<Page, WebError> {
    let targets: Vec<Target> = interests.follows().cloned().collect();
    merged(state, interests, &targets, window).await
}

/// The articles of one target (a reading app's subscription or folder),
/// minus what the reader hides, in the window's order.
pub(crate) async fn of_target(
    state: &AppState,
    interests: &Interests,
    target: &Target,
    window: Window,
) -> Result<Page, WebError> {
    merged(state, interests, std::slice::from_ref(target), window).await
}

/// The reader's saved articles (nothing hidden: they chose each one).
pub(crate) async fn saved(state: &AppState, user: UserId, window: Window) -> Result<Page, WebError> {
    let items = blocking_reading(state, move |r| r.pick(Pick::Saved(user), &window)).await?;
    let next = (items.len() >= window.limit)
        .then(|| items.last().map(|l| l.cursor))
        .flatten();
    Ok(Page { items, next })
}

async fn merged(state: &AppState, interests: &Interests, targets: &[Target], window: Window) -> Result<Page, WebError> {
    let searched = search_hits(state, targets).await?;
    let targets = targets.to_vec();
    let (mut items, next) = blocking_reading(state, move |r| {
        let mut keys = Vec::new();
        for (target, hits) in targets.iter().zip(&searched) {
            keys.extend(target_keys(r, target, hits, &window)?);
        }
        keys.sort_by(|a, b| match window.oldest_first {
            true => a.cmp(b),
            false => b.cmp(a),
        });
        keys.dedup();
        keys.truncate(window.limit);
        let next = (keys.len() >= window.limit).then(|| keys.last().copied()).flatten();
        let ids: Vec<ArticleId> = keys.iter().map(|k| k.id).collect();
        let shown = Window {
            oldest_first: window.oldest_first,
            ..Window::newest(ids.len())
        };
        Ok((r.pick(Pick::Ids(&ids), &shown)?, next))
    })
    .await?;
    items.retain(|l| !interests.hides_card(&l.card));
    Ok(Page { items, next })
}

fn target_keys(
    r: &dyn Reading,
    target: &Target,
    hits: &[ArticleId],
    window: &Window,
) -> newsdesk_store::Result<Vec<Cursor>> {
    match target {
        Target::Source(slug) => r.keys(Pick::Source(slug), window),
        Target::Section(section) => r.keys(Pick::Section(*section), window),
        Target::Entity(slug) => r.keys(Pick::Entity(slug), window),
        Target::Search(_) => r.keys(Pick::Ids(hits), window),
        Target::Keyword(_) => Ok(Vec::new()),
    }
}

/// The newest hits of each followed search (none for other targets).
async fn search_hits(state: &AppState, targets: &[Target]) -> Result<Vec<Arc<Vec<ArticleId>>>, WebError> {
    let mut out = Vec::with_capacity(targets.len());
    for target in targets {
        out.push(match target {
            Target::Search(words) => newest_hits(state, words).await?,
            _ => Arc::default(),
        });
    }
    Ok(out)
}

async fn newest_hits(state: &AppState, words: &str) -> Result<Arc<Vec<ArticleId>>, WebError> {
    if let Some(ids) = state.search_hits.get(words) {
        return Ok(ids);
    }
    let query = SearchQuery {
        text: words.to_string(),
        sort: Sort::Newest,
        limit: SEARCH_HITS,
        ..SearchQuery::default()
    };
    let index = state.search.clone();
    let ids = tokio::task::spawn_blocking(move || index.hit_ids(&query))
        .await
        .map_err(|e| WebError::Unavailable(format!("search task failed: {e}")))?
        .map_err(|e| WebError::Unavailable(format!("search failed: {e}")))?;
    let ids = Arc::new(ids);
    state.search_hits.put(words, ids.clone());
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_words_match_whole_words_in_any_case() {
        let interests = Interests::new(vec![
            Interest {
                mode: Mode::Hide,
                target: Target::Keyword("Art".into()),
                label: "Art".into(),
            },
            Interest {
                mode: Mode::Hide,
                target: Target::Source("tabloid".into()),
                label: "Tabloid".into(),
            },
        ]);
        assert!(interests.hides("paper", "Modern ART fair opens"));
        assert!(interests.hides("paper", "art: a review"));
        assert!(!interests.hides("paper", "Smart phones get smarter"));
        assert!(!interests.hides("paper", "Artists strike"));
        assert!(interests.hides("tabloid", "Anything at all"));
        assert!(!Interests::default().hides("tabloid", "art"));
    }
}
