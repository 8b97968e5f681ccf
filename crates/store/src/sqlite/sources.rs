//! Queries on the `sources` table.

use newsdesk_domain::{Source, SourceId};
use rusqlite::{params, Connection, OptionalExtension};

use super::rows::{self, Ctx, SOURCE_COLS};
use crate::policy::non_blank;
use crate::text::slugify;
use crate::{Result, StoreError};

/// Finds the source named `name` or creates it with a fresh unique slug.
/// A given homepage replaces the stored one, so config edits take effect.
pub(crate) fn upsert(conn: &Connection, name: &str, homepage: Option<&str>) -> Result<Source> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::Invalid("source name is empty".into()));
    }
    let homepage = non_blank(homepage);
    if let Some(mut existing) = by_name(conn, name)? {
        if homepage.is_some() && homepage != existing.homepage.as_deref() {
            conn.execute(
                "UPDATE sources SET homepage = ?2 WHERE id = ?1",
                params![existing.id.0, homepage],
            )
            .ctx("update source homepage")?;
            existing.homepage = homepage.map(str::to_owned);
        }
        return Ok(existing);
    }
    let slug = unique_slug(conn, &slugify(name))?;
    conn.execute(
        "INSERT INTO sources (name, slug, homepage) VALUES (?1, ?2, ?3)",
        params![name, slug, homepage],
    )
    .ctx("insert source")?;
    Ok(Source {
        id: SourceId(conn.last_insert_rowid()),
        name: name.to_owned(),
        slug,
        homepage: homepage.map(str::to_owned),
    })
}

/// `base`, else `base-2`, `base-3`, … whichever is free first.
fn unique_slug(conn: &Connection, base: &str) -> Result<String> {
    let mut taken = conn
        .prepare_cached("SELECT 1 FROM sources WHERE slug = ?1")
        .ctx("prepare slug lookup")?;
    let mut n = 1u64;
    loop {
        let candidate = match n {
            1 => base.to_owned(),
            _ => format!("{base}-{n}"),
        };
        if !taken.exists([&candidate]).ctx("look up slug")? {
            return Ok(candidate);
        }
        n += 1;
    }
}

fn one_by(conn: &Connection, column: &str, value: &dyn rusqlite::ToSql) -> Result<Option<Source>> {
    let sql = format!("SELECT {SOURCE_COLS} FROM sources WHERE {column} = ?1");
    conn.prepare_cached(&sql)
        .and_then(|mut st| st.query_row([value], rows::source).optional())
        .ctx("load source")
}

fn by_name(conn: &Connection, name: &str) -> Result<Option<Source>> {
    one_by(conn, "name", &name)
}

pub(crate) fn get(conn: &Connection, id: SourceId) -> Result<Option<Source>> {
    one_by(conn, "id", &id.0)
}

pub(crate) fn by_slug(conn: &Connection, slug: &str) -> Result<Option<Source>> {
    one_by(conn, "slug", &slug)
}

/// All sources, alphabetically (case-insensitive) for menus.
pub(crate) fn all(conn: &Connection) -> Result<Vec<Source>> {
    let sql = format!("SELECT {SOURCE_COLS} FROM sources ORDER BY name COLLATE NOCASE, id");
    conn.prepare_cached(&sql)
        .and_then(|mut st| st.query_map([], rows::source)?.collect())
        .ctx("list sources")
}
