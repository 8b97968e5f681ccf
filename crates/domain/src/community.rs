//! Readers' accounts and comments.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ArticleId;

/// Row id of a reader's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UserId(pub i64);

/// Row id of a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CommentId(pub i64);

/// What an account may do beyond reading and commenting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads and comments.
    Reader,
    /// Hides reported comments.
    Moderator,
    /// Moderates and manages feeds.
    Admin,
}

impl Role {
    /// Whether the account may hide reported comments.
    pub fn can_moderate(self) -> bool {
        matches!(self, Role::Moderator | Role::Admin)
    }

    /// Whether the account may also manage feeds.
    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

/// A reader's account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Row id.
    pub id: UserId,
    /// Login and display name; unique regardless of case.
    pub username: String,
    /// What the account may do beyond reading and commenting.
    pub role: Role,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// A reader's comment on an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    /// Row id.
    pub id: CommentId,
    /// The article it is on.
    pub article_id: ArticleId,
    /// Its author.
    pub user_id: UserId,
    /// The author's username, for display.
    pub username: String,
    /// The comment this one replies to.
    pub parent_id: Option<CommentId>,
    /// Plain text as typed; escaped wherever it is shown. Empty once deleted.
    pub body: String,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
    /// When its author last edited it.
    pub edited_at: Option<DateTime<Utc>>,
    /// Deleted by its author: kept as a placeholder so replies keep their thread.
    pub deleted: bool,
    /// Hidden by a moderator.
    pub hidden: bool,
    /// How many readers reported it.
    pub reports: i64,
}
