//! Small helpers: escaping, relative timestamps, legacy encodings, images.

use chrono::{DateTime, Duration, FixedOffset, Utc};

/// Escape text for HTML/XML element content and double-quoted attributes.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escape for HTML text nodes only. Quotes are left alone so the served
/// text reads exactly like the clean paragraphs (as most CMSes emit it).
pub(crate) fn esc_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The publication instant of something `age_minutes` old, computed per
/// request so the demo always looks fresh.
pub(crate) fn published(now: DateTime<Utc>, age_minutes: u32) -> DateTime<Utc> {
    now - Duration::minutes(i64::from(age_minutes))
}

pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub(crate) fn rfc2822(t: DateTime<Utc>) -> String {
    t.to_rfc2822()
}

/// RFC 2822 in a non-UTC zone, as some publishers emit.
pub(crate) fn rfc2822_offset(t: DateTime<Utc>, offset_hours: i32) -> String {
    let tz = FixedOffset::east_opt(offset_hours * 3600).expect("valid offset");
    t.with_timezone(&tz).to_rfc2822()
}

/// A human-readable date as printed on pages ("14 March 2025, 09:41 UTC").
pub(crate) fn human(t: DateTime<Utc>) -> String {
    t.format("%-d %B %Y, %H:%M UTC").to_string()
}

/// Encode to windows-1251 by hand: only Cyrillic, ASCII and a few
/// punctuation marks are needed, and this avoids a dependency.
pub(crate) fn encode_windows_1251(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '\0'..='\x7f' => c as u8,
            '\u{0410}'..='\u{044f}' => (c as u32 - 0x0410 + 0xc0) as u8,
            'ё' => 0xb8,
            'Ё' => 0xa8,
            '«' => 0xab,
            '»' => 0xbb,
            '—' => 0x97,
            '–' => 0x96,
            '№' => 0xb9,
            '\u{a0}' => 0xa0,
            other => panic!("no windows-1251 mapping for {other:?}"),
        })
        .collect()
}

/// A small lead-image SVG in the outlet's accent colour.
pub(crate) fn lead_svg(accent: &str, label: &str) -> String {
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360" viewBox="0 0 640 360"><rect width="640" height="360" fill="{accent}"/><circle cx="520" cy="90" r="60" fill="#ffffff" fill-opacity="0.18"/><path d="M0 290 Q160 230 320 280 T640 260 V360 H0 Z" fill="#000000" fill-opacity="0.25"/><text x="32" y="330" font-family="sans-serif" font-size="22" fill="#ffffff">{}</text></svg>"##,
        esc(label)
    )
}

/// A valid 1x1 PNG (used as a non-HTML "article" on the fault host).
pub(crate) const TINY_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x90, 0xf5, 0xeb, 0xfc, 0x0f, 0x00, 0x03, 0x74, 0x01, 0xf4, 0x71, 0x9d, 0x63,
    0xe2, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A minimal one-page PDF (another non-HTML "article").
pub(crate) const TINY_PDF: &str = "%PDF-1.4\n\
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >> endobj\n\
4 0 obj << /Length 55 >> stream\n\
BT /F1 18 Tf 20 70 Td (Annual report, page 1) Tj ET\n\
endstream endobj\n\
5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj\n\
trailer << /Root 1 0 R >>\n\
%%EOF\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1251_maps_cyrillic() {
        assert_eq!(encode_windows_1251("Аая"), vec![0xc0, 0xe0, 0xff]);
        assert_eq!(encode_windows_1251("ё«»—"), vec![0xb8, 0xab, 0xbb, 0x97]);
    }

    #[test]
    fn escaping() {
        assert_eq!(esc(r#"a&b<"c">"#), "a&amp;b&lt;&quot;c&quot;&gt;");
        assert_eq!(esc_text(r#""Hi," she said & left"#), r#""Hi," she said &amp; left"#);
    }
}
