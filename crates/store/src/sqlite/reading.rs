//! Each reader's follows, saves, read marks and app passwords in SQLite.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use newsdesk_domain::{ArticleId, Interest, Section, StoryId, User, UserId};
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row, ToSql};

use super::community::{user, USER_COLS};
use super::rows::{self, millis, sql_int, time, Ctx, CARD_COLS};
use crate::reading::{check_interest, check_room, interest_from_row, mode_name, MAX_IDS};
use crate::{AppPassword, Cursor, Listed, Marks, Pick, Result, StoreError, Window};
use crate::{MAX_APP_PASSWORDS, MAX_INTERESTS};

pub(crate) fn set_interest(
    conn: &Connection,
    user: UserId,
    interest: &Interest,
    on: bool,
    at: DateTime<Utc>,
) -> Result<()> {
    check_interest(interest)?;
    let (kind, key) = (interest.target.kind(), interest.target.key());
    let mode = mode_name(interest.mode);
    if on {
        let (held, exists): (i64, bool) = conn
            .query_row(
                "SELECT count(*), coalesce(sum(kind = ?2 AND key = ?3), 0) > 0 FROM interests WHERE user_id = ?1",
                params![user.0, kind, key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ctx("count interests")?;
        if !exists {
            check_room(held, MAX_INTERESTS, "follows and hides")?;
        }
        conn.execute(
            "INSERT INTO interests (user_id, mode, kind, key, label, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (user_id, kind, key) DO UPDATE SET mode = excluded.mode, label = excluded.label",
            params![user.0, mode, kind, key, interest.label, millis(at)],
        )
        .ctx("follow or hide")?;
    } else {
        conn.execute(
            "DELETE FROM interests WHERE user_id = ?1 AND kind = ?2 AND key = ?3 AND mode = ?4",
            params![user.0, kind, key, mode],
        )
        .ctx("unfollow or unhide")?;
    }
    Ok(())
}

pub(crate) fn interests(conn: &Connection, user: UserId) -> Result<Vec<Interest>> {
    let rows: Vec<(String, String, String, String)> = conn
        .prepare_cached(
            "SELECT mode, kind, key, label FROM interests WHERE user_id = ?1 ORDER BY created_at, kind, key",
        )
        .and_then(|mut st| {
            st.query_map([user.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect()
        })
        .ctx("list interests")?;
    Ok(rows
        .into_iter()
        .filter_map(|(mode, kind, key, label)| interest_from_row(&mode, &kind, &key, label))
        .collect())
}

/// Where a pick's articles come from: the rows and filter (`:key`), and
/// the columns holding each one's listing time and id. Each is an index
/// walk that reads no article row: the listed-article predicates match the
/// partial indexes' WHERE clauses, and an entity's links carry the time.
struct Rows {
    from_where: &'static str,
    at: &'static str,
    id: &'static str,
}

fn pick_rows(pick: Pick<'_>) -> Result<(Rows, Value)> {
    let articles = |from_where| Rows {
        from_where,
        at: "a.sort_at",
        id: "a.id",
    };
    Ok(match pick {
        Pick::Source(slug) => (
            articles(
                "articles a WHERE a.status <> 'pending' AND a.source_id = (SELECT id FROM sources WHERE slug = :key)",
            ),
            Value::Text(slug.to_owned()),
        ),
        Pick::Section(section) => (
            articles("articles a WHERE a.status <> 'pending' AND a.section IS NOT NULL AND a.section = :key"),
            Value::Text(section.as_str().to_owned()),
        ),
        Pick::Entity(slug) => (
            Rows {
                from_where: "article_entities ae WHERE ae.entity_id = (SELECT id FROM entities WHERE slug = :key)",
                at: "ae.sort_at",
                id: "ae.article_id",
            },
            Value::Text(slug.to_owned()),
        ),
        Pick::Saved(user) => (
            articles("saved sv JOIN articles a ON a.id = sv.article_id WHERE sv.user_id = :key"),
            Value::Integer(user.0),
        ),
        Pick::Ids(ids) => (
            articles("articles a WHERE a.status <> 'pending' AND a.id IN (SELECT value FROM json_each(:key))"),
            Value::Text(id_array(ids)?),
        ),
    })
}

/// Ids as a JSON array, for `json_each`: one bound value whatever the count.
fn id_array(ids: &[ArticleId]) -> Result<String> {
    if ids.len() > MAX_IDS {
        return Err(StoreError::Invalid(format!("at most {MAX_IDS} articles at once")));
    }
    let ids: Vec<String> = ids.iter().map(|id| id.0.to_string()).collect();
    Ok(format!("[{}]", ids.join(",")))
}

pub(crate) fn keys(conn: &Connection, pick: Pick<'_>, window: &Window) -> Result<Vec<Cursor>> {
    let (Rows { from_where, at, id }, key) = pick_rows(pick)?;
    let mut sql = format!("SELECT {at} AS sort_at, {id} AS id FROM {from_where}");
    let mut args: Vec<(&str, Value)> = vec![(":key", key), (":limit", Value::Integer(sql_int(window.limit)))];
    if let Some(since) = window.since {
        sql.push_str(&format!(" AND {at} >= :since"));
        args.push((":since", Value::Integer(millis(since))));
    }
    if let Some(until) = window.until {
        sql.push_str(&format!(" AND {at} < :until"));
        args.push((":until", Value::Integer(millis(until))));
    }
    let (dir, past) = if window.oldest_first {
        ("ASC", ">")
    } else {
        ("DESC", "<")
    };
    if let Some(after) = window.after {
        sql.push_str(&format!(" AND ({at}, {id}) {past} (:after_at, :after_id)"));
        args.push((":after_at", Value::Integer(millis(after.sort_at))));
        args.push((":after_id", Value::Integer(after.id.0)));
    }
    sql.push_str(&format!(" ORDER BY {at} {dir}, {id} {dir} LIMIT :limit"));
    let named: Vec<(&str, &dyn ToSql)> = args.iter().map(|(n, v)| (*n, v as &dyn ToSql)).collect();
    conn.prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_map(named.as_slice(), |r| {
                Ok(Cursor {
                    sort_at: time(r, "sort_at")?,
                    id: ArticleId(r.get("id")?),
                })
            })?
            .collect()
        })
        .ctx("pick articles")
}

pub(crate) fn pick(conn: &Connection, pick: Pick<'_>, window: &Window) -> Result<Vec<Listed>> {
    let keys = keys(conn, pick, window)?;
    let ids: Vec<ArticleId> = keys.iter().map(|k| k.id).collect();
    let sql = format!(
        "SELECT {CARD_COLS}, a.sort_at AS sort_at, a.story_id AS story_id, a.section AS section
         FROM articles a JOIN sources s ON s.id = a.source_id WHERE a.id IN (SELECT value FROM json_each(?1))"
    );
    let mut cards: Vec<Listed> = conn
        .prepare_cached(&sql)
        .and_then(|mut st| st.query_map([id_array(&ids).map_err(to_sql_error)?], listed)?.collect())
        .ctx("read picked articles")?;
    let rank: HashMap<ArticleId, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    cards.sort_by_key(|l| rank.get(&l.card.id).copied());
    Ok(cards)
}

fn listed(row: &Row<'_>) -> rusqlite::Result<Listed> {
    let card = rows::card(row)?;
    let section: Option<String> = row.get("section")?;
    Ok(Listed {
        cursor: Cursor {
            sort_at: time(row, "sort_at")?,
            id: card.id,
        },
        story: row.get::<_, Option<i64>>("story_id")?.map(StoryId),
        section: section.as_deref().and_then(Section::from_slug),
        card,
    })
}

pub(crate) fn marks(conn: &Connection, user: UserId, articles: &[ArticleId]) -> Result<Vec<Marks>> {
    conn.prepare_cached(
        "SELECT j.value AS id,
                EXISTS(SELECT 1 FROM read_marks WHERE user_id = ?1 AND article_id = j.value) AS read,
                EXISTS(SELECT 1 FROM saved WHERE user_id = ?1 AND article_id = j.value) AS saved
         FROM json_each(?2) j",
    )
    .and_then(|mut st| {
        st.query_map(params![user.0, id_array(articles).map_err(to_sql_error)?], |r| {
            Ok(Marks {
                article: ArticleId(r.get("id")?),
                read: r.get("read")?,
                saved: r.get("saved")?,
            })
        })?
        .collect()
    })
    .ctx("read marks")
}

fn to_sql_error(e: StoreError) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}

pub(crate) fn set_read(
    conn: &Connection,
    user: UserId,
    articles: &[ArticleId],
    read: bool,
    at: DateTime<Utc>,
) -> Result<usize> {
    let ids = id_array(articles)?;
    let changed = if read {
        conn.execute(
            "INSERT INTO read_marks (user_id, article_id, read_at)
             SELECT ?1, a.id, ?3 FROM articles a WHERE a.id IN (SELECT value FROM json_each(?2))
             ON CONFLICT DO NOTHING",
            params![user.0, ids, millis(at)],
        )
    } else {
        conn.execute(
            "DELETE FROM read_marks WHERE user_id = ?1 AND article_id IN (SELECT value FROM json_each(?2))",
            params![user.0, ids],
        )
    };
    changed.ctx("mark read")
}

pub(crate) fn set_saved(
    conn: &Connection,
    user: UserId,
    article: ArticleId,
    saved: bool,
    at: DateTime<Utc>,
) -> Result<()> {
    if !saved {
        conn.execute(
            "DELETE FROM saved WHERE user_id = ?1 AND article_id = ?2",
            params![user.0, article.0],
        )
        .ctx("unsave")?;
        return Ok(());
    }
    let n = conn
        .execute(
            "INSERT INTO saved (user_id, article_id, saved_at) SELECT ?1, id, ?3 FROM articles WHERE id = ?2
             ON CONFLICT DO NOTHING",
            params![user.0, article.0, millis(at)],
        )
        .ctx("save")?;
    let exists = n > 0
        || conn
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM articles WHERE id = ?1)",
                [article.0],
                |r| r.get(0),
            )
            .ctx("find article")?;
    match exists {
        true => Ok(()),
        false => Err(StoreError::NotFound(format!("article {}", article.0))),
    }
}

const APP_PASSWORD_COLS: &str = "p.id AS p_id, p.user_id AS p_user_id, p.name AS p_name, \
     p.secret_hash AS p_secret_hash, p.created_at AS p_created_at";

fn app_password(row: &Row<'_>) -> rusqlite::Result<AppPassword> {
    Ok(AppPassword {
        id: row.get("p_id")?,
        user_id: UserId(row.get("p_user_id")?),
        name: row.get("p_name")?,
        secret_hash: row.get("p_secret_hash")?,
        created_at: time(row, "p_created_at")?,
    })
}

pub(crate) fn create_app_password(
    conn: &Connection,
    user: UserId,
    name: &str,
    secret_hash: &str,
    at: DateTime<Utc>,
) -> Result<AppPassword> {
    let held: i64 = conn
        .query_row("SELECT count(*) FROM app_passwords WHERE user_id = ?1", [user.0], |r| {
            r.get(0)
        })
        .ctx("count app passwords")?;
    check_room(held, MAX_APP_PASSWORDS, "app passwords")?;
    conn.execute(
        "INSERT INTO app_passwords (user_id, name, secret_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![user.0, name, secret_hash, millis(at)],
    )
    .ctx("create app password")?;
    let id = conn.last_insert_rowid();
    let sql = format!("SELECT {APP_PASSWORD_COLS} FROM app_passwords p WHERE p.id = ?1");
    conn.query_row(&sql, [id], app_password).ctx("read app password")
}

pub(crate) fn app_passwords(conn: &Connection, user: UserId) -> Result<Vec<AppPassword>> {
    let sql = format!("SELECT {APP_PASSWORD_COLS} FROM app_passwords p WHERE p.user_id = ?1 ORDER BY p.id");
    conn.prepare_cached(&sql)
        .and_then(|mut st| st.query_map([user.0], app_password)?.collect())
        .ctx("list app passwords")
}

pub(crate) fn delete_app_password(conn: &Connection, user: UserId, id: i64) -> Result<bool> {
    conn.execute(
        "DELETE FROM app_passwords WHERE id = ?1 AND user_id = ?2",
        params![id, user.0],
    )
    .map(|n| n > 0)
    .ctx("delete app password")
}

/// An app password and its reader, found by `column`.
fn app_password_where(conn: &Connection, column: &str, value: &dyn ToSql) -> Result<Option<(AppPassword, User)>> {
    let sql = format!(
        "SELECT {APP_PASSWORD_COLS}, {} FROM app_passwords p JOIN users u ON u.id = p.user_id WHERE p.{column} = ?1",
        user_cols_of("u")
    );
    conn.prepare_cached(&sql)
        .and_then(|mut st| st.query_row([value], |r| Ok((app_password(r)?, user(r)?))).optional())
        .ctx("find app password")
}

fn user_cols_of(table: &str) -> String {
    USER_COLS
        .split(", ")
        .map(|c| format!("{table}.{c} AS {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn app_password_by_secret(conn: &Connection, secret_hash: &str) -> Result<Option<(AppPassword, User)>> {
    app_password_where(conn, "secret_hash", &secret_hash)
}

pub(crate) fn app_password_by_id(conn: &Connection, id: i64) -> Result<Option<(AppPassword, User)>> {
    app_password_where(conn, "id", &id)
}

/// The token, if made: read first, so showing it takes no write lock.
pub(crate) fn existing_feed_token(conn: &Connection, user: UserId) -> Result<Option<String>> {
    conn.query_row("SELECT feed_token FROM users WHERE id = ?1", [user.0], |r| r.get(0))
        .optional()
        .ctx("read feed token")
        .map(Option::flatten)
}

pub(crate) fn feed_token(conn: &Connection, user: UserId, fresh: &str) -> Result<String> {
    conn.execute(
        "UPDATE users SET feed_token = coalesce(feed_token, ?2) WHERE id = ?1",
        params![user.0, fresh],
    )
    .ctx("make feed token")?;
    conn.query_row("SELECT feed_token FROM users WHERE id = ?1", [user.0], |r| r.get(0))
        .optional()
        .ctx("read feed token")?
        .ok_or_else(|| StoreError::NotFound(format!("user {}", user.0)))
}

pub(crate) fn user_by_feed_token(conn: &Connection, token: &str) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE feed_token = ?1");
    conn.query_row(&sql, [token], user).optional().ctx("find feed token")
}

pub(crate) fn delete_user(conn: &Connection, user: UserId) -> Result<()> {
    let uid = user.0;
    conn.execute("UPDATE comments SET body = '', deleted = 1 WHERE user_id = ?1", [uid])
        .ctx("erase comments")?;
    for table in ["sessions", "interests", "saved", "read_marks", "app_passwords"] {
        conn.execute(&format!("DELETE FROM {table} WHERE user_id = ?1"), [uid])
            .ctx(&format!("delete {table}"))?;
    }
    // The row stays as a tombstone that comments still point at; its name
    // cannot be typed at registration, so the old one is free again.
    let n = conn
        .execute(
            "UPDATE users SET username = '[deleted ' || id || ']', password_hash = '', role = 'reader',
                 feed_token = NULL
             WHERE id = ?1 AND password_hash <> ''",
            [uid],
        )
        .ctx("delete account")?;
    match n {
        0 => Err(StoreError::NotFound(format!("user {uid}"))),
        _ => Ok(()),
    }
}
