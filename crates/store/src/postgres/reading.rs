//! Each reader's follows, saves, read marks and app passwords in PostgreSQL.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use newsdesk_domain::{ArticleId, Interest, Section, StoryId, User, UserId};
use newsdesk_postgres::{GenericClient, ToSql};
use tokio_postgres::Row;

use super::community::{user, USER_COLS};
use super::rows::{self, all, each, first, get, int, ms, run, CARD_COLS, R};
use crate::reading::{check_interest, check_room, interest_from_row, mode_name, MAX_IDS};
use crate::{AppPassword, Cursor, Listed, Marks, Pick, StoreError, Window};
use crate::{MAX_APP_PASSWORDS, MAX_INTERESTS};

type Arg = Box<dyn ToSql + Sync + Send>;

pub(crate) async fn set_interest(
    c: &impl GenericClient,
    user: UserId,
    interest: &Interest,
    on: bool,
    at: DateTime<Utc>,
) -> R<()> {
    check_interest(interest)?;
    let (kind, key) = (interest.target.kind(), interest.target.key());
    let mode = mode_name(interest.mode);
    if on {
        // The reader's row first: their concurrent follows queue behind it.
        run(
            c,
            "lock reader",
            "SELECT 1 FROM users WHERE id = $1 FOR UPDATE",
            &[&user.0],
        )
        .await?;
        let counted = "SELECT count(*) AS held, coalesce(bool_or(kind = $2 AND key = $3), FALSE) AS present
             FROM interests WHERE user_id = $1";
        let row = first(c, "count interests", counted, &[&user.0, &kind, &key]).await?;
        let (held, present): (i64, bool) = match &row {
            Some(r) => (get(r, "held")?, get(r, "present")?),
            None => (0, false),
        };
        if !present {
            check_room(held, MAX_INTERESTS, "follows and hides")?;
        }
        let sql = "INSERT INTO interests (user_id, mode, kind, key, label, created_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (user_id, kind, key) DO UPDATE SET mode = excluded.mode, label = excluded.label";
        run(
            c,
            "follow or hide",
            sql,
            &[&user.0, &mode, &kind, &key, &interest.label, &ms(at)],
        )
        .await?;
    } else {
        let sql = "DELETE FROM interests WHERE user_id = $1 AND kind = $2 AND key = $3 AND mode = $4";
        run(c, "unfollow or unhide", sql, &[&user.0, &kind, &key, &mode]).await?;
    }
    Ok(())
}

pub(crate) async fn interests(c: &impl GenericClient, user: UserId) -> R<Vec<Interest>> {
    let sql = "SELECT mode, kind, key, label FROM interests WHERE user_id = $1 \
               ORDER BY created_at, kind COLLATE \"C\", key COLLATE \"C\"";
    let rows = all(c, "list interests", sql, &[&user.0]).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let (mode, kind, key): (&str, &str, &str) = (get(r, "mode")?, get(r, "kind")?, get(r, "key")?);
        out.extend(interest_from_row(mode, kind, key, get(r, "label")?));
    }
    Ok(out)
}

/// Where a pick's articles come from: the rows and filter (`$1` its key),
/// and the columns holding each one's listing time and id. Each is an
/// index walk that reads no article row: the listed-article predicates
/// match the partial indexes' WHERE clauses, and an entity's links carry
/// the time.
struct Rows {
    from_where: &'static str,
    at: &'static str,
    id: &'static str,
}

fn pick_rows(pick: Pick<'_>) -> R<(Rows, Arg)> {
    let articles = |from_where| Rows {
        from_where,
        at: "a.sort_at",
        id: "a.id",
    };
    Ok(match pick {
        Pick::Source(slug) => (
            articles(
                "articles a WHERE a.status <> 'pending' AND a.source_id = (SELECT id FROM sources WHERE slug = $1)",
            ),
            Box::new(slug.to_owned()),
        ),
        Pick::Section(section) => (
            articles("articles a WHERE a.status <> 'pending' AND a.section IS NOT NULL AND a.section = $1"),
            Box::new(section.as_str()),
        ),
        Pick::Entity(slug) => (
            Rows {
                from_where: "article_entities ae WHERE ae.entity_id = (SELECT id FROM entities WHERE slug = $1)",
                at: "ae.sort_at",
                id: "ae.article_id",
            },
            Box::new(slug.to_owned()),
        ),
        Pick::Saved(user) => (
            articles("saved sv JOIN articles a ON a.id = sv.article_id WHERE sv.user_id = $1"),
            Box::new(user.0),
        ),
        Pick::Ids(ids) => (
            articles("articles a WHERE a.status <> 'pending' AND a.id = ANY($1)"),
            Box::new(id_array(ids)?),
        ),
    })
}

fn id_array(ids: &[ArticleId]) -> R<Vec<i64>> {
    if ids.len() > MAX_IDS {
        return Err(StoreError::Invalid(format!("at most {MAX_IDS} articles at once")).into());
    }
    Ok(ids.iter().map(|id| id.0).collect())
}

pub(crate) async fn keys(c: &impl GenericClient, pick: Pick<'_>, window: &Window) -> R<Vec<Cursor>> {
    let (Rows { from_where, at, id }, key) = pick_rows(pick)?;
    let mut sql = format!("SELECT {at} AS sort_at, {id} AS id FROM {from_where}");
    let mut args: Vec<Arg> = vec![key, Box::new(int(window.limit))];
    if let Some(since) = window.since {
        args.push(Box::new(ms(since)));
        sql.push_str(&format!(" AND {at} >= ${}", args.len()));
    }
    if let Some(until) = window.until {
        args.push(Box::new(ms(until)));
        sql.push_str(&format!(" AND {at} < ${}", args.len()));
    }
    let (dir, past) = if window.oldest_first {
        ("ASC", ">")
    } else {
        ("DESC", "<")
    };
    if let Some(after) = window.after {
        args.push(Box::new(ms(after.sort_at)));
        args.push(Box::new(after.id.0));
        let n = args.len();
        sql.push_str(&format!(" AND ({at}, {id}) {past} (${}, ${n})", n - 1));
    }
    sql.push_str(&format!(" ORDER BY {at} {dir}, {id} {dir} LIMIT $2"));
    let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref() as &(dyn ToSql + Sync)).collect();
    each(&all(c, "pick articles", &sql, &params).await?, |r| {
        Ok(Cursor {
            sort_at: get(r, "sort_at")?,
            id: ArticleId(get(r, "id")?),
        })
    })
}

pub(crate) async fn pick(c: &impl GenericClient, pick: Pick<'_>, window: &Window) -> R<Vec<Listed>> {
    let ids: Vec<i64> = keys(c, pick, window).await?.iter().map(|k| k.id.0).collect();
    let sql = format!(
        "SELECT {CARD_COLS}, a.sort_at AS sort_at, a.story_id AS story_id, a.section AS section
         FROM articles a JOIN sources s ON s.id = a.source_id WHERE a.id = ANY($1)"
    );
    let mut cards = each(&all(c, "read picked articles", &sql, &[&ids]).await?, listed)?;
    let rank: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    cards.sort_by_key(|l| rank.get(&l.card.id.0).copied());
    Ok(cards)
}

fn listed(row: &Row) -> R<Listed> {
    let card = rows::card(row)?;
    let section: Option<&str> = get(row, "section")?;
    Ok(Listed {
        cursor: Cursor {
            sort_at: get(row, "sort_at")?,
            id: card.id,
        },
        story: get::<Option<i64>>(row, "story_id")?.map(StoryId),
        section: section.and_then(Section::from_slug),
        card,
    })
}

pub(crate) async fn marks(c: &impl GenericClient, user: UserId, articles: &[ArticleId]) -> R<Vec<Marks>> {
    let sql = "SELECT j.id AS id,
                EXISTS(SELECT 1 FROM read_marks WHERE user_id = $1 AND article_id = j.id) AS read,
                EXISTS(SELECT 1 FROM saved WHERE user_id = $1 AND article_id = j.id) AS saved
         FROM unnest($2::BIGINT[]) AS j(id)";
    let rows = all(c, "read marks", sql, &[&user.0, &id_array(articles)?]).await?;
    each(&rows, |r| {
        Ok(Marks {
            article: ArticleId(get(r, "id")?),
            read: get(r, "read")?,
            saved: get(r, "saved")?,
        })
    })
}

pub(crate) async fn set_read(
    c: &impl GenericClient,
    user: UserId,
    articles: &[ArticleId],
    read: bool,
    at: DateTime<Utc>,
) -> R<usize> {
    let ids = id_array(articles)?;
    let n = if read {
        let sql = "INSERT INTO read_marks (user_id, article_id, read_at)
             SELECT $1, a.id, $3 FROM articles a WHERE a.id = ANY($2) ON CONFLICT DO NOTHING";
        run(c, "mark read", sql, &[&user.0, &ids, &ms(at)]).await?
    } else {
        let sql = "DELETE FROM read_marks WHERE user_id = $1 AND article_id = ANY($2)";
        run(c, "mark unread", sql, &[&user.0, &ids]).await?
    };
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

pub(crate) async fn set_saved(
    c: &impl GenericClient,
    user: UserId,
    article: ArticleId,
    saved: bool,
    at: DateTime<Utc>,
) -> R<()> {
    if !saved {
        let sql = "DELETE FROM saved WHERE user_id = $1 AND article_id = $2";
        run(c, "unsave", sql, &[&user.0, &article.0]).await?;
        return Ok(());
    }
    let sql = "INSERT INTO saved (user_id, article_id, saved_at) SELECT $1, id, $3 FROM articles WHERE id = $2
         ON CONFLICT DO NOTHING";
    let n = run(c, "save", sql, &[&user.0, &article.0, &ms(at)]).await?;
    let exists = n > 0
        || first(c, "find article", "SELECT 1 FROM articles WHERE id = $1", &[&article.0])
            .await?
            .is_some();
    match exists {
        true => Ok(()),
        false => Err(StoreError::NotFound(format!("article {}", article.0)).into()),
    }
}

const APP_PASSWORD_COLS: &str = "p.id AS p_id, p.user_id AS p_user_id, p.name AS p_name, \
     p.secret_hash AS p_secret_hash, p.created_at AS p_created_at";

fn app_password(row: &Row) -> R<AppPassword> {
    Ok(AppPassword {
        id: get(row, "p_id")?,
        user_id: UserId(get(row, "p_user_id")?),
        name: get(row, "p_name")?,
        secret_hash: get(row, "p_secret_hash")?,
        created_at: get(row, "p_created_at")?,
    })
}

pub(crate) async fn create_app_password(
    c: &impl GenericClient,
    user: UserId,
    name: &str,
    secret_hash: &str,
    at: DateTime<Utc>,
) -> R<AppPassword> {
    run(
        c,
        "lock reader",
        "SELECT 1 FROM users WHERE id = $1 FOR UPDATE",
        &[&user.0],
    )
    .await?;
    let counted = "SELECT count(*) AS held FROM app_passwords WHERE user_id = $1";
    let held: i64 = match first(c, "count app passwords", counted, &[&user.0]).await? {
        Some(r) => get(&r, "held")?,
        None => 0,
    };
    check_room(held, MAX_APP_PASSWORDS, "app passwords")?;
    let sql = format!(
        "INSERT INTO app_passwords AS p (user_id, name, secret_hash, created_at) VALUES ($1, $2, $3, $4)
         RETURNING {APP_PASSWORD_COLS}"
    );
    let row = first(c, "create app password", &sql, &[&user.0, &name, &secret_hash, &ms(at)]).await?;
    app_password(&row.ok_or_else(|| StoreError::Database("app password not returned".into()))?)
}

pub(crate) async fn app_passwords(c: &impl GenericClient, user: UserId) -> R<Vec<AppPassword>> {
    let sql = format!("SELECT {APP_PASSWORD_COLS} FROM app_passwords p WHERE p.user_id = $1 ORDER BY p.id");
    each(&all(c, "list app passwords", &sql, &[&user.0]).await?, app_password)
}

pub(crate) async fn delete_app_password(c: &impl GenericClient, user: UserId, id: i64) -> R<bool> {
    let sql = "DELETE FROM app_passwords WHERE id = $1 AND user_id = $2";
    Ok(run(c, "delete app password", sql, &[&id, &user.0]).await? > 0)
}

/// An app password and its reader, found by `column`.
async fn app_password_where(
    c: &impl GenericClient,
    column: &str,
    value: &(dyn ToSql + Sync),
) -> R<Option<(AppPassword, User)>> {
    let user_cols: Vec<String> = USER_COLS.split(", ").map(|col| format!("u.{col} AS {col}")).collect();
    let sql = format!(
        "SELECT {APP_PASSWORD_COLS}, {} FROM app_passwords p JOIN users u ON u.id = p.user_id WHERE p.{column} = $1",
        user_cols.join(", ")
    );
    first(c, "find app password", &sql, &[value])
        .await?
        .map(|r| Ok((app_password(&r)?, user(&r)?)))
        .transpose()
}

pub(crate) async fn app_password_by_secret(
    c: &impl GenericClient,
    secret_hash: &str,
) -> R<Option<(AppPassword, User)>> {
    app_password_where(c, "secret_hash", &secret_hash).await
}

pub(crate) async fn app_password_by_id(c: &impl GenericClient, id: i64) -> R<Option<(AppPassword, User)>> {
    app_password_where(c, "id", &id).await
}

/// The token, if made: read first, so showing it writes nothing.
pub(crate) async fn existing_feed_token(c: &impl GenericClient, user: UserId) -> R<Option<String>> {
    let row = first(
        c,
        "read feed token",
        "SELECT feed_token FROM users WHERE id = $1",
        &[&user.0],
    )
    .await?;
    Ok(row
        .map(|r| get::<Option<String>>(&r, "feed_token"))
        .transpose()?
        .flatten())
}

pub(crate) async fn feed_token(c: &impl GenericClient, user: UserId, fresh: &str) -> R<String> {
    let sql = "UPDATE users SET feed_token = coalesce(feed_token, $2) WHERE id = $1 RETURNING feed_token";
    match first(c, "make feed token", sql, &[&user.0, &fresh]).await? {
        Some(row) => get(&row, "feed_token"),
        None => Err(StoreError::NotFound(format!("user {}", user.0)).into()),
    }
}

pub(crate) async fn user_by_feed_token(c: &impl GenericClient, token: &str) -> R<Option<User>> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE feed_token = $1");
    first(c, "find feed token", &sql, &[&token])
        .await?
        .as_ref()
        .map(user)
        .transpose()
}

pub(crate) async fn delete_user(c: &impl GenericClient, user: UserId) -> R<()> {
    let uid = user.0;
    let sql = "UPDATE comments SET body = '', deleted = TRUE WHERE user_id = $1";
    run(c, "erase comments", sql, &[&uid]).await?;
    for table in ["sessions", "interests", "saved", "read_marks", "app_passwords"] {
        let sql = format!("DELETE FROM {table} WHERE user_id = $1");
        run(c, &format!("delete {table}"), &sql, &[&uid]).await?;
    }
    // The row stays as a tombstone that comments still point at; its name
    // cannot be typed at registration, so the old one is free again.
    let sql = "UPDATE users SET username = '[deleted ' || id || ']', password_hash = '', role = 'reader',
                 feed_token = NULL
             WHERE id = $1 AND password_hash <> ''";
    match run(c, "delete account", sql, &[&uid]).await? {
        0 => Err(StoreError::NotFound(format!("user {uid}")).into()),
        _ => Ok(()),
    }
}
