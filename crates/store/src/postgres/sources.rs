//! Queries on `sources`.

use newsdesk_domain::{Source, SourceId};
use newsdesk_postgres::GenericClient;

use super::rows::{self, all, each, first, get, run, Fail, R, SOURCE_COLS};
use crate::policy::non_blank;
use crate::text::slugify;
use crate::StoreError;

/// Finds the source named `name` or creates it with a fresh unique slug;
/// a given homepage replaces the stored one. Race-free: an insert that
/// meets a concurrent one (same name, or same slug) does nothing, and the
/// loop then finds the name or tries the next slug.
pub(crate) async fn upsert(c: &impl GenericClient, name: &str, homepage: Option<&str>) -> R<Source> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::Invalid("source name is empty".into()).into());
    }
    let homepage = non_blank(homepage);
    let base = slugify(name);
    for n in 1u64.. {
        if let Some(existing) = by_name(c, name).await? {
            return keep_homepage(c, existing, homepage).await;
        }
        let slug = match n {
            1 => base.clone(),
            _ => format!("{base}-{n}"),
        };
        let inserted = first(
            c,
            "insert source",
            "INSERT INTO sources (name, slug, homepage) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id",
            &[&name, &slug, &homepage],
        )
        .await?;
        if let Some(row) = inserted {
            return Ok(Source {
                id: SourceId(get(&row, "id")?),
                name: name.to_owned(),
                slug,
                homepage: homepage.map(str::to_owned),
            });
        }
    }
    Err(Fail::Store(StoreError::Conflict(format!("no free slug for {name:?}"))))
}

async fn keep_homepage(c: &impl GenericClient, mut source: Source, homepage: Option<&str>) -> R<Source> {
    if homepage.is_some() && homepage != source.homepage.as_deref() {
        run(
            c,
            "update source homepage",
            "UPDATE sources SET homepage = $2 WHERE id = $1",
            &[&source.id.0, &homepage],
        )
        .await?;
        source.homepage = homepage.map(str::to_owned);
    }
    Ok(source)
}

async fn one_by(
    c: &impl GenericClient,
    column: &str,
    value: &(dyn tokio_postgres::types::ToSql + Sync),
) -> R<Option<Source>> {
    let sql = format!("SELECT {SOURCE_COLS} FROM sources WHERE {column} = $1");
    first(c, "load source", &sql, &[value])
        .await?
        .as_ref()
        .map(rows::source)
        .transpose()
}

async fn by_name(c: &impl GenericClient, name: &str) -> R<Option<Source>> {
    one_by(c, "name", &name).await
}

pub(crate) async fn get_one(c: &impl GenericClient, id: SourceId) -> R<Option<Source>> {
    one_by(c, "id", &id.0).await
}

pub(crate) async fn by_slug(c: &impl GenericClient, slug: &str) -> R<Option<Source>> {
    one_by(c, "slug", &slug).await
}

/// All sources, alphabetically (case-insensitive) for menus.
pub(crate) async fn list(c: &impl GenericClient) -> R<Vec<Source>> {
    let sql = format!("SELECT {SOURCE_COLS} FROM sources ORDER BY lower(name) COLLATE \"C\", id");
    each(&all(c, "list sources", &sql, &[]).await?, rows::source)
}
