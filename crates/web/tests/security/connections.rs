//! Row 4 of issue #15: slow clients. Idle connections, half-sent requests
//! and idle keep-alives were all still open after 130 s; now each is closed
//! once its deadline passes.

use std::time::Duration;

use newsdesk_web::{ServerConfig, Timeouts};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::support::*;

const DEADLINE: Duration = Duration::from_millis(500);
/// Far longer than the deadline: a connection open past it was not cut.
const PATIENCE: Duration = Duration::from_secs(10);

async fn quick_site() -> Site {
    site(ServerConfig {
        timeouts: Timeouts {
            headers: DEADLINE,
            body: DEADLINE,
        },
        ..ServerConfig::default()
    })
    .await
}

/// Reads until the server closes the connection; what it sent on the way.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let read = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut seen)).await;
    assert!(read.is_ok(), "still open after {PATIENCE:?}; sent so far: {seen:?}");
    String::from_utf8_lossy(&seen).into_owned()
}

#[tokio::test]
async fn a_connection_that_says_nothing_is_closed() {
    let site = quick_site().await;
    let mut stream = TcpStream::connect(site.addr).await.unwrap();
    read_until_closed(&mut stream).await;
}

#[tokio::test]
async fn half_sent_headers_are_cut_off() {
    let site = quick_site().await;
    let mut stream = TcpStream::connect(site.addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    read_until_closed(&mut stream).await;
}

#[tokio::test]
async fn an_idle_keep_alive_is_closed_after_its_answer() {
    let site = quick_site().await;
    let mut stream = TcpStream::connect(site.addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let seen = read_until_closed(&mut stream).await;
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
}

#[tokio::test]
async fn a_half_sent_body_is_cut_off() {
    let site = quick_site().await;
    let mut stream = TcpStream::connect(site.addr).await.unwrap();
    let head = "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                Content-Length: 1000\r\n\r\nusername=a";
    stream.write_all(head.as_bytes()).await.unwrap();
    let seen = read_until_closed(&mut stream).await;
    assert!(
        !seen.starts_with("HTTP/1.1 5"),
        "a slow body is the client's fault: {seen}"
    );
}
