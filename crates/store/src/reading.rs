//! Each reader's own newsdesk: what they follow and hide, what they saved
//! and read, the app passwords their reading apps sign in with, and the
//! private token of their "For you" feed.
//!
//! A third trait beside [`crate::Store`] and [`crate::Community`]: the
//! rows are per reader and die with the account ([`Reading::delete_user`]).
//! Lists drawn from them ([`Reading::pick`]) page by a cursor on the
//! listing order, not by offset, so a reading app that pages while new
//! articles arrive neither skips nor repeats one.

use chrono::{DateTime, Utc};
use newsdesk_domain::{ArticleId, Interest, Mode, Section, StoryId, Target, User, UserId};

use crate::{ArticleCard, Result};

/// Where a personal list draws its articles from.
#[derive(Debug, Clone, Copy)]
pub enum Pick<'a> {
    /// One publisher's, by slug.
    Source(&'a str),
    /// One section's.
    Section(Section),
    /// Those naming one entity, by slug.
    Entity(&'a str),
    /// One reader's saved articles.
    Saved(UserId),
    /// These articles (a saved search's hits).
    Ids(&'a [ArticleId]),
}

/// A position in the listing order (newest first: `sort_at`, then id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    /// The listing time of the last article seen.
    pub sort_at: DateTime<Utc>,
    /// Its id, which breaks ties.
    pub id: ArticleId,
}

/// Which part of a picked list to read.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Start after this position (exclusive), in the window's order.
    pub after: Option<Cursor>,
    /// Oldest first instead of newest first.
    pub oldest_first: bool,
    /// Only articles listed at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only articles listed before this time.
    pub until: Option<DateTime<Utc>>,
    /// At most this many.
    pub limit: usize,
}

impl Window {
    /// The newest `limit` articles.
    pub fn newest(limit: usize) -> Window {
        Window {
            after: None,
            oldest_first: false,
            since: None,
            until: None,
            limit,
        }
    }
}

/// An article as a personal list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    /// The card, as other lists show it.
    pub card: ArticleCard,
    /// Its place in the listing order.
    pub cursor: Cursor,
    /// Its story, once clustered.
    pub story: Option<StoryId>,
    /// Its section, once analysed.
    pub section: Option<Section>,
}

/// A reader's marks on one article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marks {
    /// The article.
    pub article: ArticleId,
    /// Marked read.
    pub read: bool,
    /// Saved.
    pub saved: bool,
}

/// A password a reader made for one reading app.
#[derive(Debug, Clone, PartialEq)]
pub struct AppPassword {
    /// Row id.
    pub id: i64,
    /// Whose.
    pub user_id: UserId,
    /// The name the reader gave it ("Reeder on my phone").
    pub name: String,
    /// SHA-256 of the secret: the secret is random and shown once, so a
    /// fast hash suffices where a chosen password would need argon2.
    pub secret_hash: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// Each reader's follows, hides, saves, read marks and app passwords.
/// Like [`crate::Store`], safe to share across threads, every method atomic.
pub trait Reading: Send + Sync {
    /// Follows or hides `target` (`on`), or stops (`!on`); doing it twice is
    /// doing it once. Following a thing stops hiding it, and the reverse.
    fn set_interest(&self, user: UserId, interest: &Interest, on: bool, at: DateTime<Utc>) -> Result<()>;
    /// Everything the reader follows and hides, oldest first.
    fn interests(&self, user: UserId) -> Result<Vec<Interest>>;

    /// Listed articles drawn from `pick`, in the window's order.
    fn pick(&self, pick: Pick<'_>, window: &Window) -> Result<Vec<Listed>>;
    /// Only the positions of what [`Reading::pick`] would list: one index
    /// walk, no article read, for merging many picks before reading any.
    fn keys(&self, pick: Pick<'_>, window: &Window) -> Result<Vec<Cursor>>;

    /// The reader's marks on each of `articles` (unmarked ones included).
    fn marks(&self, user: UserId, articles: &[ArticleId]) -> Result<Vec<Marks>>;
    /// Marks articles read or unread; unknown ids are skipped. Returns how many changed.
    fn set_read(&self, user: UserId, articles: &[ArticleId], read: bool, at: DateTime<Utc>) -> Result<usize>;
    /// Saves an article or drops it from the saved list; the article must exist.
    fn set_saved(&self, user: UserId, article: ArticleId, saved: bool, at: DateTime<Utc>) -> Result<()>;

    /// Records an app password by the hash of its secret.
    fn create_app_password(
        &self,
        user: UserId,
        name: &str,
        secret_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<AppPassword>;
    /// The reader's app passwords, oldest first.
    fn app_passwords(&self, user: UserId) -> Result<Vec<AppPassword>>;
    /// Revokes one of the reader's app passwords; false if it was not theirs.
    fn delete_app_password(&self, user: UserId, id: i64) -> Result<bool>;
    /// The app password with this secret hash, and its reader.
    fn app_password_by_secret(&self, secret_hash: &str) -> Result<Option<(AppPassword, User)>>;
    /// An app password by id, and its reader.
    fn app_password(&self, id: i64) -> Result<Option<(AppPassword, User)>>;

    /// The private token of the reader's "For you" feed, made on first use.
    fn feed_token(&self, user: UserId, fresh: &str) -> Result<String>;
    /// The reader whose "For you" feed token this is.
    fn user_by_feed_token(&self, token: &str) -> Result<Option<User>>;

    /// Deletes an account: its sessions, follows, hides, saves, read marks
    /// and app passwords go; its comments become "[deleted]" and stay in
    /// place so replies keep their thread; the name is freed.
    fn delete_user(&self, user: UserId) -> Result<()>;
}

/// Stored spelling of a mode.
pub(crate) fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Follow => "follow",
        Mode::Hide => "hide",
    }
}

/// Rebuilds a stored interest; `None` for a row this build cannot read.
pub(crate) fn interest_from_row(mode: &str, kind: &str, key: &str, label: String) -> Option<Interest> {
    let mode = match mode {
        "follow" => Mode::Follow,
        "hide" => Mode::Hide,
        _ => return None,
    };
    Some(Interest {
        mode,
        target: Target::from_parts(kind, key)?,
        label,
    })
}

/// The longest key or label kept: a saved search or keyword is a few words.
pub(crate) const MAX_INTEREST_TEXT: usize = 200;

/// Refuses empty or oversized keys and labels before they reach the database.
pub(crate) fn check_interest(interest: &Interest) -> Result<()> {
    let key = interest.target.key();
    let bad = |s: &str| s.trim().is_empty() || s.chars().count() > MAX_INTEREST_TEXT;
    if bad(key) || interest.label.chars().count() > MAX_INTEREST_TEXT {
        return Err(crate::StoreError::Invalid(format!(
            "a followed or hidden {} needs 1 to {MAX_INTEREST_TEXT} characters",
            interest.target.kind()
        )));
    }
    Ok(())
}

/// Follows and hides one reader may keep: each follow costs every view of
/// their "For you" an index walk, so the list is bounded.
pub const MAX_INTERESTS: i64 = 500;
/// App passwords one reader may keep.
pub const MAX_APP_PASSWORDS: i64 = 50;

/// Refuses a reader's new row once they hold `limit` of that kind.
pub(crate) fn check_room(held: i64, limit: i64, what: &str) -> Result<()> {
    match held < limit {
        true => Ok(()),
        false => Err(crate::StoreError::Invalid(format!("at most {limit} {what} per reader"))),
    }
}

/// Ids passed to one statement at most: bounds a reading app's batch.
pub(crate) const MAX_IDS: usize = 10_000;
