//! Each reader's own lists, shared by the "For you" page, its private feed
//! and the Google Reader API: what they follow, merged newest first, minus
//! what they hide.
//!
//! Every followed thing is one index walk in the store ([`Pick`]) or one
//! search, each cut at the window's size; the merge keeps the window's
//! first `limit`. So the cost grows with the number of follows, never with
//! the number of articles, and paging by cursor stays exact: the next page
//! starts after the last article this one considered, hidden or not.

use std::collections::HashSet;

use newsdesk_domain::{ArticleId, Interest, Mode, Target, UserId};
use newsdesk_search::{SearchQuery, Sort};
use newsdesk_store::{ArticleCard, Cursor, Listed, Pick, Reading, Window};

use crate::pages::blocking_reading;
use crate::{AppState, WebError};

/// Hits of a followed search considered per list: the search index's page limit.
const SEARCH_HITS: usize = newsdesk_search::MAX_LIMIT;

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

/// The articles of one followed or hidden-from-nothing target (a reading
/// app's single subscription), in the window's order.
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
    let mut all = blocking_reading(state, move |r| {
        let mut all = Vec::new();
        for (target, hits) in targets.iter().zip(&searched) {
            all.extend(pick_target(r, target, hits, &window)?);
        }
        Ok(all)
    })
    .await?;
    all.sort_by(|a, b| match window.oldest_first {
        true => a.cursor.cmp(&b.cursor),
        false => b.cursor.cmp(&a.cursor),
    });
    all.dedup_by_key(|l| l.card.id);
    all.truncate(window.limit);
    let next = (all.len() >= window.limit)
        .then(|| all.last().map(|l| l.cursor))
        .flatten();
    all.retain(|l| !interests.hides_card(&l.card));
    Ok(Page { items: all, next })
}

fn pick_target(
    r: &dyn Reading,
    target: &Target,
    hits: &[ArticleId],
    window: &Window,
) -> newsdesk_store::Result<Vec<Listed>> {
    match target {
        Target::Source(slug) => r.pick(Pick::Source(slug), window),
        Target::Section(section) => r.pick(Pick::Section(*section), window),
        Target::Entity(slug) => r.pick(Pick::Entity(slug), window),
        Target::Search(_) => r.pick(Pick::Ids(hits), window),
        Target::Keyword(_) => Ok(Vec::new()),
    }
}

/// The newest hits of each followed search (empty for other targets).
async fn search_hits(state: &AppState, targets: &[Target]) -> Result<Vec<Vec<ArticleId>>, WebError> {
    let mut out = Vec::with_capacity(targets.len());
    for target in targets {
        let hits = match target {
            Target::Search(words) => {
                let query = SearchQuery {
                    text: words.clone(),
                    sort: Sort::Newest,
                    limit: SEARCH_HITS,
                    ..SearchQuery::default()
                };
                let results = crate::pages::search::run(state, query).await?;
                results.hits.into_iter().map(|h| h.id).collect()
            }
            _ => Vec::new(),
        };
        out.push(hits);
    }
    Ok(out)
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
