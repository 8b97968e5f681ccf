//! An HTML tokenizer feeding html5ever's tree builder.
//!
//! html5ever's own tokenizer moves one character at a time through a
//! buffer queue of tendrils and took ~40% of extraction's instructions. This one
//! follows the same WHATWG tokenization rules over a byte slice, copying text
//! in runs found with memchr, and hands the same tokens to the same tree
//! builder, so the tree is the one html5ever would build. What it leaves out
//! does not occur once [`crate::prescan`] has run, or cannot change the
//! tree: comment text (comments become opaque nodes), script "double
//! escaping" (only JSON-LD scripts are left), parse errors and line numbers.
//!
//! Most of a news page's markup is attributes no rule reads (`data-*`
//! tracking, `srcset`, `aria-*`, handlers); those are skipped without being
//! decoded, except the few the tree builder itself looks at.

use html5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{Doctype, Tag, TagKind, Token, TokenSink, TokenSinkResult};
use html5ever::{ns, Attribute, LocalName, QualName};

use crate::parse::is_read_attr;

/// Start tags of these keep all their attributes: the tree builder compares
/// formatting elements' attributes (the "Noah's Ark" clause), so dropping
/// any would change how misnested markup is rebuilt.
const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

/// Attributes the tree builder reads (`<input type=hidden>` in tables,
/// `<font color>` in SVG, MathML's `encoding`, declarative shadow roots).
const TREE_BUILDER_ATTRS: &[&str] = &["color", "face", "size", "encoding", "shadowrootmode"];

/// How the text after the last start tag is read, as the tree builder asks.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Data,
    /// Text with character references, up to the matching end tag (`<title>`, `<textarea>`).
    Rcdata,
    /// Plain text up to the matching end tag (`<style>`, `<script>`, `<noscript>`…).
    Rawtext,
    /// Everything to the end is text.
    Plaintext,
}

/// Tokenizes `html` into `sink`, then signals the end.
pub fn run<S: TokenSink>(html: &str, sink: &S) {
    let normalised;
    let mut html = html.strip_prefix('\u{feff}').unwrap_or(html);
    // The tokenizer sees every CR LF and lone CR as LF.
    if memchr::memchr(b'\r', html.as_bytes()).is_some() {
        normalised = html.replace("\r\n", "\n").replace('\r', "\n");
        html = &normalised;
    }
    let mut t = Tokenizer {
        html,
        bytes: html.as_bytes(),
        pos: 0,
        sink,
        text: String::new(),
        mode: Mode::Data,
        last_start: LocalName::from(""),
    };
    t.run();
    sink.end();
}

struct Tokenizer<'a, S> {
    html: &'a str,
    bytes: &'a [u8],
    pos: usize,
    sink: &'a S,
    /// Characters not yet emitted.
    text: String,
    mode: Mode,
    /// The last start tag's name: only its end tag ends raw text.
    last_start: LocalName,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0c')
}

impl<S: TokenSink> Tokenizer<'_, S> {
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
        self.emit(Token::EOFToken);
    }

    fn emit(&mut self, token: Token) {
        self.flush_text();
        self.send(token);
    }

    fn flush_text(&mut self) {
        if !self.text.is_empty() {
            let text = StrTendril::from_slice(&self.text);
            self.text.clear();
            self.send(Token::CharacterTokens(text));
        }
    }

    fn send(&mut self, token: Token) {
        match self.sink.process_token(token, 1) {
            TokenSinkResult::RawData(RawKind::Rcdata) => self.mode = Mode::Rcdata,
            TokenSinkResult::RawData(_) => self.mode = Mode::Rawtext,
            TokenSinkResult::Plaintext => self.mode = Mode::Plaintext,
            _ => {}
        }
    }

    /// The data state: text and character references up to the next markup.
    fn data(&mut self) {
        let rest = &self.bytes[self.pos..];
        let Some(off) = memchr::memchr3(b'<', b'&', b'\0', rest) else {
            self.text.push_str(&self.html[self.pos..]);
            self.pos = self.bytes.len();
            return;
        };
        self.text.push_str(&self.html[self.pos..self.pos + off]);
        self.pos += off;
        match self.bytes[self.pos] {
            b'&' => self.char_ref(false),
            b'\0' => {
                self.pos += 1;
                self.emit(Token::NullCharacterToken);
            }
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
            let Some(off) = found else {
                self.text.push_str(&self.html[self.pos..]);
                self.pos = self.bytes.len();
                return;
            };
            self.text.push_str(&self.html[self.pos..self.pos + off]);
            self.pos += off;
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

    /// Text up to the next `>` (or the end) becomes a comment.
    fn bogus_comment(&mut self, from: usize) {
        let end = memchr::memchr(b'>', &self.bytes[from..]).map_or(self.bytes.len(), |i| from + i);
        let text = self.html[from..end].replace('\0', "\u{fffd}");
        self.pos = (end + 1).min(self.bytes.len());
        self.emit(Token::CommentToken(StrTendril::from_slice(&text)));
    }

    /// `<!`: a comment, a doctype, CDATA in foreign content, or a bogus comment.
    fn markup_declaration(&mut self) {
        let rest = &self.bytes[self.pos + 2..];
        if rest.starts_with(b"--") {
            self.comment();
        } else if rest.len() >= 7 && rest[..7].eq_ignore_ascii_case(b"DOCTYPE") {
            self.pos += 9;
            self.doctype();
        } else if rest.starts_with(b"[CDATA[") && self.sink.adjusted_current_node_present_but_not_in_html_namespace() {
            let from = self.pos + 9;
            let end = memchr::memmem::find(&self.bytes[from..], b"]]>").map_or(self.bytes.len(), |i| from + i);
            self.text.push_str(&self.html[from..end]);
            self.pos = (end + 3).min(self.bytes.len());
        } else {
            self.bogus_comment(self.pos + 2);
        }
    }

    /// `<!--`: ends at `-->` or `--!>`; `<!-->` and `<!--->` are empty comments.
    fn comment(&mut self) {
        let from = self.pos + 4;
        let rest = &self.bytes[from..];
        let (text_end, end) = if rest.starts_with(b">") {
            (from, from + 1)
        } else if rest.starts_with(b"->") {
            (from, from + 2)
        } else {
            let close = memchr::memmem::find(rest, b"-->").map(|i| (from + i, from + i + 3));
            let bang = memchr::memmem::find(rest, b"--!>").map(|i| (from + i, from + i + 4));
            match (close, bang) {
                (Some(c), Some(b)) => c.min(b),
                (c, b) => c.or(b).unwrap_or((self.bytes.len(), self.bytes.len())),
            }
        };
        let text = self.html[from..text_end].replace('\0', "\u{fffd}");
        self.pos = end;
        self.emit(Token::CommentToken(StrTendril::from_slice(&text)));
    }

    /// A start or end tag at `<`. A tag the page ends inside is dropped.
    fn tag(&mut self) {
        let closing = self.bytes[self.pos + 1] == b'/';
        self.pos += 1 + usize::from(closing);
        let name_end = self.find_byte(|b| is_space(b) || b == b'/' || b == b'>');
        let name = lower_name(&self.html[self.pos..name_end]);
        self.pos = name_end;
        let keep_all = !closing && FORMATTING.contains(&&*name);
        let mut attrs: Vec<Attribute> = Vec::new();
        let mut self_closing = false;
        let mut had_duplicate_attributes = false;
        let mut seen = SeenNames::default();
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
                    let Some(attr) = self.attribute(keep_all) else {
                        self.pos = self.bytes.len();
                        return;
                    };
                    let Some(attr) = attr else { continue };
                    if seen.is_duplicate(&attrs, &attr.name.local) {
                        had_duplicate_attributes = true;
                    } else {
                        attrs.push(attr);
                    }
                }
            }
        }
        self.pos += 1;
        let name = LocalName::from(name);
        let kind = if closing {
            attrs.clear();
            TagKind::EndTag
        } else {
            self.last_start = name.clone();
            TagKind::StartTag
        };
        self.emit(Token::TagToken(Tag {
            kind,
            name,
            self_closing,
            attrs,
            had_duplicate_attributes,
        }));
    }

    /// One attribute, its value's character references decoded, or `Some(None)`
    /// for one nobody reads (unless `keep_all`); `None` at the end of the page.
    fn attribute(&mut self, keep_all: bool) -> Option<Option<Attribute>> {
        // The first character of a name may be `=`.
        let start = self.pos;
        self.pos += 1;
        let name_end = self.find_byte(|b| is_space(b) || matches!(b, b'/' | b'>' | b'='));
        let name = lower_name(&self.html[start..name_end]);
        self.pos = name_end;
        let keep = keep_all || is_read_attr(&name) || TREE_BUILDER_ATTRS.contains(&&*name);
        let after_space = self.find_byte(|b| !is_space(b));
        let mut value = StrTendril::new();
        if self.bytes.get(after_space) == Some(&b'=') {
            self.pos = after_space + 1;
            self.pos = self.find_byte(|b| !is_space(b));
            match *self.bytes.get(self.pos)? {
                q @ (b'"' | b'\'') => {
                    self.pos += 1;
                    let end = self.pos + memchr::memchr(q, &self.bytes[self.pos..])?;
                    value = self.attr_value(end, keep);
                    self.pos = end + 1;
                }
                b'>' => {}
                _ => {
                    let end = self.find_byte(|b| is_space(b) || b == b'>');
                    value = self.attr_value(end, keep);
                }
            }
        }
        Some(keep.then(|| Attribute {
            name: QualName::new(None, ns!(), LocalName::from(name)),
            value,
        }))
    }

    /// The value running to `end`, decoded; empty (and not decoded) if not `wanted`.
    fn attr_value(&mut self, end: usize, wanted: bool) -> StrTendril {
        let raw = &self.html[self.pos..end];
        if !wanted || memchr::memchr2(b'&', b'\0', raw.as_bytes()).is_none() {
            self.pos = end;
            return if wanted {
                StrTendril::from_slice(raw)
            } else {
                StrTendril::new()
            };
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
        let value = std::mem::replace(&mut self.text, outer);
        StrTendril::from_slice(&value)
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
        let from = self.pos + 1;
        let rest = &self.bytes[from..limit];
        let consumed = match rest.first() {
            Some(b'#') => self.numeric_ref(from + 1, limit),
            Some(c) if c.is_ascii_alphanumeric() => self.named_ref(from, limit, in_attribute),
            _ => None,
        };
        match consumed {
            Some(end) => self.pos = end,
            None => {
                self.text.push('&');
                self.pos = from;
            }
        }
    }

    /// `&#…`: returns where it ends, or `None` without digits.
    fn numeric_ref(&mut self, from: usize, limit: usize) -> Option<usize> {
        let hex = matches!(self.bytes.get(from), Some(b'x' | b'X')) && from < limit;
        let digits_start = from + usize::from(hex);
        let base = if hex { 16 } else { 10 };
        let mut n: u32 = 0;
        let mut too_big = false;
        let mut i = digits_start;
        while i < limit {
            let Some(d) = (self.bytes[i] as char).to_digit(base) else {
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
        if i < limit && self.bytes[i] == b';' {
            i += 1;
        }
        let c = match n {
            _ if too_big || n > 0x10FFFF => '\u{fffd}',
            0 | 0xD800..=0xDFFF => '\u{fffd}',
            0x80..=0x9F => {
                C1_REPLACEMENTS[(n - 0x80) as usize].unwrap_or_else(|| char::from_u32(n).unwrap_or('\u{fffd}'))
            }
            _ => char::from_u32(n).unwrap_or('\u{fffd}'),
        };
        self.text.push(c);
        Some(i)
    }

    /// `&name;`: the longest entity name that matches, by html5ever's table of names and their prefixes.
    fn named_ref(&mut self, from: usize, limit: usize, in_attribute: bool) -> Option<usize> {
        let mut matched: Option<((u32, u32), usize)> = None;
        let mut i = from;
        while i < limit {
            i += 1;
            let Some(name) = self.html.get(from..i) else { break };
            match NAMED_ENTITIES.get(name) {
                Some(&m) if m.0 != 0 => matched = Some((m, i)),
                Some(_) => {}
                None => break,
            }
        }
        let ((c1, c2), end) = matched?;
        let next = self.bytes.get(end).filter(|_| end < limit).copied();
        let ends_in_semicolon = self.bytes[end - 1] == b';';
        if !ends_in_semicolon && in_attribute && next.is_some_and(|b| b == b'=' || b.is_ascii_alphanumeric()) {
            return None;
        }
        self.text.extend(char::from_u32(c1));
        if c2 != 0 {
            self.text.extend(char::from_u32(c2));
        }
        Some(end)
    }

    /// After `<!DOCTYPE`: its name, public and system ids, and whether it forces quirks mode.
    fn doctype(&mut self) {
        let mut d = Doctype {
            name: None,
            public_id: None,
            system_id: None,
            force_quirks: false,
        };
        self.pos = self.find_byte(|b| !is_space(b));
        let name_end = self.find_byte(|b| is_space(b) || b == b'>');
        if self.pos >= self.bytes.len() || self.bytes[self.pos] == b'>' {
            d.force_quirks = true;
        } else {
            let name = lower_name(&self.html[self.pos..name_end]);
            d.name = Some(StrTendril::from_slice(&name));
            self.pos = name_end;
            self.doctype_ids(&mut d);
        }
        if self.pos >= self.bytes.len() {
            d.force_quirks = true;
        }
        // Whatever is left up to `>` is ignored.
        let end = memchr::memchr(b'>', &self.bytes[self.pos.min(self.bytes.len())..]);
        self.pos = end.map_or(self.bytes.len(), |i| self.pos + i + 1);
        self.emit(Token::DoctypeToken(d));
    }

    /// The `PUBLIC "…" "…"` or `SYSTEM "…"` part; stops at (not past) the closing `>`.
    fn doctype_ids(&mut self, d: &mut Doctype) {
        self.pos = self.find_byte(|b| !is_space(b));
        let rest = &self.bytes[self.pos..];
        let keyword = |k: &[u8]| rest.len() >= 6 && rest[..6].eq_ignore_ascii_case(k);
        let (public, system) = (keyword(b"PUBLIC"), keyword(b"SYSTEM"));
        if rest.first().is_none_or(|&b| b == b'>') {
            return;
        }
        if !public && !system {
            d.force_quirks = true;
            return;
        }
        self.pos += 6;
        let Some(first) = self.quoted_id(d) else { return };
        if system {
            d.system_id = Some(first);
            return;
        }
        d.public_id = Some(first);
        self.pos = self.find_byte(|b| !is_space(b));
        match self.bytes.get(self.pos) {
            Some(b'"' | b'\'') => {
                if let Some(id) = self.quoted_id(d) {
                    d.system_id = Some(id);
                }
            }
            Some(b'>') | None => {}
            Some(_) => d.force_quirks = true,
        }
    }

    /// A quoted identifier after optional space; a missing or cut-off one forces quirks mode.
    fn quoted_id(&mut self, d: &mut Doctype) -> Option<StrTendril> {
        self.pos = self.find_byte(|b| !is_space(b));
        let q = match self.bytes.get(self.pos) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => {
                d.force_quirks = true;
                return None;
            }
        };
        let from = self.pos + 1;
        let end = self.bytes[from..]
            .iter()
            .position(|&b| b == q || b == b'>')
            .map_or(self.bytes.len(), |i| from + i);
        let id = StrTendril::from_slice(&self.html[from..end].replace('\0', "\u{fffd}"));
        if self.bytes.get(end) == Some(&q) {
            self.pos = end + 1;
        } else {
            // `>` inside the quotes, or the end: the doctype ends here.
            d.force_quirks = true;
            self.pos = end;
        }
        Some(id)
    }
}

/// Which attribute names a tag already has. A list scan is quickest for the
/// usual handful, but a hostile tag with 100,000 distinct names would make
/// it quadratic, so past a few a set takes over.
#[derive(Default)]
struct SeenNames(Option<std::collections::HashSet<LocalName>>);

impl SeenNames {
    const LIST_MAX: usize = 16;

    /// Whether `name` is among `attrs`' names; if not, remembers it (the caller adds it).
    fn is_duplicate(&mut self, attrs: &[Attribute], name: &LocalName) -> bool {
        if let Some(set) = &mut self.0 {
            return !set.insert(name.clone());
        }
        if attrs.iter().any(|a| a.name.local == *name) {
            return true;
        }
        if attrs.len() + 1 >= Self::LIST_MAX {
            let names = attrs.iter().map(|a| a.name.local.clone()).chain([name.clone()]);
            self.0 = Some(names.collect());
        }
        false
    }
}

/// A tag or attribute name as the tokenizer keeps it: ASCII lower-cased, NUL replaced.
fn lower_name(raw: &str) -> std::borrow::Cow<'_, str> {
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
    use crate::parse::{outline, parse, parse_with_html5ever_tokenizer};

    /// Each snippet must give the tree html5ever's own tokenizer gives.
    #[test]
    fn builds_the_same_tree_as_html5evers_tokenizer() {
        let cases = [
            "<!DOCTYPE html><p class=A title='x>y'>a &amp; b &notit; &notin; &#x80; &#0; &#1114112; &# &x; &amp</p>",
            "<p>a<b>b<p>c</b>d<table>x<tr><td>y</table>",
            "<a href='?a=1&copy=2&amp;b' id=\"&lt;&gt\" CLASS=q class=r>t</a><img src=x/>",
            "<!DOCTYPE html PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\"><table><p>q</table>",
            "<!doctype html public \"-//W3C//DTD XHTML 1.0 Transitional//EN\" \"http://www.w3.org/TR/x.dtd\">x",
            "<!DOCTYPE html SYSTEM 'about:legacy-compat'>x",
            "<!DOCTYPE><p>quirks</p><!DOCTYPE x bogus>",
            "<title>a <b> &amp; </titlex></title><textarea>\n&lt;p&gt;</textarea><pre>\nx</pre>",
            "<noscript><p class=n>hidden</p></noscript><iframe><p></iframe><xmp>&amp;</xmp>",
            "<script type=\"application/ld+json\">{\"a\":\"</p>\"}</script><p>after",
            "<svg><title>s</title><![CDATA[ x<y ]]><p>out</svg><math><mi>x</mi></math>",
            "<p>nul\0 here<a\0b c\0=d>x</a></p>\r\nline\rbreak",
            "<!-- c --><!--> <!---> <? pi ?></ x><//><p>a < b <3 </p></>",
            "<div a=1 a=2 =x \"q'=y/ z>self</div><br/><p/>t",
            "<plaintext><p>all text",
            "<p>cut off <a href=\"x",
            "\u{feff}<p>bom</p><",
            "&#x41;&#65;&#x1F600;&#xD800;&Aacute&Aacutex&lt",
            // Noah's Ark: formatting elements are told apart by attributes nobody else reads.
            "<p><b data-a=1><b data-a=2><b data-a=1><b data-a=1><b data-a=1><p>x",
            "<table><input type=hidden data-x=1><tr><td>t</table><svg><font color=red>out</font></svg>",
        ];
        for html in cases {
            assert_eq!(
                outline(&parse(html)),
                outline(&parse_with_html5ever_tokenizer(html)),
                "{html}"
            );
        }
    }
}
