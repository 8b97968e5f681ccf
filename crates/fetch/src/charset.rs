//! Decoding fetched bytes to text, trusting declarations only as far as the
//! bytes agree with them: publishers often declare a charset they do not use.
//!
//! Order: byte-order mark, Content-Type `charset`, `<meta>`/XML declaration
//! in the first 1024 bytes, then valid UTF-8, then statistical sniffing with
//! chardetng. When the header and the document declare different charsets,
//! both are distrusted and the bytes are sniffed. Text that was UTF-8 read
//! as windows-1252 and saved again ("thereâ€™s") is then put back.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};

/// How far into the document `<meta charset>` / `<?xml encoding?>` is sought
/// (the HTML spec's prescan window).
const PRESCAN_BYTES: usize = 1024;

/// How many bytes chardetng reads, from the first non-ASCII byte on. Its
/// guess settles within a few KiB of non-ASCII text, while feeding it a
/// whole page cost most of `newsdesk extract`'s time.
const SNIFF_BYTES: usize = 64 * 1024;

/// Decodes `body` to a `String`; never fails (undecodable bytes become U+FFFD).
pub fn decode(body: &[u8], content_type: Option<&str>) -> String {
    undo_double_encoding(decode_bytes(body, content_type))
}

/// [`decode`] of a body the caller no longer needs: a page that is read as
/// UTF-8 and is valid UTF-8 (most are) becomes the `String` without a copy.
pub fn decode_owned(body: Vec<u8>, content_type: Option<&str>) -> String {
    let as_utf8 = Encoding::for_bom(&body).is_none()
        && declared(&body, content_type).is_none_or(|e| e == UTF_8 || e == UTF_16LE || e == UTF_16BE);
    if !as_utf8 {
        return decode(&body, content_type);
    }
    match String::from_utf8(body) {
        Ok(text) => undo_double_encoding(text),
        Err(e) => decode(e.as_bytes(), content_type),
    }
}

fn decode_bytes(body: &[u8], content_type: Option<&str>) -> String {
    if let Some((encoding, bom_len)) = Encoding::for_bom(body) {
        let (text, _) = encoding.decode_without_bom_handling(&body[bom_len..]);
        return text.into_owned();
    }
    if let Some(text) = declared(body, content_type).and_then(|enc| decode_declared(enc, body)) {
        return text;
    }
    // chardetng takes valid UTF-8 as UTF-8 anyway (and pure ASCII decodes
    // the same either way); checking validity first is far cheaper.
    if let Ok(text) = std::str::from_utf8(body) {
        return text.to_owned();
    }
    let encoding = sniff(body);
    encoding.decode_without_bom_handling(body).0.into_owned()
}

/// The encoding the header or the document declares, unless they contradict
/// each other: then at least one is wrong, and the bytes decide.
fn declared(body: &[u8], content_type: Option<&str>) -> Option<&'static Encoding> {
    match (content_type.and_then(charset_param), in_document_charset(body)) {
        (Some(header), Some(meta)) if header != meta => None,
        (header, meta) => header.or(meta),
    }
}

/// The encoding declared by `Content-Type: …; charset=X`, if recognised.
pub fn charset_param(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| label(value))
            .flatten()
    })
}

/// Decodes with a declared encoding unless the bytes contradict it.
fn decode_declared(encoding: &'static Encoding, body: &[u8]) -> Option<String> {
    // Without a BOM, a UTF-16 declaration in an ASCII-compatible document
    // is wrong by construction (HTML spec: treat as UTF-8).
    let encoding = if encoding == UTF_16LE || encoding == UTF_16BE {
        UTF_8
    } else {
        encoding
    };
    if encoding != UTF_8 && !body.is_ascii() && std::str::from_utf8(body).is_ok() {
        // Non-ASCII text that is valid UTF-8 is almost never legacy-encoded;
        // this catches servers that default to ISO-8859-1 for UTF-8 pages.
        return Some(String::from_utf8_lossy(body).into_owned());
    }
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    if had_errors && encoding == UTF_8 && mostly_utf8(body) {
        // A few stray bytes in a UTF-8 page (a truncated character, a
        // pasted legacy byte) do not make the page legacy-encoded: decode
        // it as UTF-8 with U+FFFD for them, as browsers do.
        return Some(text.into_owned());
    }
    (!had_errors).then(|| text.into_owned())
}

/// Whether valid multi-byte UTF-8 characters outnumber invalid sequences.
/// Text in legacy 8-bit and CJK encodings forms a valid multi-byte UTF-8
/// character only by chance, far more often an invalid sequence, so this
/// tells a UTF-8 page with a few bad bytes from a page that only claims
/// UTF-8; a page whose only non-ASCII bytes are invalid (smart quotes from
/// windows-1252, say) is still sniffed.
fn mostly_utf8(mut body: &[u8]) -> bool {
    // In valid UTF-8 every non-ASCII character has exactly one lead byte.
    let lead_bytes = |b: &[u8]| b.iter().filter(|&&b| b >= 0xC0).count();
    let (mut valid, mut invalid) = (0, 0);
    while let Err(e) = std::str::from_utf8(body) {
        valid += lead_bytes(&body[..e.valid_up_to()]);
        invalid += 1;
        // No error length: the body ends inside a character.
        let bad = e.error_len().unwrap_or(body.len() - e.valid_up_to());
        body = &body[e.valid_up_to() + bad..];
    }
    valid += lead_bytes(body);
    valid > invalid
}

/// Text whose UTF-8 bytes were once read as ISO-8859-1 or windows-1252 and
/// written out again as UTF-8 ("there’s" stored as "thereâ\u{80}\u{99}s"
/// or "thereâ€™s"), put back. The bytes are valid UTF-8, so no decoder sees
/// a fault; the damage shows only in the characters. A garbled character
/// whose bytes include 0x80–0x9F leaves a C1 control or, from a 3- or
/// 4-byte character, a windows-1252 symbol after a Latin-1 letter: text
/// never holds the one and hardly ever the other, so one such sequence is
/// proof. Only then are 2-byte characters ("Ã©" for "é") repaired too,
/// since a Latin-1 letter before a symbol ("CAFÉ”") is ordinary text.
fn undo_double_encoding(text: String) -> String {
    let proven = |(_, (_, proof)): &(usize, (usize, bool))| *proof;
    if !garbled(&text).any(|found| proven(&found)) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, (len, _)) in garbled(&text) {
        if at < copied {
            continue;
        }
        let Some(original) = std::str::from_utf8(&legacy_bytes(&text[at..at + len]))
            .ok()
            .and_then(|s| s.chars().next())
        else {
            continue;
        };
        out.push_str(&text[copied..at]);
        out.push(original);
        copied = at + len;
    }
    out.push_str(&text[copied..]);
    out
}

/// Each place in `text` where a Latin-1 letter that leads a UTF-8 sequence
/// is followed by as many characters standing for continuation bytes, and
/// together they make one valid UTF-8 character: its byte offset, its
/// length in `text`, and whether it proves double encoding.
fn garbled(text: &str) -> impl Iterator<Item = (usize, (usize, bool))> + '_ {
    // U+00C0–U+00FF are 0xC3 0x80–0xBF in UTF-8.
    memchr::memchr_iter(0xC3, text.as_bytes()).filter_map(|at| Some((at, garbled_at(&text[at..])?)))
}

/// The length and proof of a garbled character opening `s`, if one does.
fn garbled_at(s: &str) -> Option<(usize, bool)> {
    let mut chars = s.chars();
    let lead = chars.next()?;
    let continuations = match u32::from(lead) {
        0xC2..=0xDF => 1,
        0xE0..=0xEF => 2,
        0xF0..=0xF4 => 3,
        _ => return None,
    };
    let mut bytes = [u8::try_from(u32::from(lead)).ok()?, 0, 0, 0];
    let (mut len, mut c1, mut below_a0) = (lead.len_utf8(), false, false);
    for byte in &mut bytes[1..=continuations] {
        let c = chars.next()?;
        *byte = legacy_byte(c).filter(|b| (0x80..=0xBF).contains(b))?;
        c1 |= ('\u{80}'..='\u{9F}').contains(&c);
        below_a0 |= *byte < 0xA0;
        len += c.len_utf8();
    }
    std::str::from_utf8(&bytes[..=continuations]).ok()?;
    Some((len, c1 || (continuations > 1 && below_a0)))
}

/// The bytes that `s`'s characters stand for in ISO-8859-1 or windows-1252.
fn legacy_bytes(s: &str) -> Vec<u8> {
    s.chars().filter_map(legacy_byte).collect()
}

/// The byte a character stands for in ISO-8859-1 (U+0000–U+00FF, C1
/// controls included: windows-1252 leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D
/// undefined, and garbling keeps them as such) or windows-1252's symbols.
fn legacy_byte(c: char) -> Option<u8> {
    u8::try_from(u32::from(c)).ok().or_else(|| {
        let at = WINDOWS_1252_80_9F.iter().position(|&w| w == c)?;
        Some(0x80 + u8::try_from(at).ok()?)
    })
}

/// windows-1252's characters for bytes 0x80–0x9F (NUL where undefined).
const WINDOWS_1252_80_9F: [char; 32] = [
    '€', '\0', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\0', 'Ž', '\0', '\0', '‘', '’', '“', '”', '•',
    '–', '—', '˜', '™', 'š', '›', 'œ', '\0', 'ž', 'Ÿ',
];

/// `<meta charset>`, `<meta http-equiv … charset=>` or `<?xml … encoding=?>`
/// within the first [`PRESCAN_BYTES`].
fn in_document_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(PRESCAN_BYTES)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    if let Some(decl) = head.trim_start().strip_prefix("<?xml") {
        let decl = decl.split("?>").next().unwrap_or(decl);
        if let Some(enc) = attr_value(decl, "encoding").and_then(label) {
            return Some(enc);
        }
    }
    head.match_indices("<meta")
        .filter_map(|(i, _)| {
            let tag = &head[i..];
            let tag = tag.split('>').next().unwrap_or(tag);
            attr_value(tag, "charset").and_then(label)
        })
        .next()
}

/// Value after `name=` (quoted or not); also finds `charset=` inside a
/// `content="text/html; charset=x"` attribute, which is what we want.
fn attr_value<'a>(s: &'a str, name: &str) -> Option<&'a str> {
    let start = s.find(&format!("{name}="))? + name.len() + 1;
    let rest = s[start..].trim_start_matches(['"', '\'', ' ']);
    let end = rest
        .find(|c: char| matches!(c, '"' | '\'' | ';' | '>' | '/') || c.is_whitespace())
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

fn label(value: &str) -> Option<&'static Encoding> {
    Encoding::for_label(value.trim().trim_matches(['"', '\'']).as_bytes())
}

/// Best guess from the bytes alone, for a body that is not valid UTF-8.
fn sniff(body: &[u8]) -> &'static Encoding {
    // Only non-ASCII bytes and their neighbours carry evidence, and pages
    // often open with many KiB of ASCII markup: start at the word holding
    // the first non-ASCII byte.
    let first = body.iter().position(|b| !b.is_ascii()).unwrap_or(0);
    let start = body[..first]
        .iter()
        .rposition(|b| b.is_ascii_whitespace() || *b == b'>')
        .map_or(0, |i| i + 1);
    let sample = &body[start..body.len().min(start + SNIFF_BYTES)];
    // ISO-2022-JP is denied: its escapes can hide markup from sanitisers.
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(sample, start + sample.len() == body.len());
    // The whole body is known not to be UTF-8, whatever the sample shows.
    detector.guess(None, Utf8Detection::Deny)
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{GB18030, SHIFT_JIS, WINDOWS_1251};

    const RU: &str = "Съешь же ещё этих мягких французских булок, да выпей чаю. Новости дня.";
    const JA: &str = "今日のニュースです。東京で新しい駅が開業しました。多くの人が訪れました。";
    const ZH: &str = "今天的新闻：北京举行了一场大型活动，许多市民参加了这次活动并表示满意。";

    fn enc(e: &'static Encoding, s: &str) -> Vec<u8> {
        e.encode(s).0.into_owned()
    }

    #[test]
    fn utf8_plain_and_declared() {
        assert_eq!(decode("héllo".as_bytes(), None), "héllo");
        assert_eq!(decode("héllo".as_bytes(), Some("text/html; charset=UTF-8")), "héllo");
    }

    #[test]
    fn windows_1251_by_header_meta_and_sniff() {
        let bytes = enc(WINDOWS_1251, RU);
        assert_eq!(decode(&bytes, Some("text/html; charset=windows-1251")), RU);
        assert_eq!(decode(&bytes, Some("text/html;charset=\"cp1251\"")), RU);
        let mut page = b"<html><head><meta charset=\"windows-1251\"></head><body>".to_vec();
        page.extend_from_slice(&bytes);
        assert!(decode(&page, Some("text/html")).ends_with(RU));
        assert_eq!(decode(&bytes, None), RU, "sniffed");
    }

    #[test]
    fn shift_jis_http_equiv_and_sniff() {
        let bytes = enc(SHIFT_JIS, JA);
        let mut page =
            b"<html><head><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=Shift_JIS\">".to_vec();
        page.extend_from_slice(&bytes);
        assert!(decode(&page, None).ends_with(JA));
        assert_eq!(decode(&bytes, None), JA);
    }

    #[test]
    fn gb18030_xml_declaration() {
        let mut feed = b"<?xml version=\"1.0\" encoding=\"GB18030\"?><rss><title>".to_vec();
        feed.extend_from_slice(&enc(GB18030, ZH));
        feed.extend_from_slice(b"</title></rss>");
        let text = decode(&feed, Some("application/rss+xml"));
        assert!(text.contains(ZH), "{text}");
    }

    #[test]
    fn wrong_declared_charset() {
        // Header says UTF-8, bytes are windows-1251: sniff instead.
        let bytes = enc(WINDOWS_1251, RU);
        assert_eq!(decode(&bytes, Some("text/html; charset=utf-8")), RU);
        // Header says ISO-8859-1, bytes are UTF-8.
        assert_eq!(decode(RU.as_bytes(), Some("text/html; charset=iso-8859-1")), RU);
        // Declared Shift_JIS but bytes are GB18030 (invalid as Shift_JIS).
        assert_eq!(decode(&enc(GB18030, ZH), Some("text/plain; charset=shift_jis")), ZH);
        // Header says ISO-8859-1, <meta> says UTF-8, bytes are windows-1251:
        // the declarations contradict each other, so the bytes decide.
        let mut page = b"<html><head><meta charset=\"utf-8\"></head><body>".to_vec();
        page.extend_from_slice(&bytes);
        assert!(decode(&page, Some("text/html; charset=ISO-8859-1")).ends_with(RU));
        // Unknown label is ignored.
        assert_eq!(decode(RU.as_bytes(), Some("text/html; charset=bogus")), RU);
    }

    #[test]
    fn stray_bytes_in_declared_utf8_become_replacement_characters() {
        let mut page = format!("<meta charset=\"utf-8\"><p>{RU}</p><p>Café ").into_bytes();
        page.push(0xFF);
        page.extend_from_slice("crème brûlée</p>".as_bytes());
        let text = decode(&page, None);
        assert!(text.ends_with("<p>Café \u{FFFD}crème brûlée</p>"), "{text}");
        assert!(text.contains(RU), "{text}");
        let text = decode(&page[22..], Some("text/html; charset=utf-8"));
        assert!(text.ends_with("Café \u{FFFD}crème brûlée</p>"), "{text}");
    }

    /// `s` as a publisher's pipeline garbles it: its UTF-8 bytes read as
    /// `legacy` and written out again as UTF-8.
    fn double_encoded(s: &str, legacy: &'static Encoding) -> Vec<u8> {
        let (text, _) = legacy.decode_without_bom_handling(s.as_bytes());
        text.into_owned().into_bytes()
    }

    #[test]
    fn utf8_read_as_latin1_or_windows_1252_and_written_again_is_undone() {
        let page = "<meta charset=utf-8><p>There\u{2019}s no \u{201C}one size\u{201D} \u{2014} caf\u{E9}s, na\u{EF}ve \u{2026}</p>";
        // ISO-8859-1 proper: every byte a character, 0x80–0x9F as C1 controls.
        let latin1: Vec<u8> = page
            .bytes()
            .flat_map(|b| char::from(b).to_string().into_bytes())
            .collect();
        assert_eq!(decode(&latin1, None), page);
        // windows-1252: "’" becomes "â€™"; its undefined bytes (0x9D of
        // "”") stay C1 controls.
        assert_eq!(decode(&double_encoded(page, encoding_rs::WINDOWS_1252), None), page);
        assert_eq!(
            decode(
                &double_encoded(page, encoding_rs::WINDOWS_1252),
                Some("text/html; charset=utf-8")
            ),
            page
        );
    }

    #[test]
    fn text_that_only_looks_double_encoded_is_kept() {
        for text in [
            // Latin-1 letters before a Latin-1 symbol: ordinary text, and a
            // page that writes about mojibake.
            "I saw \"\u{C3}\u{A4}\" instead of \u{E4}, \u{C3}\u{A9} for \u{E9}",
            // An accented capital before a curly quote or an ellipsis.
            "\u{201C}CAF\u{C9}\u{201D} and CAF\u{C9}\u{2019}S, OL\u{C9}\u{2026}",
            // A lead without all its continuations, at the end and before text.
            "trailing \u{E2}\u{80}",
            "\u{E2}\u{80} x \u{F0}\u{9F}\u{98} y",
            // An overlong form and a surrogate are not UTF-8 either.
            "\u{C0}\u{80} \u{ED}\u{A0}\u{80}",
            "plain \u{E9}t\u{E9}, \u{444}\u{438}\u{437}\u{438}\u{43A}\u{430}, \u{6771}\u{4EAC}",
        ] {
            assert_eq!(decode(text.as_bytes(), None), text);
        }
    }

    #[test]
    fn legacy_bytes_under_a_utf8_declaration_are_still_sniffed() {
        // Only invalid non-ASCII bytes (windows-1252 curly quotes): no
        // evidence of UTF-8 at all, so the bytes decide.
        let page = b"<meta charset=utf-8><p>\x93Quoted\x94 and it\x92s fine, the harbour\x92s open.</p>";
        assert_eq!(
            decode(page, None),
            "<meta charset=utf-8><p>\u{201C}Quoted\u{201D} and it\u{2019}s fine, the harbour\u{2019}s open.</p>"
        );
        // Whole pages in another encoding, where some byte pairs happen to
        // be valid UTF-8.
        let utf8 = Some("text/html; charset=utf-8");
        assert_eq!(decode(&enc(WINDOWS_1251, RU), utf8), RU);
        assert_eq!(decode(&enc(GB18030, ZH), utf8), ZH);
        assert_eq!(decode(&enc(SHIFT_JIS, JA), utf8), JA);
    }

    #[test]
    fn long_undeclared_page_is_sniffed_from_its_text() {
        // More ASCII markup than the sniff window before any text, then
        // more text than the window: still windows-1251.
        let mut page = b"<html><head><script>".to_vec();
        page.extend_from_slice(&b"var x = 1;\n".repeat(SNIFF_BYTES / 8));
        page.extend_from_slice(b"</script></head><body>");
        let mut body = String::new();
        while body.len() < 2 * SNIFF_BYTES {
            body.push_str("<p>");
            body.push_str(RU);
            body.push_str("</p>\n");
        }
        page.extend_from_slice(&enc(WINDOWS_1251, &body));
        let text = decode(&page, Some("text/html"));
        assert!(text.ends_with(&body), "not decoded as windows-1251");
    }

    #[test]
    fn bom_wins() {
        let mut utf8 = vec![0xEF, 0xBB, 0xBF];
        utf8.extend_from_slice("héllo".as_bytes());
        assert_eq!(decode(&utf8, Some("text/html; charset=windows-1251")), "héllo");
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "héllo".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(decode(&utf16, None), "héllo");
    }

    #[test]
    fn decoding_an_owned_body_gives_the_same_text() {
        let bodies = [
            b"<meta charset=utf-8><p>caf\xc3\xa9</p>".to_vec(),
            b"<p>caf\xc3\xa9 there\xc3\xa2\xc2\x80\xc2\x99s</p>".to_vec(),
            b"<meta charset=utf-16><p>caf\xc3\xa9</p>".to_vec(),
            b"<meta charset=iso-2022-jp><p>\x1b$B$3\x1b(B</p>".to_vec(),
            b"<meta charset=windows-1252><p>caf\xc3\xa9</p>".to_vec(),
            b"<meta charset=utf-8><p>caf\xe9 caf\xc3\xa9 caf\xc3\xa9</p>".to_vec(),
            b"\xef\xbb\xbf<p>caf\xc3\xa9</p>".to_vec(),
            enc(WINDOWS_1251, RU),
        ];
        for body in bodies {
            for content_type in [
                None,
                Some("text/html; charset=utf-8"),
                Some("text/html; charset=koi8-r"),
            ] {
                assert_eq!(decode_owned(body.clone(), content_type), decode(&body, content_type));
            }
        }
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for input in [
            &b""[..],
            b"<meta charset=",
            b"<?xml encoding=",
            b"<meta charset=\"\xff\xfe",
            b"\xff\xff\xff",
        ] {
            decode(input, Some("text/html; charset"));
            decode(input, Some(";;;=;"));
        }
    }
}
