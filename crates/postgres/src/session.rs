//! One connection of its own, outside the pool, for state that lives as
//! long as a database session: a session-level advisory lock and the
//! `LISTEN`s of its holder. Whatever is written through the session is
//! written by the lock's holder, since the lock dies with the connection.

use std::time::Duration;

use deadpool_postgres::ClientWrapper;
use tokio::runtime::Runtime;
use tokio::sync::{mpsc, Mutex};
use tokio_postgres::AsyncMessage;

use crate::{block_on, PgError, Transaction, Transient, WRITE_ATTEMPTS};

/// A dedicated connection used synchronously, like [`crate::Postgres`].
pub struct Session {
    client: Mutex<ClientWrapper>,
    /// One item per notification received.
    notices: Mutex<mpsc::UnboundedReceiver<()>>,
    /// `Some` until drop, which shuts it down without blocking.
    runtime: Option<Runtime>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

impl Session {
    /// Opens a connection to `url`, named `name` in `pg_stat_activity`.
    pub fn connect(url: &str, name: &str) -> Result<Session, PgError> {
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| PgError::Config(format!("{e}")))?;
        config.application_name(name);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("postgres-session")
            .enable_all()
            .build()
            .map_err(|e| PgError::Config(format!("start the PostgreSQL session runtime: {e}")))?;
        let (notify, notices) = mpsc::unbounded_channel();
        let client = runtime.block_on(async {
            let (client, mut connection) = config
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(|e| PgError::Connect(e.to_string()))?;
            let driver = tokio::spawn(async move {
                // Drives the connection, passing notifications on; it ends
                // when the connection closes, which fails every later call.
                while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                    match message {
                        Ok(AsyncMessage::Notification(_)) => {
                            let _ = notify.send(());
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!("PostgreSQL session closed: {e}");
                            break;
                        }
                    }
                }
            });
            Ok::<_, PgError>(ClientWrapper::new(client, driver))
        })?;
        Ok(Session {
            client: Mutex::new(client),
            notices: Mutex::new(notices),
            runtime: Some(runtime),
        })
    }

    fn runtime(&self) -> &Runtime {
        self.runtime.as_ref().expect("runtime lives until drop")
    }

    /// Runs `f` in a transaction on the connection and commits, retrying
    /// transient failures as [`crate::Postgres::write`] does.
    pub fn write<T: Send, E>(&self, mut f: impl AsyncFnMut(&Transaction<'_>) -> Result<T, E> + Send) -> Result<T, E>
    where
        E: From<PgError> + Transient + Send,
    {
        block_on(self.runtime(), async || {
            let mut client = self.client.lock().await;
            let mut attempt = 1;
            loop {
                let tx = client
                    .transaction()
                    .await
                    .map_err(|e| PgError::query("begin transaction", e))?;
                let out = match f(&tx).await {
                    Ok(out) => tx
                        .commit()
                        .await
                        .map(|()| out)
                        .map_err(|e| PgError::query("commit", e).into()),
                    Err(e) => Err(e),
                };
                match out {
                    Err(e) if e.is_transient() && attempt < WRITE_ATTEMPTS => {
                        tokio::time::sleep(Duration::from_millis(5 << attempt)).await;
                        attempt += 1;
                    }
                    out => return out,
                }
            }
        })
    }

    /// Waits up to `timeout` for a notification on a channel the session
    /// listens to; several are taken as one. Whether one came.
    pub fn wait(&self, timeout: Duration) -> Result<bool, PgError> {
        block_on(self.runtime(), async || {
            let mut notices = self.notices.lock().await;
            match tokio::time::timeout(timeout, notices.recv()).await {
                Ok(Some(())) => {
                    while notices.try_recv().is_ok() {}
                    Ok(true)
                }
                Ok(None) => Err(PgError::Connect("the session's connection closed".into())),
                Err(_) => Ok(false),
            }
        })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
