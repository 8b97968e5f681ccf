//! `newsdesk extract` end to end: the binary on files and stdin, in the
//! charsets pages really come in, with bad inputs mixed in.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

fn page(body: &str, head: &str) -> String {
    format!(
        "<html><head>{head}<title>Floods close the valley road - Daily</title></head>\
         <body><nav><a href=/>Home</a></nav><article><h1>Floods close the valley road</h1>{body}</article></body></html>"
    )
}

fn encoded(text: &str, encoding: &'static encoding_rs::Encoding) -> Vec<u8> {
    encoding.encode(text).0.into_owned()
}

fn run(args: &[&str], stdin: &[u8]) -> (i32, Vec<Value>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .arg("extract")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.status.code().unwrap_or(-1), lines)
}

#[test]
fn pages_in_any_charset_come_out_as_json_lines_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let ru = "Правительство объявило о новых мерах поддержки семей, пострадавших от наводнения в долине.";
    let ja = "政府は洪水の被害を受けた家族への新たな支援策を発表し、復旧作業を急ぐと述べた。";
    let zh = "政府宣布了针对受洪水影响家庭的新支持措施，并表示将加快恢复工作，援助将于下周开始发放。";
    let files = [
        (
            "ru.html",
            encoded(
                &page(&format!("<p>{ru}</p>"), "<meta charset=windows-1251>"),
                encoding_rs::WINDOWS_1251,
            ),
        ),
        (
            "ja.html",
            encoded(
                &page(&format!("<p>{ja}</p>"), "<meta charset=Shift_JIS>"),
                encoding_rs::SHIFT_JIS,
            ),
        ),
        (
            "zh.html",
            encoded(
                &page(&format!("<p>{zh}</p>"), "<meta charset=gb18030>"),
                encoding_rs::GB18030,
            ),
        ),
        // Declared UTF-8, really windows-1251: the bytes win.
        (
            "wrong.html",
            encoded(
                &page(&format!("<p>{ru}</p>").repeat(5), "<meta charset=utf-8>"),
                encoding_rs::WINDOWS_1251,
            ),
        ),
    ];
    let mut args = vec!["--url".to_string(), "https://news.example/a".to_string()];
    for (name, bytes) in &files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        args.push(dir.path().join(name).display().to_string());
    }
    args.push("-".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let stdin = page(
        "<p>From standard input, the council said, the road reopens on Monday.</p>",
        "",
    );
    let (code, lines) = run(&args, stdin.as_bytes());
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 5);
    for (line, want) in lines.iter().zip([ru, ja, zh, ru, "From standard input"]) {
        assert!(line["text"].as_str().unwrap().contains(want), "{line}");
        assert_eq!(line["title"], "Floods close the valley road");
        assert!(line["published"].is_null() && line["byline"].is_null());
        assert!(!line["text"].as_str().unwrap().contains("Home"));
    }
    assert_eq!(lines[4]["path"], "-");
}

#[test]
fn unreadable_input_gives_an_error_line_and_a_failing_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.html");
    std::fs::write(
        &good,
        page(
            "<p>The river rose overnight, officials said, and the road closed.</p>",
            "",
        ),
    )
    .unwrap();
    let missing = dir.path().join("missing.html");
    let bad_gz = dir.path().join("bad.html.gz");
    std::fs::write(&bad_gz, b"not gzip at all").unwrap();
    let args = [
        missing.to_str().unwrap(),
        bad_gz.to_str().unwrap(),
        good.to_str().unwrap(),
    ];
    let (code, lines) = run(&args, b"");
    assert_eq!(code, 1);
    assert_eq!(lines.len(), 3);
    assert!(lines[0]["error"].is_string() && lines[1]["error"].is_string());
    assert_eq!(lines[0]["path"], missing.to_str().unwrap());
    assert!(lines[2]["text"]
        .as_str()
        .unwrap()
        .starts_with("The river rose overnight"));
}

#[test]
fn every_field_of_the_page_is_written() {
    let head = r#"<meta property="article:published_time" content="2025-01-02T08:00:00Z">
        <meta name="author" content="Ana Ruiz, Bo Li"><meta property="article:section" content="Weather">
        <meta name="keywords" content="floods, roads">"#;
    let html = page(
        "<p>The valley road closed overnight as the river rose, the council said on Thursday.</p>",
        head,
    );
    let (code, lines) = run(&["-"], html.as_bytes());
    assert_eq!(code, 0);
    let line = &lines[0];
    assert_eq!(line["authors"], serde_json::json!(["Ana Ruiz", "Bo Li"]));
    assert_eq!(line["byline"], "Ana Ruiz, Bo Li");
    assert_eq!(line["section"], "Weather");
    assert_eq!(line["keywords"], serde_json::json!(["floods", "roads"]));
    // The offset as `to_rfc3339` writes it, as this command always has.
    assert_eq!(line["published"], "2025-01-02T08:00:00+00:00");
}
