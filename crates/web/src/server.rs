//! The HTTP server: connections with deadlines, and what an operator sets
//! before exposing the site.
//!
//! axum's own `serve` sets no deadlines, so a client that connects and says
//! nothing, or sends half a request, holds a connection forever. Here hyper
//! runs each connection with a timer: request headers must arrive within
//! [`Timeouts::headers`] (which also closes idle and kept-alive connections),
//! and a body within [`Timeouts::body`].

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use ipnet::IpNet;

/// Settings for a site that strangers can reach (README, "Security").
#[derive(Debug, Clone, Default)]
pub struct ServerConfig {
    /// The address readers use, e.g. "https://news.example.org": form posts
    /// must come from its origin (else from the request's own host), and
    /// an https address marks cookies Secure.
    pub public_url: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client. Without
    /// them the header is ignored: anyone could write it.
    pub trusted_proxies: Vec<IpNet>,
    /// Bearer token that lets a scraper read `/metrics` from anywhere;
    /// without it only loopback clients may.
    pub metrics_token: Option<String>,
    /// Deadlines for slow clients.
    pub timeouts: Timeouts,
}

/// How long a client may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// To send a request's headers, counted from the connection's start or
    /// the previous response: the longest an idle connection stays open.
    pub headers: Duration,
    /// To send a request's body once its headers are in.
    pub body: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            headers: Duration::from_secs(20),
            body: Duration::from_secs(30),
        }
    }
}

/// Serves `app` on `listener` with `timeouts` until `shutdown` resolves,
/// then lets in-flight requests finish.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    timeouts: Timeouts,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.headers);
    // HTTP/2 has no header deadline; pings find peers that went away.
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(timeouts.headers)
        .keep_alive_timeout(timeouts.headers);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors, usually: wait rather than spin.
                    tracing::warn!("accepting a connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let builder = builder.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            let app = app.clone();
            async move { Ok::<_, Infallible>(tower_call(app, req).await) }
        });
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            // hyper's header deadline starts once it knows the protocol;
            // a client that never says which would wait forever before it.
            if !said_which_protocol(&stream, timeouts.headers).await {
                return;
            }
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            // A client that went away or broke the protocol: nothing to do.
            let _ = watcher.watch(conn).await;
        });
    }
    graceful.shutdown().await;
    Ok(())
}

/// The first bytes of every HTTP/2 connection without TLS.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Whether the client sent, within `deadline`, enough to tell HTTP/1 from
/// HTTP/2: a whole HTTP/2 preface, or a first byte that departs from it.
async fn said_which_protocol(stream: &tokio::net::TcpStream, deadline: Duration) -> bool {
    let sniff = async {
        let mut seen = [0u8; H2_PREFACE.len()];
        loop {
            let n = stream.peek(&mut seen).await.unwrap_or(0);
            if n == 0 {
                return false;
            }
            if n == seen.len() || seen[..n] != H2_PREFACE[..n] {
                return true;
            }
            // Part of the preface: peeking again at once would spin.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(deadline, sniff).await.unwrap_or(false)
}

/// One request through the router (always ready; infallible).
async fn tower_call(app: Router, req: hyper::Request<Incoming>) -> axum::response::Response {
    use tower::ServiceExt;
    match app.oneshot(req.map(axum::body::Body::new)).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}
