//! Numbered, append-only migrations per component (the store, the search
//! index), tracked in `schema_versions`.

use deadpool_postgres::{GenericClient, Transaction};

use crate::PgError;

/// One lock for every component: migrations are rare and short.
const LOCK: &str = "SELECT pg_advisory_xact_lock(hashtext('newsdesk schema migrations'))";

pub(crate) async fn run(tx: &Transaction<'_>, component: &str, migrations: &[&str]) -> Result<i64, PgError> {
    tx.batch_execute(LOCK)
        .await
        .map_err(|e| PgError::query("take the migration lock", e))?;
    // Created only when absent (the lock makes that check safe): `IF NOT
    // EXISTS` would log a server notice on every start.
    if version_table_absent(tx).await? {
        tx.batch_execute("CREATE TABLE schema_versions (component TEXT PRIMARY KEY, version BIGINT NOT NULL)")
            .await
            .map_err(|e| PgError::query("create schema_versions", e))?;
    }
    let current = version(tx, component).await?;
    let latest = migrations.len() as i64;
    if current > latest {
        return Err(PgError::Schema(format!(
            "the database's {component} schema is at version {current}, newer than this build ({latest})"
        )));
    }
    for (i, sql) in migrations.iter().enumerate().skip(current as usize) {
        let version = i as i64 + 1;
        tx.batch_execute(sql)
            .await
            .map_err(|e| PgError::query(&format!("apply {component} migration {version}"), e))?;
        tracing::info!(component, version, "applied PostgreSQL migration");
    }
    if latest > current {
        tx.execute(
            "INSERT INTO schema_versions (component, version) VALUES ($1, $2)
             ON CONFLICT (component) DO UPDATE SET version = excluded.version",
            &[&component, &latest],
        )
        .await
        .map_err(|e| PgError::query("record schema version", e))?;
    }
    Ok(latest)
}

async fn version_table_absent(c: &impl GenericClient) -> Result<bool, PgError> {
    let row = c
        .query_one("SELECT to_regclass('schema_versions') IS NULL", &[])
        .await
        .map_err(|e| PgError::query("look for schema_versions", e))?;
    Ok(row.get(0))
}

pub(crate) async fn version(c: &impl GenericClient, component: &str) -> Result<i64, PgError> {
    if version_table_absent(c).await? {
        return Ok(0);
    }
    let row = c
        .query_opt(
            "SELECT version FROM schema_versions WHERE component = $1",
            &[&component],
        )
        .await
        .map_err(|e| PgError::query("read schema version", e))?;
    Ok(row.map_or(0, |r| r.get(0)))
}
