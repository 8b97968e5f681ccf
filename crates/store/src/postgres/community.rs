//! Accounts, sessions and comments in PostgreSQL.

use chrono::{DateTime, Utc};
use newsdesk_domain::{ArticleId, Comment, CommentId, Role, User, UserId};
use newsdesk_postgres::GenericClient;
use tokio_postgres::Row;

use super::rows::{all, each, first, get, int, ms, run, Params, R};
use crate::policy::{parse_role, role_name};
use crate::{CommentOnArticle, NewComment, StoreError};

pub(crate) const USER_COLS: &str = "id, username, role, created_at";
const COMMENT_COLS: &str = "c.id AS id, c.article_id AS article_id, c.user_id AS user_id, u.username AS username, \
     c.parent_id AS parent_id, c.body AS body, c.created_at AS created_at, c.edited_at AS edited_at, \
     c.deleted AS deleted, c.hidden AS hidden, c.reports AS reports";

pub(crate) fn user(row: &Row) -> R<User> {
    Ok(User {
        id: UserId(get(row, "id")?),
        username: get(row, "username")?,
        role: parse_role(get(row, "role")?),
        created_at: get(row, "created_at")?,
    })
}

fn comment(row: &Row) -> R<Comment> {
    Ok(Comment {
        id: CommentId(get(row, "id")?),
        article_id: ArticleId(get(row, "article_id")?),
        user_id: UserId(get(row, "user_id")?),
        username: get(row, "username")?,
        parent_id: get::<Option<i64>>(row, "parent_id")?.map(CommentId),
        body: get(row, "body")?,
        created_at: get(row, "created_at")?,
        edited_at: get(row, "edited_at")?,
        deleted: get(row, "deleted")?,
        hidden: get(row, "hidden")?,
        reports: get(row, "reports")?,
    })
}

/// Creates an account; a name taken in any letter case, even by a
/// concurrent call, is a conflict (the unique index on `lower(username)`).
pub(crate) async fn create_user(
    c: &impl GenericClient,
    username: &str,
    hash: &str,
    role: Role,
    at: DateTime<Utc>,
) -> R<User> {
    let sql = format!(
        "INSERT INTO users (username, password_hash, role, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING {USER_COLS}"
    );
    match first(c, "insert user", &sql, &[&username, &hash, &role_name(role), &ms(at)]).await? {
        Some(row) => user(&row),
        None => Err(StoreError::Conflict(format!("the username {username:?} is taken")).into()),
    }
}

pub(crate) async fn user_for_login(c: &impl GenericClient, username: &str) -> R<Option<(User, String)>> {
    let sql = format!("SELECT {USER_COLS}, password_hash FROM users WHERE lower(username) = lower($1)");
    first(c, "find user", &sql, &[&username])
        .await?
        .map(|r| Ok((user(&r)?, get(&r, "password_hash")?)))
        .transpose()
}

pub(crate) async fn create_session(
    c: &impl GenericClient,
    token_hash: &str,
    user: UserId,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> R<()> {
    run(
        c,
        "delete expired sessions",
        "DELETE FROM sessions WHERE expires_at <= $1",
        &[&ms(now)],
    )
    .await?;
    run(
        c,
        "insert session",
        "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
        &[&token_hash, &user.0, &ms(expires)],
    )
    .await?;
    Ok(())
}

pub(crate) async fn session_user(c: &impl GenericClient, token_hash: &str, now: DateTime<Utc>) -> R<Option<User>> {
    let sql = format!(
        "SELECT {USER_COLS} FROM users WHERE id = \
         (SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_at > $2)"
    );
    first(c, "find session", &sql, &[&token_hash, &ms(now)])
        .await?
        .as_ref()
        .map(user)
        .transpose()
}

pub(crate) async fn delete_session(c: &impl GenericClient, token_hash: &str) -> R<()> {
    run(
        c,
        "delete session",
        "DELETE FROM sessions WHERE token_hash = $1",
        &[&token_hash],
    )
    .await?;
    Ok(())
}

pub(crate) async fn add_comment(c: &impl GenericClient, new: &NewComment) -> R<Comment> {
    let article = first(
        c,
        "find article",
        "SELECT id FROM articles WHERE id = $1",
        &[&new.article_id.0],
    )
    .await?;
    if article.is_none() {
        return Err(StoreError::NotFound(format!("article {}", new.article_id.0)).into());
    }
    if let Some(parent) = new.parent_id {
        let row = first(
            c,
            "find parent comment",
            "SELECT article_id FROM comments WHERE id = $1",
            &[&parent.0],
        )
        .await?;
        let on: Option<i64> = row.map(|r| get(&r, "article_id")).transpose()?;
        if on != Some(new.article_id.0) {
            return Err(StoreError::Invalid(format!("comment {} is not on this article", parent.0)).into());
        }
    }
    let row = first(
        c,
        "insert comment",
        "INSERT INTO comments (article_id, user_id, parent_id, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        &[&new.article_id.0, &new.user_id.0, &new.parent_id.map(|p| p.0), &new.body, &ms(new.at)],
    )
    .await?
    .ok_or_else(|| StoreError::Database("comment insert returned nothing".into()))?;
    get_comment(c, CommentId(get(&row, "id")?))
        .await?
        .ok_or_else(|| StoreError::NotFound("the new comment".into()).into())
}

pub(crate) async fn get_comment(c: &impl GenericClient, id: CommentId) -> R<Option<Comment>> {
    let sql = format!("SELECT {COMMENT_COLS} FROM comments c JOIN users u ON u.id = c.user_id WHERE c.id = $1");
    first(c, "read comment", &sql, &[&id.0])
        .await?
        .as_ref()
        .map(comment)
        .transpose()
}

pub(crate) async fn of_article(c: &impl GenericClient, article: ArticleId) -> R<Vec<Comment>> {
    let sql = format!(
        "SELECT {COMMENT_COLS} FROM comments c JOIN users u ON u.id = c.user_id \
         WHERE c.article_id = $1 ORDER BY c.created_at, c.id"
    );
    each(&all(c, "list comments", &sql, &[&article.0]).await?, comment)
}

async fn with_titles(c: &impl GenericClient, filter: &str, args: Params<'_>) -> R<Vec<CommentOnArticle>> {
    let sql = format!(
        "SELECT {COMMENT_COLS}, a.title AS article_title FROM comments c JOIN users u ON u.id = c.user_id \
         JOIN articles a ON a.id = c.article_id WHERE {filter}"
    );
    let rows = all(c, "list comments with articles", &sql, args).await?;
    each(&rows, |r| {
        Ok(CommentOnArticle {
            comment: comment(r)?,
            article_title: get(r, "article_title")?,
        })
    })
}

pub(crate) async fn of_user(c: &impl GenericClient, user: UserId, limit: usize) -> R<Vec<CommentOnArticle>> {
    let filter = "c.user_id = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT $2";
    with_titles(c, filter, &[&user.0, &int(limit)]).await
}

pub(crate) async fn reported(c: &impl GenericClient, limit: usize) -> R<Vec<CommentOnArticle>> {
    with_titles(
        c,
        "c.reports > 0 ORDER BY c.reports DESC, c.id DESC LIMIT $1",
        &[&int(limit)],
    )
    .await
}

fn expect_one(changed: u64, id: CommentId) -> R<()> {
    match changed {
        0 => Err(StoreError::NotFound(format!("comment {}", id.0)).into()),
        _ => Ok(()),
    }
}

pub(crate) async fn edit(c: &impl GenericClient, id: CommentId, body: &str, at: DateTime<Utc>) -> R<()> {
    let n = run(
        c,
        "edit comment",
        "UPDATE comments SET body = $2, edited_at = $3 WHERE id = $1 AND NOT deleted",
        &[&id.0, &body, &ms(at)],
    )
    .await?;
    expect_one(n, id)
}

pub(crate) async fn delete(c: &impl GenericClient, id: CommentId) -> R<()> {
    let n = run(
        c,
        "delete comment",
        "UPDATE comments SET body = '', deleted = TRUE WHERE id = $1",
        &[&id.0],
    )
    .await?;
    expect_one(n, id)
}

/// Records a report; the same reader reporting twice counts once.
pub(crate) async fn report(
    c: &impl GenericClient,
    id: CommentId,
    by: UserId,
    reason: &str,
    at: DateTime<Utc>,
) -> R<()> {
    get_comment(c, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("comment {}", id.0)))?;
    let added = run(
        c,
        "insert report",
        "INSERT INTO comment_reports (comment_id, user_id, reason, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
        &[&id.0, &by.0, &reason, &ms(at)],
    )
    .await?;
    if added > 0 {
        run(
            c,
            "count report",
            "UPDATE comments SET reports = reports + 1 WHERE id = $1",
            &[&id.0],
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn set_hidden(c: &impl GenericClient, id: CommentId, hidden: bool) -> R<()> {
    let n = run(
        c,
        "hide comment",
        "UPDATE comments SET hidden = $2 WHERE id = $1",
        &[&id.0, &hidden],
    )
    .await?;
    expect_one(n, id)
}
