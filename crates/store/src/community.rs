//! Accounts, sessions and comments: the readers' side of the store.
//!
//! Kept apart from [`crate::Store`] (the pipeline's data) so each trait
//! stays readable; [`crate::SqliteStore`] implements both.

use chrono::{DateTime, Utc};
use newsdesk_domain::{ArticleId, Comment, CommentId, Role, User, UserId};

use crate::Result;

/// A comment as submitted.
#[derive(Debug, Clone, PartialEq)]
pub struct NewComment {
    /// The article commented on.
    pub article_id: ArticleId,
    /// The author.
    pub user_id: UserId,
    /// The comment replied to, for a reply.
    pub parent_id: Option<CommentId>,
    /// Plain text as typed.
    pub body: String,
    /// When it was posted.
    pub at: DateTime<Utc>,
}

/// A comment with the headline of the article it is on, for "my comments".
#[derive(Debug, Clone, PartialEq)]
pub struct CommentOnArticle {
    /// The comment.
    pub comment: Comment,
    /// Headline of the article it is on.
    pub article_title: String,
}

/// Readers' accounts, login sessions, comments and reports. Like [`crate::Store`],
/// safe to share across threads, with every method atomic.
pub trait Community: Send + Sync {
    /// Creates an account with `role`. A taken username (case-insensitively)
    /// is `StoreError::Conflict`.
    fn create_user(&self, username: &str, password_hash: &str, role: Role, at: DateTime<Utc>) -> Result<User>;
    /// The account and its password hash, for checking a login.
    fn user_for_login(&self, username: &str) -> Result<Option<(User, String)>>;

    /// Stores a session under the hash of its token (the token itself lives
    /// only in the reader's cookie), and deletes every session expired by
    /// `now`, so they never pile up.
    fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;
    /// The session's user, if the session exists and has not expired.
    fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>>;
    /// Ends a session (logout); an unknown hash is not an error.
    fn delete_session(&self, token_hash: &str) -> Result<()>;

    /// Adds a comment; the article must exist (`StoreError::NotFound`
    /// otherwise) and a reply's parent must be on it (`StoreError::Invalid`).
    fn add_comment(&self, comment: &NewComment) -> Result<Comment>;
    /// A comment by id, deleted or hidden ones included.
    fn comment(&self, id: CommentId) -> Result<Option<Comment>>;
    /// Every comment on an article, oldest first (threads are built by the caller).
    fn comments_of_article(&self, article: ArticleId) -> Result<Vec<Comment>>;
    /// A user's comments, newest first.
    fn comments_of_user(&self, user: UserId, limit: usize) -> Result<Vec<CommentOnArticle>>;
    /// Replaces a comment's body and records when; a deleted comment cannot be
    /// edited (`StoreError::NotFound`).
    fn edit_comment(&self, id: CommentId, body: &str, at: DateTime<Utc>) -> Result<()>;
    /// Soft delete: the body is erased, the row stays so replies keep their place.
    fn delete_comment(&self, id: CommentId) -> Result<()>;
    /// Records a report; reporting the same comment twice counts once.
    fn report_comment(&self, id: CommentId, reporter: UserId, reason: &str, at: DateTime<Utc>) -> Result<()>;
    /// Hides a comment from readers, or shows it again (moderation).
    fn set_comment_hidden(&self, id: CommentId, hidden: bool) -> Result<()>;
    /// Reported comments, most reported first.
    fn reported_comments(&self, limit: usize) -> Result<Vec<CommentOnArticle>>;
}
