//! Throwaway databases for tests, on the server `.ci/run` starts.
//!
//! `NEWSDESK_TEST_POSTGRES` names a server by a URL whose role may create
//! databases (`postgres://postgres@127.0.0.1:PORT/postgres`). Without it a
//! test that needs PostgreSQL skips and says so, unless
//! `NEWSDESK_REQUIRE_POSTGRES` is set (CI sets it), which makes a missing
//! server a failure.

use std::str::FromStr;

/// The variable naming the test server.
pub const SERVER_VAR: &str = "NEWSDESK_TEST_POSTGRES";
/// The variable that turns a missing server into a failure.
pub const REQUIRE_VAR: &str = "NEWSDESK_REQUIRE_POSTGRES";

/// A fresh, empty database, dropped (with its connections) when this is.
#[derive(Debug)]
pub struct TestDatabase {
    server: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// A new database on the test server, or `None` (after saying so on
    /// stderr) when no server is configured. `test` names the caller in
    /// that message.
    ///
    /// # Panics
    /// When `NEWSDESK_REQUIRE_POSTGRES` is set but no server is, or when
    /// the server refuses to create the database.
    pub fn create(test: &str) -> Option<TestDatabase> {
        let Some(server) = std::env::var(SERVER_VAR).ok().filter(|s| !s.is_empty()) else {
            assert!(
                std::env::var_os(REQUIRE_VAR).is_none(),
                "{test}: {REQUIRE_VAR} is set but {SERVER_VAR} is not"
            );
            eprintln!("{test}: skipped on PostgreSQL: set {SERVER_VAR} to a server URL to run it");
            return None;
        };
        let name = format!("newsdesk_test_{}", random_suffix());
        admin(&server, &format!("CREATE DATABASE {name}")).unwrap_or_else(|e| panic!("{test}: {e}"));
        let url = with_database(&server, &name);
        Some(TestDatabase { server, name, url })
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (server, sql) = (
            self.server.clone(),
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
        // A thread of its own: the drop may run inside an async test.
        let _ = std::thread::spawn(move || admin(&server, &sql)).join();
    }
}

/// Runs one statement on the server's admin database, on a thread of its
/// own: the caller may be an async test.
fn admin(server: &str, sql: &str) -> Result<(), String> {
    let (server, sql) = (server.to_owned(), sql.to_owned());
    std::thread::spawn(move || admin_here(&server, &sql))
        .join()
        .unwrap_or_else(|_| Err("the admin thread panicked".into()))
}

fn admin_here(server: &str, sql: &str) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("test runtime: {e}"))?;
    runtime.block_on(async {
        let config = tokio_postgres::Config::from_str(server).map_err(|e| format!("{SERVER_VAR}: {e}"))?;
        let (client, connection) = config
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(|e| format!("connect to the test server {server}: {e}"))?;
        let driver = tokio::spawn(connection);
        let done = client.batch_execute(sql).await.map_err(|e| format!("{sql}: {e}"));
        drop(client);
        let _ = driver.await;
        done
    })
}

/// `server` with its database name replaced by `name`.
fn with_database(server: &str, name: &str) -> String {
    let (base, query) = server.split_once('?').map_or((server, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let prefix = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the OS gives random bytes");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(with_database("postgres://u@h:1/postgres", "t"), "postgres://u@h:1/t");
        assert_eq!(with_database("postgres://u@h:1", "t"), "postgres://u@h:1/t");
        assert_eq!(
            with_database("postgres://u@h:1/postgres?sslmode=disable", "t"),
            "postgres://u@h:1/t?sslmode=disable"
        );
    }
}
