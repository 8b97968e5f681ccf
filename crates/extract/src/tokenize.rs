//! An HTML tokenizer feeding [`crate::parse`]'s tree builder.
//!
//! html5ever's tokenizer moves one character at a time through a buffer
//! queue of tendrils and took ~40% of extraction's instructions. This one
//! follows the WHATWG tokenization rules over a byte slice, copying text in
//! runs found with memchr. What it leaves out does not occur once
//! [`crate::prescan`] has run, or cannot change the tree: comment and
//! doctype contents (both are skipped), script "double escaping" (only
//! JSON-LD scripts are left), parse errors and line numbers.
//!
//! Most of a news page's markup is attributes no rule reads (`data-*`
//! tracking, `srcset`, `aria-*`, handlers); those are skipped without being
//! decoded, and the names and values kept borrow the page where they can.

use std::borrow::Cow;

use html5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};

use crate::parse::{read_attr, Attr, Builder};

/// How the text after a start tag is read, as the tree builder says.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Mode {
    Data,
    /// Text with character references, up to the matching end tag (`<title>`, `<textarea>`).
    Rcdata,
    /// Plain text up to the matching end tag (`<style>`, `<script>`, `<noscript>`…).
    Rawtext,
    /// Everything to the end is text.
    Plaintext,
}

/// Tokenizes `html` (newlines already normalised to LF) into `builder`.
pub fn run<'h>(html: &'h str, builder: &mut Builder<'h>) {
    let html = html.strip_prefix('\u{feff}').unwrap_or(html);
    let mut t = Tokenizer {
        html,
        bytes: html.as_bytes(),
        pos: 0,
        builder,
        text: String::new(),
        mode: Mode::Data,
        last_start: String::new(),
    };
    t.run();
    t.flush_text();
}

struct Tokenizer<'h, 'b> {
    html: &'h str,
    bytes: &'h [u8],
    pos: usize,
    builder: &'b mut Builder<'h>,
    /// Characters not yet handed to the builder.
    text: String,
    mode: Mode,
    /// The last start tag's name: only its end tag ends raw text.
    last_start: String,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0c')
}

impl<'h> Tokenizer<'h, '_> {
    fn run(&mut self) {
        while self.pos < self.bytes.len() {
            match self.mode {
                Mode::Data => self.data(),
                Mode::Rcdata | Mode::Rawtext => self.raw_text(),
                Mode::Plaintext => {
                    let rest = &self.html[self.pos..];
                    push_replacing_nul(&mut self.text, rest);
                    self.pos = self.bytes.len();
                }
            }
        }
    }

    fn flush_text(&mut self) {
        if !self.text.is_empty() {
            self.builder.text(&self.text);
            self.text.clear();
        }
    }

    /// The data state: text and character references up to the next markup.
    fn data(&mut self) {
        if !self.copy_text_to(memchr::memchr3(b'<', b'&', b'\0', &self.bytes[self.pos..])) {
            return;
        }
        match self.bytes[self.pos] {
            b'&' => self.char_ref(false),
            // Browsers drop a NUL in body text.
            b'\0' => self.pos += 1,
            _ => self.markup(),
        }
    }

    /// RCDATA and RAWTEXT: text up to the end tag of the element that opened it.
    fn raw_text(&mut self) {
        let rc = self.mode == Mode::Rcdata;
        loop {
            let rest = &self.bytes[self.pos..];
            let found = if rc {
                memchr::memchr3(b'<', b'&', b'\0', rest)
            } else {
                memchr::memchr2(b'<', b'\0', rest)
            };
            if !self.copy_text_to(found) {
                return;
            }
            match self.bytes[self.pos] {
                b'&' => self.char_ref(false),
                b'\0' => {
                    self.text.push('\u{fffd}');
                    self.pos += 1;
                }
                _ if self.at_appropriate_end_tag() => {
                    self.mode = Mode::Data;
                    self.tag();
                    return;
                }
                _ => {
                    self.text.push('<');
                    self.pos += 1;
                }
            }
        }
    }

    /// Copies the text up to the stop byte `off` bytes ahead (or to the end,
    /// if none) and moves there; false at the end.
    fn copy_text_to(&mut self, off: Option<usize>) -> bool {
        let end = off.map_or(self.bytes.len(), |o| self.pos + o);
        self.text.push_str(&self.html[self.pos..end]);
        self.pos = end;
        off.is_some()
    }

    fn at_appropriate_end_tag(&self) -> bool {
        let name = self.last_start.as_bytes();
        let rest = &self.bytes[self.pos..];
        rest.len() > name.len() + 2
            && rest.starts_with(b"</")
            && rest[2..2 + name.len()].eq_ignore_ascii_case(name)
            && matches!(rest[2 + name.len()], b' ' | b'\t' | b'\n' | b'\x0c' | b'/' | b'>')
    }

    /// At a `<` in the data state.
    fn markup(&mut self) {
        let next = self.bytes.get(self.pos + 1).copied();
        let after = self.bytes.get(self.pos + 2).copied();
        match (next, after) {
            (Some(c), _) if c.is_ascii_alphabetic() => self.tag(),
            (Some(b'/'), Some(c)) if c.is_ascii_alphabetic() => self.tag(),
            (Some(b'/'), Some(b'>')) => self.pos += 3,
            (Some(b'/'), None) => {
                self.text.push_str("</");
                self.pos += 2;
            }
            (Some(b'/'), Some(_)) => self.bogus_comment(self.pos + 2),
            (Some(b'!'), _) => self.markup_declaration(),
            (Some(b'?'), _) => self.bogus_comment(self.pos + 1),
            _ => {
                self.text.push('<');
                self.pos += 1;
            }
        }
    }

    /// Text up to the next `>` (or the end) is a comment, and skipped.
    fn bogus_comment(&mut self, from: usize) {
        let end = memchr::memchr(b'>', &self.bytes[from..]).map_or(self.bytes.len(), |i| from + i);
        self.pos = (end + 1).min(self.bytes.len());
    }

    /// `<!`: a comment, a doctype, CDATA in foreign content, or a bogus comment.
    fn markup_declaration(&mut self) {
        let rest = &self.bytes[self.pos + 2..];
        if rest.starts_with(b"--") {
            self.comment();
        } else if rest.starts_with(b"[CDATA[") && self.builder.in_foreign_content() {
            let from = self.pos + 9;
            let end = memchr::memmem::find(&self.bytes[from..], b"]]>").map_or(self.bytes.len(), |i| from + i);
            self.text.push_str(&self.html[from..end]);
            self.pos = (end + 3).min(self.bytes.len());
        } else {
            self.bogus_comment(self.pos + 2);
        }
    }

    /// `<!--`: ends at `-->` or `--!>`; `<!-->` and `<!--->` are empty comments. Skipped.
    fn comment(&mut self) {
        let from = self.pos + 4;
        let rest = &self.bytes[from..];
        self.pos = if rest.starts_with(b">") {
            from + 1
        } else if rest.starts_with(b"->") {
            from + 2
        } else {
            let close = memchr::memmem::find(rest, b"-->").map(|i| from + i + 3);
            let bang = memchr::memmem::find(rest, b"--!>").map(|i| from + i + 4);
            match (close, bang) {
                (Some(c), Some(b)) => c.min(b),
                (c, b) => c.or(b).unwrap_or(self.bytes.len()),
            }
        };
    }

    /// A start or end tag at `<`. A tag the page ends inside is dropped.
    fn tag(&mut self) {
        let closing = self.bytes[self.pos + 1] == b'/';
        self.pos += 1 + usize::from(closing);
        let name_end = self.find_byte(|b| is_space(b) || b == b'/' || b == b'>');
        let name = lower_name(&self.html[self.pos..name_end]);
        self.pos = name_end;
        let mut attrs: Vec<Attr<'h>> = Vec::new();
        let mut self_closing = false;
        loop {
            let Some(b) = self.bytes.get(self.pos).copied() else {
                self.pos = self.bytes.len();
                return;
            };
            match b {
                b'>' => break,
                b'/' => {
                    self_closing = self.bytes.get(self.pos + 1) == Some(&b'>');
                    self.pos += 1;
                }
                _ if is_space(b) => self.pos += 1,
                _ => {
                    self_closing = false;
                    let Some(attr) = self.attribute() else {
                        self.pos = self.bytes.len();
                        return;
                    };
                    // The first of repeated names wins; only a fixed few are kept, so the scan is short.
                    if let Some(attr) = attr.filter(|a| attrs.iter().all(|b| b.0 != a.0)) {
                        attrs.push(attr);
                    }
                }
            }
        }
        self.pos += 1;
        self.flush_text();
        if closing {
            self.builder.end_tag(&name);
        } else {
            self.last_start.clear();
            self.last_start.push_str(&name);
            self.mode = self.builder.start_tag(name, attrs, self_closing);
        }
    }

    /// One attribute, its value's character references decoded, or `Some(None)`
    /// for one nobody reads; `None` at the end of the page.
    fn attribute(&mut self) -> Option<Option<Attr<'h>>> {
        // The first character of a name may be `=`.
        let start = self.pos;
        self.pos += 1;
        let name_end = self.find_byte(|b| is_space(b) || matches!(b, b'/' | b'>' | b'='));
        let name = read_attr(&lower_name(&self.html[start..name_end]));
        self.pos = name_end;
        let after_space = self.find_byte(|b| !is_space(b));
        let mut value = Cow::Borrowed("");
        if self.bytes.get(after_space) == Some(&b'=') {
            self.pos = after_space + 1;
            self.pos = self.find_byte(|b| !is_space(b));
            match *self.bytes.get(self.pos)? {
                q @ (b'"' | b'\'') => {
                    self.pos += 1;
                    let end = self.pos + memchr::memchr(q, &self.bytes[self.pos..])?;
                    value = self.attr_value(end, name.is_some());
                    self.pos = end + 1;
                }
                b'>' => {}
                _ => {
                    let end = self.find_byte(|b| is_space(b) || b == b'>');
                    value = self.attr_value(end, name.is_some());
                }
            }
        }
        Some(name.map(|n| (n, value)))
    }

    /// The value running to `end`, decoded; empty (and not decoded) if not `wanted`.
    fn attr_value(&mut self, end: usize, wanted: bool) -> Cow<'h, str> {
        let raw = &self.html[self.pos..end];
        if !wanted || memchr::memchr2(b'&', b'\0', raw.as_bytes()).is_none() {
            self.pos = end;
            return if wanted { Cow::Borrowed(raw) } else { Cow::Borrowed("") };
        }
        let outer = std::mem::take(&mut self.text);
        while self.pos < end {
            let rest = &self.bytes[self.pos..end];
            let Some(off) = memchr::memchr2(b'&', b'\0', rest) else {
                self.text.push_str(&self.html[self.pos..end]);
                self.pos = end;
                break;
            };
            self.text.push_str(&self.html[self.pos..self.pos + off]);
            self.pos += off;
            if self.bytes[self.pos] == b'\0' {
                self.text.push('\u{fffd}');
                self.pos += 1;
            } else {
                self.char_ref_within(true, end);
            }
        }
        Cow::Owned(std::mem::replace(&mut self.text, outer))
    }

    /// First index at or after `pos` whose byte matches, or the end.
    fn find_byte(&self, stop: impl Fn(u8) -> bool) -> usize {
        self.bytes[self.pos..]
            .iter()
            .position(|&b| stop(b))
            .map_or(self.bytes.len(), |i| self.pos + i)
    }

    fn char_ref(&mut self, in_attribute: bool) {
        self.char_ref_within(in_attribute, self.bytes.len());
    }

    /// At `&`: appends the referenced characters to the text, or the `&` itself.
    fn char_ref_within(&mut self, in_attribute: bool, limit: usize) {
        self.pos = char_ref(self.html, self.pos, limit, in_attribute, &mut self.text);
    }
}

/// Decodes the character references in `s` (text already out of the page,
/// such as a JSON-LD headline whose publisher escaped it twice).
pub fn unescape(s: &str) -> Cow<'_, str> {
    if memchr::memchr(b'&', s.as_bytes()).is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut pos = 0;
    while let Some(off) = memchr::memchr(b'&', &s.as_bytes()[pos..]) {
        out.push_str(&s[pos..pos + off]);
        // As in an attribute value: "&copy=1" in a URL stays as it is.
        pos = char_ref(s, pos + off, s.len(), true, &mut out);
    }
    out.push_str(&s[pos..]);
    Cow::Owned(out)
}

/// At the `&` at `at`: appends the referenced characters to `out`, or the
/// `&` itself, and returns where reading goes on.
fn char_ref(html: &str, at: usize, limit: usize, in_attribute: bool, out: &mut String) -> usize {
    let bytes = html.as_bytes();
    let from = at + 1;
    let consumed = match bytes[from..limit].first() {
        Some(b'#') => numeric_ref(bytes, from + 1, limit, out),
        Some(c) if c.is_ascii_alphanumeric() => named_ref(html, from, limit, in_attribute, out),
        _ => None,
    };
    consumed.unwrap_or_else(|| {
        out.push('&');
        from
    })
}

/// `&#…`: returns where it ends, or `None` without digits.
fn numeric_ref(bytes: &[u8], from: usize, limit: usize, out: &mut String) -> Option<usize> {
    let hex = matches!(bytes.get(from), Some(b'x' | b'X')) && from < limit;
    let digits_start = from + usize::from(hex);
    let base = if hex { 16 } else { 10 };
    let mut n: u32 = 0;
    let mut too_big = false;
    let mut i = digits_start;
    while i < limit {
        let Some(d) = (bytes[i] as char).to_digit(base) else {
            break;
        };
        n = n.wrapping_mul(base);
        too_big |= n > 0x10FFFF;
        n = n.wrapping_add(d);
        i += 1;
    }
    if i == digits_start {
        return None;
    }
    if i < limit && bytes[i] == b';' {
        i += 1;
    }
    let c = match n {
        _ if too_big || n > 0x10FFFF => '\u{fffd}',
        0 | 0xD800..=0xDFFF => '\u{fffd}',
        0x80..=0x9F => C1_REPLACEMENTS[(n - 0x80) as usize].unwrap_or_else(|| char::from_u32(n).unwrap_or('\u{fffd}')),
        _ => char::from_u32(n).unwrap_or('\u{fffd}'),
    };
    out.push(c);
    Some(i)
}

/// `&name;`: the longest entity name that matches, by html5ever's table of names and their prefixes.
fn named_ref(html: &str, from: usize, limit: usize, in_attribute: bool, out: &mut String) -> Option<usize> {
    let bytes = html.as_bytes();
    let mut matched: Option<((u32, u32), usize)> = None;
    let mut i = from;
    while i < limit {
        i += 1;
        let Some(name) = html.get(from..i) else { break };
        match NAMED_ENTITIES.get(name) {
            Some(&m) if m.0 != 0 => matched = Some((m, i)),
            Some(_) => {}
            None => break,
        }
    }
    let ((c1, c2), end) = matched?;
    let next = bytes.get(end).filter(|_| end < limit).copied();
    let ends_in_semicolon = bytes[end - 1] == b';';
    if !ends_in_semicolon && in_attribute && next.is_some_and(|b| b == b'=' || b.is_ascii_alphanumeric()) {
        return None;
    }
    out.extend(char::from_u32(c1));
    if c2 != 0 {
        out.extend(char::from_u32(c2));
    }
    Some(end)
}

/// A tag or attribute name as the tokenizer keeps it: ASCII lower-cased, NUL replaced.
fn lower_name(raw: &str) -> Cow<'_, str> {
    if raw.bytes().any(|b| b.is_ascii_uppercase() || b == 0) {
        raw.to_ascii_lowercase().replace('\0', "\u{fffd}").into()
    } else {
        raw.into()
    }
}

fn push_replacing_nul(out: &mut String, s: &str) {
    if s.contains('\0') {
        out.push_str(&s.replace('\0', "\u{fffd}"));
    } else {
        out.push_str(s);
    }
}

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn unescape_decodes_references_but_not_url_parameters() {
        assert_eq!(
            unescape("&#8216;Quote&#8217; &amp; more&nbsp;here"),
            "‘Quote’ & more\u{a0}here"
        );
        assert_eq!(unescape("/img?w=640&copy=1&lang=en"), "/img?w=640&copy=1&lang=en");
        assert_eq!(unescape("a & b &"), "a & b &");
        assert!(matches!(unescape("plain"), std::borrow::Cow::Borrowed("plain")));
    }
}
