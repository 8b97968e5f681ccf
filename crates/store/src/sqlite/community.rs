//! Accounts, sessions and comments in SQLite.

use chrono::{DateTime, Utc};
use newsdesk_domain::{ArticleId, Comment, CommentId, Role, User, UserId};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::rows::{millis, opt_time, sql_int, time, Ctx};
use crate::policy::{parse_role, role_name};
use crate::{CommentOnArticle, NewComment, Result, StoreError};

pub(crate) const USER_COLS: &str = "id, username, role, created_at";
const COMMENT_COLS: &str = "c.id, c.article_id, c.user_id, u.username, c.parent_id, c.body, c.created_at, \
     c.edited_at, c.deleted, c.hidden, c.reports";

pub(crate) fn user(row: &Row<'_>) -> rusqlite::Result<User> {
    let role = parse_role(&row.get::<_, String>("role")?);
    Ok(User {
        id: UserId(row.get("id")?),
        username: row.get("username")?,
        role,
        created_at: time(row, "created_at")?,
    })
}

fn comment(row: &Row<'_>) -> rusqlite::Result<Comment> {
    Ok(Comment {
        id: CommentId(row.get("id")?),
        article_id: ArticleId(row.get("article_id")?),
        user_id: UserId(row.get("user_id")?),
        username: row.get("username")?,
        parent_id: row.get::<_, Option<i64>>("parent_id")?.map(CommentId),
        body: row.get("body")?,
        created_at: time(row, "created_at")?,
        edited_at: opt_time(row, "edited_at")?,
        deleted: row.get("deleted")?,
        hidden: row.get("hidden")?,
        reports: row.get("reports")?,
    })
}

pub(crate) fn create_user(
    conn: &Connection,
    username: &str,
    hash: &str,
    role: Role,
    at: DateTime<Utc>,
) -> Result<User> {
    let taken: bool = conn
        .query_row(
            "SELECT EXISTS(SELECT 1 FROM users WHERE username = ?1)",
            [username],
            |r| r.get(0),
        )
        .ctx("check username")?;
    if taken {
        return Err(StoreError::Conflict(format!("the username {username:?} is taken")));
    }
    let role = role_name(role);
    conn.execute(
        "INSERT INTO users (username, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![username, hash, role, millis(at)],
    )
    .ctx("insert user")?;
    let id = conn.last_insert_rowid();
    conn.query_row(&format!("SELECT {USER_COLS} FROM users WHERE id = ?1"), [id], user)
        .ctx("read new user")
}

pub(crate) fn user_for_login(conn: &Connection, username: &str) -> Result<Option<(User, String)>> {
    let sql = format!("SELECT {USER_COLS}, password_hash FROM users WHERE username = ?1");
    conn.query_row(&sql, [username], |r| Ok((user(r)?, r.get("password_hash")?)))
        .optional()
        .ctx("find user")
}

pub(crate) fn create_session(
    conn: &Connection,
    token_hash: &str,
    user: UserId,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> Result<()> {
    conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [millis(now)])
        .ctx("delete expired sessions")?;
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
        params![token_hash, user.0, millis(expires)],
    )
    .ctx("insert session")?;
    Ok(())
}

pub(crate) fn session_user(conn: &Connection, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>> {
    let sql = format!(
        "SELECT {USER_COLS} FROM users WHERE id = \
         (SELECT user_id FROM sessions WHERE token_hash = ?1 AND expires_at > ?2)"
    );
    conn.query_row(&sql, params![token_hash, millis(now)], user)
        .optional()
        .ctx("find session")
}

pub(crate) fn delete_session(conn: &Connection, token_hash: &str) -> Result<()> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])
        .ctx("delete session")?;
    Ok(())
}

pub(crate) fn add_comment(conn: &Connection, c: &NewComment) -> Result<Comment> {
    let article_exists: bool = conn
        .query_row(
            "SELECT EXISTS(SELECT 1 FROM articles WHERE id = ?1)",
            [c.article_id.0],
            |r| r.get(0),
        )
        .ctx("find article")?;
    if !article_exists {
        return Err(StoreError::NotFound(format!("article {}", c.article_id.0)));
    }
    if let Some(parent) = c.parent_id {
        let article: Option<i64> = conn
            .query_row("SELECT article_id FROM comments WHERE id = ?1", [parent.0], |r| {
                r.get(0)
            })
            .optional()
            .ctx("find parent comment")?;
        if article != Some(c.article_id.0) {
            return Err(StoreError::Invalid(format!(
                "comment {} is not on this article",
                parent.0
            )));
        }
    }
    conn.execute(
        "INSERT INTO comments (article_id, user_id, parent_id, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            c.article_id.0,
            c.user_id.0,
            c.parent_id.map(|p| p.0),
            c.body,
            millis(c.at)
        ],
    )
    .ctx("insert comment")?;
    get_comment(conn, CommentId(conn.last_insert_rowid()))?
        .ok_or_else(|| StoreError::NotFound("the new comment".into()))
}

pub(crate) fn get_comment(conn: &Connection, id: CommentId) -> Result<Option<Comment>> {
    let sql = format!("SELECT {COMMENT_COLS} FROM comments c JOIN users u ON u.id = c.user_id WHERE c.id = ?1");
    conn.query_row(&sql, [id.0], comment).optional().ctx("read comment")
}

pub(crate) fn of_article(conn: &Connection, article: ArticleId) -> Result<Vec<Comment>> {
    let sql = format!(
        "SELECT {COMMENT_COLS} FROM comments c JOIN users u ON u.id = c.user_id \
         WHERE c.article_id = ?1 ORDER BY c.created_at, c.id"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut st| st.query_map([article.0], comment)?.collect())
        .ctx("list comments")
}

fn with_titles(conn: &Connection, filter: &str, arg: i64, limit: usize) -> Result<Vec<CommentOnArticle>> {
    let sql = format!(
        "SELECT {COMMENT_COLS}, a.title AS article_title FROM comments c JOIN users u ON u.id = c.user_id \
         JOIN articles a ON a.id = c.article_id WHERE {filter} LIMIT ?2"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_map(params![arg, sql_int(limit)], |r| {
                Ok(CommentOnArticle {
                    comment: comment(r)?,
                    article_title: r.get("article_title")?,
                })
            })?
            .collect()
        })
        .ctx("list comments with articles")
}

pub(crate) fn of_user(conn: &Connection, user: UserId, limit: usize) -> Result<Vec<CommentOnArticle>> {
    with_titles(
        conn,
        "c.user_id = ?1 ORDER BY c.created_at DESC, c.id DESC",
        user.0,
        limit,
    )
}

pub(crate) fn reported(conn: &Connection, limit: usize) -> Result<Vec<CommentOnArticle>> {
    with_titles(conn, "c.reports > ?1 ORDER BY c.reports DESC, c.id DESC", 0, limit)
}

/// Fails with `NotFound` when `changed` rows is zero.
fn expect_one(changed: usize, id: CommentId) -> Result<()> {
    if changed == 0 {
        return Err(StoreError::NotFound(format!("comment {}", id.0)));
    }
    Ok(())
}

pub(crate) fn edit(conn: &Connection, id: CommentId, body: &str, at: DateTime<Utc>) -> Result<()> {
    let n = conn
        .execute(
            "UPDATE comments SET body = ?2, edited_at = ?3 WHERE id = ?1 AND deleted = 0",
            params![id.0, body, millis(at)],
        )
        .ctx("edit comment")?;
    expect_one(n, id)
}

pub(crate) fn delete(conn: &Connection, id: CommentId) -> Result<()> {
    let n = conn
        .execute("UPDATE comments SET body = '', deleted = 1 WHERE id = ?1", [id.0])
        .ctx("delete comment")?;
    expect_one(n, id)
}

pub(crate) fn report(conn: &Connection, id: CommentId, by: UserId, reason: &str, at: DateTime<Utc>) -> Result<()> {
    get_comment(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("comment {}", id.0)))?;
    let added = conn
        .execute(
            "INSERT OR IGNORE INTO comment_reports (comment_id, user_id, reason, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![id.0, by.0, reason, millis(at)],
        )
        .ctx("insert report")?;
    if added > 0 {
        conn.execute("UPDATE comments SET reports = reports + 1 WHERE id = ?1", [id.0])
            .ctx("count report")?;
    }
    Ok(())
}

pub(crate) fn set_hidden(conn: &Connection, id: CommentId, hidden: bool) -> Result<()> {
    let n = conn
        .execute("UPDATE comments SET hidden = ?2 WHERE id = ?1", params![id.0, hidden])
        .ctx("hide comment")?;
    expect_one(n, id)
}
