//! Hostile and odd input: nothing may panic, hang or use unbounded memory,
//! and a page without an article is not an error.

use std::time::Instant;

use newsdesk_extract::extract;
use url::Url;

fn base() -> Url {
    Url::parse("https://news.example/world/story.html").unwrap()
}

#[test]
fn hundred_thousand_nested_divs_finish() {
    let html = format!("<html><body>{}<p>Deep text.</p></body></html>", "<div>".repeat(100_000));
    let start = Instant::now();
    let page = extract(&html, Some(&base()));
    // Generous: this guards against a hang, not a speed target.
    assert!(start.elapsed().as_secs() < 60, "took {:?}", start.elapsed());
    assert!(page.text.len() < 100);
}

#[test]
fn link_with_a_hundred_thousand_attributes_finishes() {
    // Links keep all their attributes (the tree builder compares them), and
    // each new name is checked against the ones before it.
    let attrs: String = (0..100_000).map(|i| format!(" data-a{i}=\"{i}\"")).collect();
    let html = format!(
        "<html><body><article><p>Officials said the river rose overnight, flooding the lower town, \
         <a href=/x{attrs}>and closing roads</a> on Tuesday.</p></article></body></html>"
    );
    assert!(html.len() < newsdesk_extract::MAX_INPUT_BYTES);
    let start = Instant::now();
    let page = extract(&html, Some(&base()));
    assert!(start.elapsed().as_secs() < 60, "took {:?}", start.elapsed());
    assert!(
        page.text
            .contains("flooding the lower town, and closing roads on Tuesday."),
        "{}",
        page.text
    );
}

#[test]
fn a_hundred_thousand_like_named_siblings_finish() {
    // Every block a "widget" of one class beside a paragraph of prose, last:
    // the series is read, and its parent is walked once, not once per member.
    let widgets = "<div class='text-widget'><p>Line of text in a widget.</p></div>".repeat(100_000);
    let html = format!(
        "<html><body><div>{widgets}<p>A conclusion long enough to count as a paragraph of the article's own prose, \
         with a comma or two, after the blocks.</p></div></body></html>"
    );
    let start = Instant::now();
    let page = extract(&html, Some(&base()));
    assert!(start.elapsed().as_secs() < 60, "took {:?}", start.elapsed());
    assert!(
        page.text.contains("Line of text in a widget."),
        "{}",
        &page.text[..page.text.len().min(200)]
    );
}

#[test]
fn fifty_mib_page_is_cut_not_choked_on() {
    let para = "<p>Officials said the river rose overnight, flooding the lower town and closing roads.</p>";
    let html = format!(
        "<html><body><article>{}</article></body></html>",
        para.repeat(50 * 1024 * 1024 / para.len())
    );
    assert!(html.len() >= 50 * 1024 * 1024);
    let page = extract(&html, None);
    assert!(page.text.starts_with("Officials said the river rose overnight"));
    assert!(page.text.len() <= newsdesk_extract::MAX_INPUT_BYTES);
}

#[test]
fn truncated_html_and_binary_garbage_do_not_panic() {
    let article = "<html><head><title>Floods</title></head><body><article><p>The river rose overnight, \
                   flooding the lower town, officials said on Tuesday, and closing roads.</p><p>Unfinished <a hr";
    for cut in (0..article.len()).step_by(7) {
        if article.is_char_boundary(cut) {
            let _ = extract(&article[..cut], Some(&base()));
        }
    }
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let garbage: Vec<u8> = (0..200_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let _ = extract(&String::from_utf8_lossy(&garbage), Some(&base()));
    let _ = extract("\u{0}<<<>>>&&&;;<!-- <script>", None);
}

#[test]
fn page_without_article_gives_empty_text() {
    let html = "<html><head><title>Home</title></head><body><nav><a href=/a>World</a> <a href=/b>Sport</a></nav>\
                <footer>© Paper</footer></body></html>";
    let page = extract(html, Some(&base()));
    assert_eq!(page.text, "");
    assert_eq!(page.title.as_deref(), Some("Home"));
    assert_eq!(extract("", None).text, "");
}

#[test]
fn non_latin_pages_come_through() {
    let ru =
        "Правительство объявило о новых мерах поддержки семей, пострадавших от наводнения, сообщили в министерстве.";
    let ja = "政府は洪水の被害を受けた家族への新たな支援策を発表し、復旧作業を急ぐと述べた。関係者によると、支援は来週から始まる。";
    let zh = "政府宣布了针对受洪水影响家庭的新支持措施，并表示将加快恢复工作。据官员介绍，援助将于下周开始发放。";
    for (text, lang) in [(ru, "ru"), (ja, "ja"), (zh, "zh")] {
        let html = format!("<html><body><article><p>{text}</p><p>{text}</p></article></body></html>");
        let page = extract(&html, None);
        assert!(page.text.contains(text), "{lang}: {:?}", page.text);
        // whatlang may not be confident on two sentences; when it answers, it must be right.
        assert!(
            page.lang.as_deref().is_none_or(|l| l == lang),
            "{lang}: {:?}",
            page.lang
        );
    }
}
