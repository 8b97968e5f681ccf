//! PostgreSQL plumbing shared by newsdesk's store and its search index.
//!
//! The store and search traits are synchronous: every caller already runs
//! them on blocking threads (`newsdesk_store::blocking`), and SQLite, the
//! default backend, blocks anyway. [`Postgres`] keeps that shape for an
//! async driver: it owns a small tokio runtime that drives the pooled
//! connections (tokio-postgres with deadpool-postgres), and each call blocks
//! its thread on one future. So callers never change, and a pool dropped on
//! an async thread cannot abort the process (the runtime is shut down in
//! the background).
//!
//! Writes run in a transaction that is retried when PostgreSQL reports a
//! serialization failure or a deadlock ([`transient`]); migrations are
//! applied under a transaction-scoped advisory lock, so processes starting
//! together migrate once. With the `testing` feature, [`testing`] makes a
//! fresh database per test on the server named by `NEWSDESK_TEST_POSTGRES`.

#![warn(missing_docs)]

use std::str::FromStr;
use std::time::Duration;

pub use deadpool_postgres::{GenericClient, Transaction};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio::runtime::Runtime;
pub use tokio_postgres::types::ToSql;
pub use tokio_postgres::{Error as DbError, Row};

/// A pooled connection; its `prepare_cached` keeps statements per connection.
pub type Client = deadpool_postgres::Client;

#[cfg(feature = "testing")]
pub mod testing;

mod migrate;
mod session;

pub use session::Session;

/// Why connecting or migrating failed.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// The URL does not parse, or the pool could not be built.
    #[error("PostgreSQL configuration: {0}")]
    Config(String),
    /// No connection could be had from the pool (server down, refused, timed out).
    #[error("PostgreSQL connection: {0}")]
    Connect(String),
    /// A statement failed.
    #[error("PostgreSQL: {what}: {source}")]
    Query {
        /// What was being done.
        what: String,
        /// The driver's error, with the server's SQLSTATE where it sent one.
        #[source]
        source: DbError,
    },
    /// The schema in the database is newer than this build.
    #[error("{0}")]
    Schema(String),
}

impl PgError {
    /// Wraps a driver error with what was being done.
    pub fn query(what: &str, source: DbError) -> PgError {
        PgError::Query {
            what: what.to_owned(),
            source,
        }
    }

    /// Whether running the transaction again may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, PgError::Query { source, .. } if transient(source))
    }
}

/// Serialization failures and deadlocks: PostgreSQL aborted the transaction
/// because of another one, and running it again is the documented remedy.
pub fn transient(e: &DbError) -> bool {
    use tokio_postgres::error::SqlState;
    e.code()
        .is_some_and(|c| *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED)
}

/// An error type that can say whether its transaction is worth retrying.
pub trait Transient {
    /// True for serialization failures and deadlocks.
    fn is_transient(&self) -> bool;
}

impl Transient for PgError {
    fn is_transient(&self) -> bool {
        PgError::is_transient(self)
    }
}

/// Times a write transaction is tried before its error is returned.
const WRITE_ATTEMPTS: u32 = 5;
/// How long a caller waits for a pooled connection.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(10);
/// Threads that drive the connections' I/O; callers run their own futures.
const IO_THREADS: usize = 2;

/// A pool of connections to one PostgreSQL database, used synchronously.
pub struct Postgres {
    pool: Pool,
    /// `Some` until drop, which shuts it down without blocking.
    runtime: Option<Runtime>,
    /// The database's address without its password, for messages.
    shown: String,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("database", &self.shown)
            .finish_non_exhaustive()
    }
}

impl Postgres {
    /// Connects to `url` (`postgres://user:password@host:port/db?…`) with
    /// up to `max_connections` pooled connections, and checks that a
    /// connection can be had.
    pub fn connect(url: &str, max_connections: usize) -> Result<Postgres, PgError> {
        let config = tokio_postgres::Config::from_str(url).map_err(|e| PgError::Config(format!("{e}")))?;
        let shown = shown(&config);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(IO_THREADS)
            .thread_name("postgres-io")
            .enable_all()
            .build()
            .map_err(|e| PgError::Config(format!("start the PostgreSQL runtime: {e}")))?;
        let manager = Manager::from_config(
            config,
            tokio_postgres::NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_connections.max(1))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(CHECKOUT_TIMEOUT))
            .create_timeout(Some(CHECKOUT_TIMEOUT))
            .build()
            .map_err(|e| PgError::Config(e.to_string()))?;
        let pg = Postgres {
            pool,
            runtime: Some(runtime),
            shown,
        };
        pg.read(async |c| {
            c.simple_query("SELECT 1")
                .await
                .map_err(|e| PgError::query("check connection", e))?;
            Ok::<_, PgError>(())
        })?;
        Ok(pg)
    }

    fn block_on<T: Send>(&self, make: impl AsyncFnOnce() -> T + Send) -> T {
        block_on(self.runtime.as_ref().expect("runtime lives until drop"), make)
    }

    async fn checkout(&self) -> Result<deadpool_postgres::Object, PgError> {
        self.pool
            .get()
            .await
            .map_err(|e| PgError::Connect(format!("{}: {e}", self.shown)))
    }

    /// Runs `f` with one pooled connection, outside any transaction.
    pub fn read<T: Send, E: From<PgError> + Send>(
        &self,
        f: impl AsyncFnOnce(&Client) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        self.block_on(async || {
            let client = self.checkout().await?;
            f(&client).await
        })
    }

    /// Runs `f` in a READ COMMITTED transaction and commits; any error rolls
    /// it back. A transient failure (see [`transient`]) runs `f` again, up
    /// to five times, after a short pause that grows each time.
    pub fn write<T: Send, E>(&self, mut f: impl AsyncFnMut(&Transaction<'_>) -> Result<T, E> + Send) -> Result<T, E>
    where
        E: From<PgError> + Transient + Send,
    {
        self.block_on(async || {
            let mut attempt = 1;
            loop {
                match self.write_once(&mut f).await {
                    Err(e) if e.is_transient() && attempt < WRITE_ATTEMPTS => {
                        tracing::debug!(attempt, "transaction conflicted; retrying");
                        tokio::time::sleep(Duration::from_millis(5 << attempt)).await;
                        attempt += 1;
                    }
                    out => return out,
                }
            }
        })
    }

    async fn write_once<T, E>(&self, f: &mut impl AsyncFnMut(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<PgError>,
    {
        let mut client = self.checkout().await?;
        let tx = client
            .transaction()
            .await
            .map_err(|e| PgError::query("begin transaction", e))?;
        let out = f(&tx).await?;
        tx.commit().await.map_err(|e| PgError::query("commit", e))?;
        Ok(out)
    }

    /// Brings `component`'s schema up to date: `migrations[i]` takes it from
    /// version `i` to `i + 1`. All pending steps run in one transaction
    /// holding an advisory lock, so of several processes starting at once
    /// one migrates and the others wait and find nothing to do. Returns the
    /// version reached.
    pub fn migrate(&self, component: &str, migrations: &[&str]) -> Result<i64, PgError> {
        self.write(async |tx| migrate::run(tx, component, migrations).await)
    }

    /// The schema version of `component` (0 before its first migration).
    pub fn schema_version(&self, component: &str) -> Result<i64, PgError> {
        self.read(async |c| migrate::version(c, component).await)
    }
}

/// Runs `make()`'s future to completion. Callers belong on blocking
/// threads, where this simply blocks; called from async code instead
/// (a test body, a forgotten `spawn_blocking`), it must not panic as a
/// nested `block_on` would: on a multi-threaded runtime the worker hands
/// its tasks over first (`block_in_place`), on a current-thread runtime
/// the call runs on a thread of its own.
fn block_on<T: Send>(runtime: &Runtime, make: impl AsyncFnOnce() -> T + Send) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Err(_) => runtime.block_on(make()),
        Ok(RuntimeFlavor::CurrentThread) => std::thread::scope(|s| {
            s.spawn(|| runtime.block_on(make()))
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }),
        Ok(_) => tokio::task::block_in_place(|| runtime.block_on(make())),
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which panics on an async thread;
        // `shutdown_background` never blocks.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// `user@host:port/db`, never the password.
fn shown(config: &tokio_postgres::Config) -> String {
    use tokio_postgres::config::Host;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{}@{host}:{port}/{}",
        config.get_user().unwrap_or(""),
        config.get_dbname().unwrap_or("")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_address_has_no_password() {
        let config = tokio_postgres::Config::from_str("postgres://news:s3cret@db.example:6543/newsdesk").unwrap();
        assert_eq!(shown(&config), "news@db.example:6543/newsdesk");
    }

    #[test]
    fn bad_urls_are_configuration_errors() {
        let err = Postgres::connect("postgres://host:notaport/db", 1).unwrap_err();
        assert!(matches!(err, PgError::Config(_)), "{err}");
    }
}
