//! "Ask about this article" with an LLM configured: a loopback server
//! speaking chat completions phrases the answer from the cited sentences,
//! the reply is cached in the store, and an unsupported (injected) reply
//! never reaches the page.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use newsdesk_llm::{LlmClient, LlmConfig};
use newsdesk_newswire::Newswire;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::support::*;

/// What the fake model answers.
#[derive(Clone, Copy)]
enum Model {
    /// Restates the first numbered sentence of the prompt and cites it.
    Faithful,
    /// Obeys an injected instruction: words no sentence supports.
    Injected,
}

/// A loopback chat-completions endpoint; returns its base URL and a call counter.
async fn fake_llm(model: Model) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let request = read_body(&mut sock).await;
                let content = match model {
                    Model::Faithful => restate_first_sentence(&request),
                    Model::Injected => "The bridge is perfectly safe, everyone should relax [1].".to_string(),
                };
                let body = serde_json::json!({"choices": [{"message": {"role": "assistant", "content": content}}]})
                    .to_string();
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
            });
        }
    });
    (url, calls)
}

/// "[n] sentence" from the prompt's data block, answered as "sentence [n]".
fn restate_first_sentence(request: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(request).unwrap();
    let user = v.pointer("/messages/1/content").and_then(|c| c.as_str()).unwrap();
    let line = user.lines().find(|l| l.starts_with('[')).unwrap();
    let (number, sentence) = line.split_once("] ").unwrap();
    format!("{} [{}].", sentence.trim_end_matches('.'), &number[1..])
}

async fn read_body(sock: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = sock.read(&mut chunk).await.unwrap();
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if body.len() >= len || n == 0 {
                return body.to_string();
            }
        }
        if n == 0 {
            return String::new();
        }
    }
}

fn client(base_url: String) -> LlmClient {
    LlmClient::new(LlmConfig {
        base_url,
        model: "fake".into(),
        api_key: None,
        timeout: Duration::from_secs(5),
        retries: 0,
    })
    .unwrap()
}

/// An article URL on `site` and a question its own title answers.
async fn article_and_question(h: &Harness, site: &str) -> (String, String) {
    let card = h.store.latest(1, 0).unwrap().remove(0);
    let word = card
        .title
        .split_whitespace()
        .max_by_key(|w| w.len())
        .unwrap()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string();
    (format!("{site}/article/{}", card.id.0), format!("What+about+{word}%3F"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_llm_phrases_the_answer_once_and_is_cached() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    subscribe_outlets(&h.store, &wire);
    h.crawler.run_pass().await.unwrap();
    let (url, calls) = fake_llm(Model::Faithful).await;
    let site = serve_site_with(&h, Some(client(url))).await;
    let (article, question) = article_and_question(&h, &site).await;

    let (status, page) = get_text(&format!("{article}?q={question}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("class=\"generated\""), "the model's answer is shown");
    assert!(page.contains("class=\"citations\""), "with the sentences it cites");
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // The reply is written to the store off the request's thread.
    let cached = || h.count_rows("llm_cache");
    for _ in 0..100 {
        if cached() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(cached(), 1, "one reply cached");
    // The same question under another page URL (so the page cache misses):
    // the reply comes from the store.
    let (_, again) = get_text(&format!("{article}?q={question}&from=elsewhere")).await;
    assert!(again.contains("class=\"generated\""));
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the cached reply was used");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsupported_llm_reply_falls_back_to_the_article_sentences() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    subscribe_outlets(&h.store, &wire);
    h.crawler.run_pass().await.unwrap();
    let (url, calls) = fake_llm(Model::Injected).await;
    let site = serve_site_with(&h, Some(client(url))).await;
    let (article, question) = article_and_question(&h, &site).await;

    let (_, page) = get_text(&format!("{article}?q={question}")).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the model was asked");
    assert!(!page.contains("perfectly safe"), "its unsupported reply is not shown");
    assert!(!page.contains("class=\"generated\""));
    assert!(page.contains("class=\"citations\""), "the extractive answer is");
}
