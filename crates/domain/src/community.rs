//! Readers' accounts and comments.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ArticleId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UserId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CommentId(pub i64);

/// What an account may do beyond reading and commenting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Reader,
    /// Hides reported comments.
    Moderator,
    /// Moderates and manages feeds.
    Admin,
}

impl Role {
    pub fn can_moderate(self) -> bool {
        matches!(self, Role::Moderator | Role::Admin)
    }

    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub id: CommentId,
    pub article_id: ArticleId,
    pub user_id: UserId,
    pub username: String,
    /// The comment this one replies to.
    pub parent_id: Option<CommentId>,
    /// Plain text as typed; escaped wherever it is shown. Empty once deleted.
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    /// Deleted by its author: kept as a placeholder so replies keep their thread.
    pub deleted: bool,
    /// Hidden by a moderator.
    pub hidden: bool,
    /// How many readers reported it.
    pub reports: i64,
}
