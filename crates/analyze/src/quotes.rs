//! Direct quotes and their speakers.
//!
//! Two passes. [`find_spans`] pairs quote marks line by line: curly and
//! straight, double and single, telling a closing single quote from an
//! apostrophe by its neighbours, keeping only the outermost quote when
//! they nest, and letting a quote left open at a paragraph's end run to
//! the end of it (the convention for quotes that span paragraphs).
//! [`attribute`] then finds each quote's speaker from the speech tag after
//! it ("…,' Rubio said"; "…," said Evan Feigenbaum), the clause before it
//! ("He added: '…"; "According to X, …"), the previous paragraph ("X
//! continued:"), or its neighbours in the same paragraph, and resolves
//! pronouns and surnames to the full names found by [`crate::entities`].
//! Titles ('This Week') and short scare quotes without a speech cue are
//! dropped, and the parts of one speaker's quote that its tag interrupts
//! ("“…,” he said. “…”") are one quote.

use std::ops::Range;

use newsdesk_domain::EntityKind;

use crate::entities::{Entities, Mention};
use crate::gazetteer::{self as gz, contains};

/// Verbs and phrases that introduce or tag speech.
const CUES: &[&str] = &[
    "acknowledged",
    "acknowledges",
    "added",
    "adds",
    "admits",
    "admitted",
    "agreed",
    "agrees",
    "announced",
    "answered",
    "argued",
    "argues",
    "asked",
    "asks",
    "barked",
    "boasted",
    "bragged",
    "cautioned",
    "cautions",
    "claimed",
    "claims",
    "commented",
    "complained",
    "complains",
    "conceded",
    "concedes",
    "concluded",
    "concludes",
    "confirmed",
    "continued",
    "continues",
    "countered",
    "cried",
    "declared",
    "declares",
    "demanded",
    "emphasised",
    "emphasized",
    "emphasizes",
    "exclaimed",
    "explained",
    "explains",
    "fumed",
    "groused",
    "grumbled",
    "gushed",
    "insisted",
    "insists",
    "joked",
    "jokes",
    "lamented",
    "laments",
    "maintained",
    "mused",
    "noted",
    "notes",
    "observed",
    "offered",
    "opined",
    "pleaded",
    "posted",
    "posts",
    "predicted",
    "predicts",
    "proclaimed",
    "promised",
    "quipped",
    "quips",
    "recalled",
    "recalls",
    "recounted",
    "recounts",
    "reiterated",
    "remarked",
    "replied",
    "replies",
    "reported",
    "reports",
    "responded",
    "retorted",
    "said",
    "say",
    "says",
    "scoffed",
    "shouted",
    "snapped",
    "stated",
    "states",
    "stressed",
    "stresses",
    "suggested",
    "tells",
    "testified",
    "thundered",
    "told",
    "tweeted",
    "tweets",
    "urged",
    "vowed",
    "vows",
    "warned",
    "warns",
    "wondered",
    "writes",
    "wrote",
    "yelled",
];

/// Speech participles whose subject is the clause's subject ("Trump attacked Clinton, saying…").
const PARTICIPLE_CUES: &[&str] = &[
    "adding",
    "arguing",
    "asking",
    "calling",
    "complaining",
    "declaring",
    "explaining",
    "insisting",
    "joking",
    "noting",
    "saying",
    "telling",
    "tweeting",
    "warning",
    "writing",
    "yelling",
];

fn is_participle(w: &str) -> bool {
    PARTICIPLE_CUES.contains(&w.to_lowercase().as_str())
}

/// How many words after a quote its speech verb may come (names with long appositives).
const TAG_WORDS: usize = 40;

/// Words between a subject and its speech verb that do not change who speaks.
const ADVERBS: &[&str] = &[
    "also",
    "has",
    "had",
    "have",
    "later",
    "then",
    "once",
    "previously",
    "recently",
    "again",
    "simply",
    "further",
    "would",
    "will",
];

/// Words after which a capitalised quote is a title, not speech ("on ABC's 'This Week'").
const TITLE_CUES: &[&str] = &[
    "book", "called", "column", "film", "headline", "in", "movie", "named", "on", "show", "song", "titled",
];

/// The two families of quote marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Double,
    Single,
}

/// A quote found by its marks, before attribution. Byte offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The quoted words, trimmed of spaces.
    pub content: Range<usize>,
    /// Including the marks (or up to the line end when left open).
    pub outer: Range<usize>,
    /// Byte range of the line (paragraph) holding it.
    pub line: Range<usize>,
    /// The quote opens a paragraph and continues one left open before it.
    pub continues: bool,
}

/// A mark left open on the stack.
#[derive(Debug, Clone, Copy)]
struct Open {
    kind: Kind,
    at: usize,
    len: usize,
}

/// Finds the outermost quotes of `text`, in order.
pub fn find_spans(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut left_open = None;
    for line in text.split_inclusive('\n') {
        let range = start..start + line.trim_end().len();
        start += line.len();
        if range.is_empty() {
            continue;
        }
        let first = out.len();
        let open_kind = spans_of_line(text, range.clone(), &mut out);
        if let (Some(k), Some(first_span)) = (left_open, out.get_mut(first)) {
            let opens_line = text[range.start..first_span.outer.start].trim().is_empty();
            first_span.continues = opens_line && opening_kind(text, first_span.outer.start) == Some(k);
        }
        left_open = open_kind;
    }
    out
}

fn opening_kind(text: &str, at: usize) -> Option<Kind> {
    match text[at..].chars().next()? {
        _ if text[at..].starts_with("''") => Some(Kind::Double),
        '"' | '“' | '„' | '«' => Some(Kind::Double),
        '\'' | '‘' | '‹' => Some(Kind::Single),
        _ => None,
    }
}

/// Pairs the marks of one line; returns the kind of a quote left open at its end.
fn spans_of_line(text: &str, line: Range<usize>, out: &mut Vec<Span>) -> Option<Kind> {
    let s = &text[line.clone()];
    let mut stack: Vec<Open> = Vec::new();
    let mut prev: Option<char> = None;
    let mut iter = s.char_indices().peekable();
    while let Some((i, mut c)) = iter.next() {
        let mut len = c.len_utf8();
        // Two apostrophes are a double quote mark in some archives (''Like this,'' he said).
        if c == '\'' && iter.peek().is_some_and(|&(_, n)| n == '\'') {
            iter.next();
            (c, len) = ('"', 2);
        }
        let next = iter.peek().map(|&(_, n)| n);
        match classify(prev, c, next, &stack) {
            Some((kind, true)) => stack.push(Open { kind, at: i, len }),
            Some((kind, false)) => close(text, &line, &mut stack, kind, i + len, i, next, out),
            None => {}
        }
        prev = Some(c);
    }
    let first = *stack.first()?;
    let outer = line.start + first.at..line.end;
    push_span(
        text,
        outer.clone(),
        line.start + first.at + first.len..line.end,
        line.clone(),
        out,
    );
    Some(first.kind)
}

/// Whether `c` opens (`true`) or closes (`false`) a quote of some kind, or is no quote mark.
fn classify(prev: Option<char>, c: char, next: Option<char>, stack: &[Open]) -> Option<(Kind, bool)> {
    let before_space =
        prev.is_none_or(|p| p.is_whitespace() || matches!(p, '(' | '[' | '—' | '–' | '-' | ':' | '"' | '“'));
    let after_word = prev.is_some_and(|p| !p.is_whitespace());
    let next_ends = next.is_none_or(|n| {
        n.is_whitespace() || (n.is_ascii_punctuation() && n != '\'') || matches!(n, '—' | '–' | '”' | '’')
    });
    let has = |k: Kind| stack.iter().any(|o| o.kind == k);
    match c {
        // A publisher's typo: an opening mark right after the quote's last
        // punctuation, before a space, closes it (“It's unusual,“ said…).
        '“' if has(Kind::Double) && prev.is_some_and(|p| matches!(p, ',' | '.' | '?' | '!')) && next_ends => {
            Some((Kind::Double, false))
        }
        '“' | '„' | '«' => Some((Kind::Double, true)),
        '”' | '»' => Some((Kind::Double, false)),
        '"' if has(Kind::Double) || (after_word && next_ends && has(Kind::Single)) => Some((Kind::Double, false)),
        '"' if before_space || !after_word => Some((Kind::Double, true)),
        '‘' | '‹' if !prev.is_some_and(char::is_alphanumeric) => Some((Kind::Single, true)),
        '’' | '\'' | '›' => {
            let word_inside = prev.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphanumeric);
            if word_inside {
                None
            } else if before_space && next.is_some_and(|n| n.is_alphabetic() || n == '"' || n == '“') && c != '’' {
                Some((Kind::Single, true))
            } else if after_word && next_ends && has(Kind::Single) {
                Some((Kind::Single, false))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Closes the innermost open quote of `kind` (or a single quote closed by a
/// stray double mark at the end of a sentence); records it when outermost.
#[allow(clippy::too_many_arguments)]
fn close(
    text: &str,
    line: &Range<usize>,
    stack: &mut Vec<Open>,
    kind: Kind,
    mark_end: usize,
    mark_at: usize,
    next: Option<char>,
    out: &mut Vec<Span>,
) {
    let idx = stack.iter().rposition(|o| o.kind == kind).or_else(|| {
        let lenient = kind == Kind::Double && next.is_none_or(char::is_whitespace);
        (lenient && !stack.is_empty()).then(|| stack.len() - 1)
    });
    let Some(idx) = idx else { return };
    let open = stack[idx];
    stack.truncate(idx);
    if idx == 0 {
        let outer = line.start + open.at..line.start + mark_end;
        push_span(
            text,
            outer,
            line.start + open.at + open.len..line.start + mark_at,
            line.clone(),
            out,
        );
    }
}

fn push_span(text: &str, outer: Range<usize>, inner: Range<usize>, line: Range<usize>, out: &mut Vec<Span>) {
    let raw = &text[inner.clone()];
    let lead = raw.len() - raw.trim_start().len();
    let trimmed = raw.trim();
    if trimmed.chars().any(char::is_alphanumeric) {
        let content = inner.start + lead..inner.start + lead + trimmed.len();
        out.push(Span {
            content,
            outer,
            line,
            continues: false,
        });
    }
}

/// Who a speech tag names, before resolution to an entity.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Speaker {
    Name(String),
    /// "he" (false) or "she" (true).
    Pronoun(bool),
    /// A speech cue with an unnamed or plural speaker ("a spokesman", "they").
    Unnamed,
    /// No name, but a description that names who speaks for whom ("a
    /// narrator in the Clinton ad", "the New York businessman").
    Described(String),
}

/// An attributed quote, byte offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributed {
    /// From the first quoted word to the last, a tag that interrupts the quote included.
    pub content: Range<usize>,
    /// The quoted words: one range, or one per part of a quote its tag interrupts.
    pub pieces: Vec<Range<usize>>,
    pub speaker: Option<String>,
}

/// Finds each quote's speaker and drops titles and scare quotes.
pub fn attribute(
    text: &str,
    sentences: &[crate::sentences::Sentence],
    spans: &[Span],
    ents: &Entities,
) -> Vec<Attributed> {
    let tags: Vec<Option<Speaker>> = spans
        .iter()
        .enumerate()
        .map(|(i, q)| speech_tag(text, sentences, spans, i, q))
        .collect();
    let people = people_outside_quotes(spans, ents);
    let mut names: Vec<Option<String>> = Vec::with_capacity(spans.len());
    let mut keep = Vec::with_capacity(spans.len());
    for (i, q) in spans.iter().enumerate() {
        let (tagged, name) = match &tags[i] {
            Some(t) => (true, resolve(text, t.clone(), q, &people, ents)),
            None if q.continues && i > 0 => (true, names[i - 1].clone()),
            None => match lender(spans, &tags, i) {
                Some(j) if j < i => (true, names[j].clone()),
                None if follows_quoted_paragraph(text, sentences, spans, i) && names[i - 1].is_some() => {
                    (true, names[i - 1].clone())
                }
                Some(j) => (
                    true,
                    resolve(
                        text,
                        tags[j].clone().unwrap_or(Speaker::Unnamed),
                        &spans[j],
                        &people,
                        ents,
                    ),
                ),
                None => (
                    false,
                    previous_reporter(text, sentences, q)
                        .and_then(|t| resolve(text, t, q, &people, ents))
                        .or_else(|| nearest_person(text, q, &people, ents)),
                ),
            },
        };
        let trailed = tag_after(trail_of(text, sentences, spans, i)).is_some();
        let one_word = text[q.content.clone()].split_whitespace().count() < 2;
        let long = text[q.content.clone()].split_whitespace().count() >= SPEECH_WORDS;
        let direct = (is_direct(text, q) || long) && !is_title(text, q, trailed) && !is_transcript(text, q);
        keep.push((tagged || is_speech_like(text, q)) && direct && (trailed || !one_word));
        names.push(name);
    }
    let kept = spans.iter().zip(names).zip(keep).filter(|(_, keep)| *keep);
    let mut out: Vec<(Attributed, &Span)> = Vec::new();
    for ((q, speaker), _) in kept {
        match out.last_mut() {
            Some((last, prev))
                if speaker.is_some() && last.speaker == speaker && is_interruption(text, prev, q, &last.content) =>
            {
                last.content.end = q.content.end;
                last.pieces.push(q.content.clone());
                *prev = q;
            }
            _ => out.push((
                Attributed {
                    content: q.content.clone(),
                    pieces: vec![q.content.clone()],
                    speaker,
                },
                q,
            )),
        }
    }
    out.into_iter().map(|(a, _)| a).collect()
}

/// Most words a tag between two parts of one quote runs to ("…,” said
/// Robert Stone, a 59-year-old from Hilton Head, South Carolina. “…”).
const INTERRUPTION_WORDS: usize = 16;

/// Whether the words between two quotes of one speaker in a paragraph are
/// only the tag that interrupts one quote ("“…,” he said. “…”", "“…,” he
/// said of Trump, “…”"): one sentence, short, with a speech verb, and no
/// longer than the quote so far and its next part (`so_far`, `b`)
/// together, or the reader would see more tag than quote.
fn is_interruption(text: &str, a: &Span, b: &Span, so_far: &Range<usize>) -> bool {
    if a.line != b.line || a.outer.end > b.outer.start {
        return false;
    }
    let gap = &text[a.outer.end..b.outer.start];
    if gap.len() > so_far.len() + b.content.len() {
        return false;
    }
    let words: Vec<&str> = gap.split_whitespace().collect();
    let stops = gap.matches(['.', '!', '?']).count();
    (1..=INTERRUPTION_WORDS).contains(&words.len())
        && stops <= 1
        && words
            .iter()
            .any(|w| is_cue(w.trim_matches(|c: char| !c.is_alphanumeric())))
}

/// The speech tag of quote `i` from its own sentence, or from a previous line ending in ':'.
fn speech_tag(
    text: &str,
    sentences: &[crate::sentences::Sentence],
    spans: &[Span],
    i: usize,
    q: &Span,
) -> Option<Speaker> {
    let trail = trail_of(text, sentences, spans, i);
    if let Some(t) = tag_after(trail).or_else(|| continued_clause(text, q, trail)) {
        return Some(t);
    }
    let sent_start = sentence_at(sentences, q.outer.start).map_or(q.line.start, |s| s.span.start);
    // A dateline opening the sentence ("WASHINGTON (UPI) —") is not its subject.
    let sent_start = sent_start + crate::sentences::dateline_len(&text[sent_start..q.outer.start]);
    let prev_end = i
        .checked_sub(1)
        .map(|p| &spans[p])
        .filter(|p| p.line == q.line)
        .map_or(0, |p| p.outer.end);
    let lead_start = sent_start.max(prev_end).min(q.outer.start);
    let lead = clip_back(&text[lead_start..q.outer.start], 600);
    if !is_direct(text, q) {
        return reporter(lead);
    }
    if let Some(t) = tag_before(lead)
        .or_else(|| name_before_colon(lead))
        .or_else(|| as_clause(lead))
    {
        return Some(t);
    }
    colon_intro(text, sentences, q)
}

/// A quote that ends in a comma, '?' or '!' leaves its sentence open: what
/// follows is the reporting clause, whatever its verb ("…,” Bozell points
/// out; “…,” Kelly charged; “…,” shot back Bennett). Its subject, or the
/// name after a leading verb, speaks.
fn continued_clause(text: &str, q: &Span, trail: &str) -> Option<Speaker> {
    let inner = text[q.content.start..q.outer.end]
        .trim_end_matches(|c: char| !c.is_alphanumeric() && c != ',' && c != '?' && c != '!');
    if !inner.ends_with([',', '?', '!']) {
        return None;
    }
    let t = trail.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ',' | '—' | '―' | '–' | '-'));
    let words = words_of(t);
    let (at, first) = *words.first()?;
    if at != 0 {
        return None;
    }
    if let Some(p) = pronoun(first) {
        return Some(p);
    }
    if first.starts_with(char::is_lowercase) {
        // "…,” echoed Jared Potts; “…?” shot back Megyn Kelly.
        const MAX_VERB_WORDS: usize = 2;
        let verb = words
            .iter()
            .take(MAX_VERB_WORDS)
            .take_while(|(_, w)| w.starts_with(char::is_lowercase))
            .count();
        let (name_start, name) = *words.get(verb)?;
        let (last_at, last) = words[verb - 1];
        let joined = t[last_at + last.len()..name_start].trim().is_empty();
        return (joined && name.starts_with(char::is_uppercase))
            .then(|| name_at(&t[last_at + last.len()..]))
            .flatten();
    }
    if contains(gz::NOT_NAMES, &first.to_lowercase()) {
        return None;
    }
    let end = capitalised_run_end(t, &words, 0);
    let rest = t[end..].trim_start();
    let verb_or_apposition = rest.starts_with(',') || rest.starts_with(char::is_lowercase);
    verb_or_apposition.then(|| Speaker::Name(t[..end].to_string()))
}

/// The speaker of words woven into a sentence: the subject of its first
/// speech verb, the one that reports the rest ("Witkoff also said Russia
/// had agreed to a law that it would not 'go after…'" is Witkoff's).
fn reporter(lead: &str) -> Option<Speaker> {
    let words = words_of(lead);
    let (at, _) = *words.iter().find(|(_, w)| is_cue(w))?;
    subject_before(&lead[..at])
}

/// "Trump: ‘I’m the worst…’", "doesn’t surprise pollster Daron Shaw: “…”":
/// a name right before the colon that opens the quote speaks.
fn name_before_colon(lead: &str) -> Option<Speaker> {
    let before = lead.trim_end().strip_suffix(':')?;
    if let Some(Speaker::Name(n)) = subject_before(before) {
        // "… delivered a blunt message to Trump:" names the listener.
        let start = before.trim_end().len() - n.len().min(before.trim_end().len());
        // "from" and "by" name a source ("A lesson from Loretta Lynch:").
        let governed = words_of(&before[..start])
            .last()
            .is_some_and(|&(_, w)| governs_object(w) && !matches!(w, "from" | "by" | "of"));
        if !governed {
            return Some(Speaker::Name(n));
        }
    }
    // "Kasich resisted:", "Rubio fired back forcefully:": the clause's subject.
    clause_subject(before)
}

/// "As The Post's Dana Milbank puts it, “…”", "As the band sang, “…”": a
/// clause opened by "as" and closed by the comma before the quote names
/// who is quoted, whatever its verb: its subject.
fn as_clause(lead: &str) -> Option<Speaker> {
    let body = lead.trim_end().strip_suffix(',')?;
    let words = words_of(body);
    let k = words.iter().rposition(|(_, w)| w.eq_ignore_ascii_case("as"))?;
    let clause = &body[words[k].0 + 2..];
    if clause.contains([',', ';', ':']) {
        return None;
    }
    clause_subject(clause)
}

/// The sentence holding byte `pos`, by binary search (sentences are in order).
fn sentence_at(sentences: &[crate::sentences::Sentence], pos: usize) -> Option<&crate::sentences::Sentence> {
    let i = sentences.partition_point(|s| s.span.end <= pos);
    sentences.get(i).filter(|s| s.span.contains(&pos))
}

/// At most the first `n` bytes of `s`, cut on a char boundary: tags sit next to their quote,
/// and a bound keeps a 5 MB run-on sentence from making attribution quadratic.
fn clip_front(s: &str, n: usize) -> &str {
    let mut end = n.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// At most the last `n` bytes of `s`, cut on a char boundary.
fn clip_back(s: &str, n: usize) -> &str {
    let mut start = s.len().saturating_sub(n);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// The text after quote `i` up to its sentence's end or the next quote.
fn trail_of<'a>(text: &'a str, sentences: &[crate::sentences::Sentence], spans: &[Span], i: usize) -> &'a str {
    let q = &spans[i];
    let sent_end = sentence_at(sentences, q.outer.end.saturating_sub(1)).map_or(q.line.end, |s| s.span.end);
    let next_start = spans
        .get(i + 1)
        .filter(|n| n.line == q.line)
        .map_or(q.line.end, |n| n.outer.start);
    let mut end = sent_end.max(q.outer.end).min(next_start);
    if text[q.outer.end..end].trim().is_empty() {
        // '"Why now?" Clinton said.' splits after the question mark: the tag is the next sentence.
        let next = sentences.get(sentences.partition_point(|s| s.span.start < end));
        // A longer next sentence reports something else ("Reluctantly,
        // Brafman said he had come to…"); a tag is short.
        let short = |n: &&crate::sentences::Sentence| {
            let s = &text[n.span.clone()];
            s.split_whitespace().count() <= TAG_SENTENCE_WORDS || reporting_clause(s)
        };
        if let Some(n) = next.filter(|n| n.span.end <= q.line.end).filter(short) {
            end = n.span.end.min(next_start);
        }
    }
    clip_front(&text[q.outer.end..end.max(q.outer.end)], 400)
}

/// Prepositions that open an adjunct after a speech verb ("said at a
/// press conference", "told reporters on Monday"), where a longer verb
/// phrase would report something else ("said he had come to…").
fn is_preposition(w: &str) -> bool {
    matches!(
        w,
        "at" | "in" | "on" | "during" | "to" | "of" | "after" | "before" | "from" | "with" | "by" | "about" | "through"
    )
}

/// A sentence that is only a reporting clause however long its adjuncts:
/// a name or pronoun, its speech verb, then nothing, a comma or a
/// preposition ("O'Malley said at a press conference in Las Vegas on
/// Sunday, according to the Sun."), not a clause of its own ("Brafman
/// said he had come to…").
fn reporting_clause(s: &str) -> bool {
    const MAX_SUBJECT_WORDS: usize = 4;
    // The verb sits near the start: a run-on sentence is not read whole.
    let s = clip_front(s, 400);
    let words = words_of(s);
    let Some(cue) = words.iter().take(MAX_SUBJECT_WORDS + 1).position(|(_, w)| is_cue(w)) else {
        return false;
    };
    if cue == 0 {
        return false;
    }
    let subject = &words[..cue];
    let named = subject[0].1.starts_with(char::is_uppercase) || pronoun(subject[0].1).is_some();
    let plain = subject
        .iter()
        .all(|(_, w)| w.starts_with(char::is_uppercase) || ADVERBS.contains(&w.to_lowercase().as_str()));
    if !named || !plain || s[..words[cue].0].contains([',', ';', ':']) {
        return false;
    }
    let after = &s[words[cue].0 + words[cue].1.len()..];
    let next = words.get(cue + 1);
    after.trim_start().starts_with([',', '.']) || next.is_none_or(|(_, w)| is_preposition(w))
}

/// For a quote that opens its sentence with no tag anywhere: the subject
/// of the speech verb of the sentence before it, when that one holds no
/// quote of its own ("Dianne Bystrom agreed. “…”"; "Mrs. Clinton often
/// says she is not running for a third term. ¶ “…”").
fn previous_reporter(text: &str, sentences: &[crate::sentences::Sentence], q: &Span) -> Option<Speaker> {
    let own = sentence_at(sentences, q.outer.start)?;
    if !text[own.span.start..q.outer.start].trim().is_empty() {
        return None;
    }
    let idx = sentences
        .partition_point(|s| s.span.end <= own.span.start)
        .checked_sub(1)?;
    let prev = clip_back(&text[sentences[idx].span.clone()], 600);
    if prev.contains(['"', '“', '”']) {
        return None;
    }
    let words = words_of(prev);
    let Some(&(at, _)) = words.iter().rev().find(|(_, w)| is_cue(w)) else {
        // A quote-only paragraph: the subject of the sentence before it.
        let alone = text[q.line.clone()].trim().len() == text[q.outer.clone()].trim().len();
        return alone.then(|| clause_subject(prev)).flatten();
    };
    match subject_before(&prev[..at])? {
        Speaker::Unnamed => None,
        s => Some(s),
    }
}

/// Whether the quote reads as direct speech rather than a phrase woven into
/// the writer's own sentence: it starts with a capital (a quoted sentence),
/// or right after a speech verb ("He also said 'we're not…'"), a colon, or
/// "according to X," ("According to Witkoff, 'there was…'").
fn is_direct(text: &str, q: &Span) -> bool {
    let starts_capital = text[q.content.clone()]
        .chars()
        .find(|c| c.is_alphanumeric())
        .is_some_and(|c| !c.is_lowercase());
    let before = clip_back(&text[q.line.start..q.outer.start], 100).trim_end();
    let introduced = before.ends_with(':') || (before.ends_with(',') && before.to_lowercase().contains("according to"));
    let before = before.trim_end_matches([':', ',']);
    let last_word = before.rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    starts_capital || introduced || is_cue(last_word)
}

/// "…:" ending the previous paragraph introduces a quote that opens this one.
fn colon_intro(text: &str, sentences: &[crate::sentences::Sentence], q: &Span) -> Option<Speaker> {
    if !text[q.line.start..q.outer.start].trim().is_empty() {
        return None;
    }
    let idx = sentences
        .partition_point(|s| s.span.end <= q.line.start)
        .checked_sub(1)?;
    let s = clip_back(text[sentences[idx].span.clone()].trim_end(), 600);
    let intro = s.strip_suffix(':')?;
    // Without a speech verb ("…— Cruz called them on it:") the last name
    // acting in the clause speaks.
    tag_before(intro).or_else(|| last_actor_in(intro))
}

/// The last capitalised name of a clause that is not merely its opening
/// word: one later in the clause, or one a lowercase word (a verb) follows
/// ("Cruz called them on it", not "Wait, it gets better").
fn last_actor_in(s: &str) -> Option<Speaker> {
    let words = words_of(s);
    let mut found = None;
    let mut i = 0;
    while i < words.len() {
        let (at, w) = words[i];
        let l = w.to_lowercase();
        if !w.starts_with(char::is_uppercase) || contains(gz::NOT_NAMES, &l) || contains(gz::TITLES, &l) {
            i += 1;
            continue;
        }
        let end = capitalised_run_end(s, &words, i);
        let next = words.iter().position(|(a, _)| *a >= end);
        let verb_follows =
            next.is_some_and(|j| s[end..words[j].0].trim().is_empty() && words[j].1.starts_with(char::is_lowercase));
        if i > 0 || verb_follows {
            found = Some(Speaker::Name(s[at..end].to_string()));
        }
        i = next.unwrap_or(words.len());
    }
    found
}

/// Quoted words this many or more are someone's words even when woven
/// into the writer's sentence ("Obama said “it gets me mad every time I
/// think about it”"); scare quotes and titles run shorter.
const SPEECH_WORDS: usize = 6;

/// Most words of a sentence that is only a quote's tag ("Clinton said
/// on Tuesday in Des Moines.").
const TAG_SENTENCE_WORDS: usize = 10;

/// How many quotes on each side may lend their tag.
const NEIGHBOURS: usize = 8;

/// For a quote with no tag of its own, the nearest quote beside it in the
/// same paragraph that has one (earlier quotes first): its speaker is this one's.
fn lender(spans: &[Span], tags: &[Option<Speaker>], i: usize) -> Option<usize> {
    let same_line = |j: &usize| spans[*j].line == spans[i].line;
    let has_tag = |j: &usize| tags[*j].is_some();
    (0..i)
        .rev()
        .take(NEIGHBOURS)
        .take_while(same_line)
        .find(has_tag)
        .or_else(|| {
            (i + 1..spans.len())
                .take(NEIGHBOURS)
                .take_while(same_line)
                .find(has_tag)
        })
}

/// Whether quote `i` is a paragraph of its own right after a paragraph that
/// ended in a quote: news writing runs one speaker's words on this way
/// ("'…,' Viguerie says. ¶ 'He checks all our boxes.'").
fn follows_quoted_paragraph(text: &str, sentences: &[crate::sentences::Sentence], spans: &[Span], i: usize) -> bool {
    let Some(prev) = i.checked_sub(1).map(|j| &spans[j]) else {
        return false;
    };
    let q = &spans[i];
    // Checked first, and cheaply: the other two scan whole paragraphs, which
    // must happen once per paragraph, not once per quote in a long one.
    if prev.line.end > q.line.start || !text[prev.line.end..q.line.start].trim().is_empty() {
        return false;
    }
    let alone = text[q.line.clone()].trim().len() == text[q.outer.clone()].trim().len();
    // At most the speech tag follows the previous quote in its paragraph:
    // no more than one sentence starts after it ("St. Regis" is no stop).
    let tail = prev.outer.end..prev.line.end;
    let first = sentences.partition_point(|s| s.span.start < tail.start);
    let after = sentences[first..]
        .iter()
        .take_while(|s| s.span.start < tail.end)
        .filter(|s| !text[s.span.clone()].trim().is_empty())
        .count();
    alone && after <= 1
}

/// Words of a clause with byte offsets.
fn words_of(s: &str) -> Vec<(usize, &str)> {
    crate::tokens::words(s).collect()
}

fn is_cue(w: &str) -> bool {
    contains(CUES, &w.to_lowercase())
}

/// A tag right after the quote: "Rubio said", "said Evan Feigenbaum, a former diplomat", "he added".
fn tag_after(trail: &str) -> Option<Speaker> {
    let dashed = trail.trim_start().starts_with(['—', '―', '–', '-']);
    let t =
        trail.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ',' | '—' | '―' | '–' | '-' | ':' | ';'));
    let words = words_of(t);
    let first = words.first()?.1;
    if is_cue(first) {
        return name_at(&t[words[0].0 + first.len()..]).or(Some(Speaker::Unnamed));
    }
    if first.eq_ignore_ascii_case("according") && words.get(1).is_some_and(|w| w.1 == "to") {
        return name_at(&t[words[1].0 + 2..]);
    }
    let Some(cue) = words.iter().take(TAG_WORDS).position(|(_, w)| is_cue(w)) else {
        // A byline-style tag: “…” ― Pamela Padilla
        return dashed
            .then(|| name_at(t))
            .flatten()
            .filter(|s| matches!(s, Speaker::Name(_)));
    };
    let (at, _) = words[cue];
    if t[..at].contains(['!', '?', '"', '“', '”']) {
        return None;
    }
    let subject = leading_name(t, &words[..cue]).or_else(|| subject_before(&t[..at]));
    // "“…” about the decision, said RoseAnn DeMoro": after a comma the
    // verb comes first and the name after it.
    // "“…” that Sanders can win, said Steve Elmendorf": words that carry on
    // the quote's own sentence put its names out of the tag.
    // A determiner opens the tag's own subject ("the nominee, Donald Trump, tweeted").
    let determiner = matches!(words[0].1, "the" | "a" | "an" | "his" | "her" | "their" | "its" | "one");
    let woven = words[0].1.starts_with(char::is_lowercase) && pronoun(words[0].1).is_none() && !determiner;
    let inverted = t[..at].trim_end().ends_with(',')
        && (woven || !matches!(subject, Some(Speaker::Name(_) | Speaker::Pronoun(_))));
    if inverted {
        if let Some(name @ Speaker::Name(_)) = name_at(&t[at + words[cue].1.len()..]) {
            return Some(name);
        }
    }
    subject
}

/// The name opening a tag whose verb comes after an appositive:
/// "Michael McFaul, a senior fellow at the Hoover Institution, said".
fn leading_name(t: &str, words: &[(usize, &str)]) -> Option<Speaker> {
    let (_, first) = *words.first()?;
    if !first.starts_with(char::is_uppercase) || contains(gz::NOT_NAMES, &first.to_lowercase()) {
        return None;
    }
    let end = capitalised_run_end(t, words, 0);
    let rest = t[end..].trim_start_matches('.').trim_start();
    let appositive = rest.starts_with(',') || rest.starts_with('(');
    (appositive && !t[..end].ends_with("'s") && !t[..end].ends_with("’s")).then(|| Speaker::Name(t[..end].to_string()))
}

/// A tag in the clause before the quote: "He added:", "Witkoff also said Russia would not", "According to X,".
fn tag_before(lead: &str) -> Option<Speaker> {
    let words = words_of(lead);
    let lower: Vec<String> = words.iter().map(|(_, w)| w.to_lowercase()).collect();
    if let Some(k) = lower.windows(2).rposition(|w| w[0] == "according" && w[1] == "to") {
        return name_at(&lead[words[k + 1].0 + 2..]);
    }
    let cue = words.iter().rposition(|(_, w)| is_cue(w) || is_participle(w))?;
    let (at, w) = words[cue];
    if is_participle(w) {
        // "X said …, adding:" — the participle shares the finite verb's
        // subject; else the clause's subject, else its first name.
        let before = &lead[..at];
        let finite = words[..cue].iter().rposition(|(_, w)| is_cue(w));
        let shared = finite.and_then(|k| subject_before(&before[..words[k].0]));
        return shared
            .filter(|s| *s != Speaker::Unnamed)
            .or_else(|| clause_subject(before))
            .or_else(|| first_name_in(before))
            .or(Some(Speaker::Unnamed));
    }
    // "When Trump suggested a deal, Rubio fired back:" — the speech verb
    // sits in a clause set off before the one that opens the quote, whose
    // own subject speaks.
    let after = &lead[at + w.len()..];
    if let Some(c) = after.trim_end().strip_suffix(':').and_then(|a| a.rfind(',')) {
        if let Some(s @ (Speaker::Name(_) | Speaker::Pronoun(_))) = clause_subject(&after[c + 1..]) {
            return Some(s);
        }
    }
    let subject = subject_before(&lead[..at]);
    // "Ms. Sherry smiled and said,", "Ed Krayewski may have said it best
    // when he blogged:": the verb's subject is further back.
    let coordinated = words[..cue].last().is_some_and(|(_, p)| {
        matches!(
            p.to_lowercase().as_str(),
            "and" | "but" | "then" | "or" | "may" | "might" | "could" | "can" | "should" | "must" | "did" | "does"
        )
    });
    if coordinated {
        if let Some(s) = clause_subject(&lead[..at]) {
            return Some(s);
        }
    }
    subject
        .or_else(|| name_at(&lead[at + w.len()..]))
        .or(Some(Speaker::Unnamed))
}

/// Words before a name that make it an object, not a subject: a
/// preposition ("a message to Trump", "Here in Columbia"), "that" (a
/// reported clause) or a speech verb ("said Clinton will…").
fn governs_object(w: &str) -> bool {
    is_cue(w) || is_participle(w) || is_object_preposition(w)
}

/// A preposition or "that": what follows is an object or a reported clause.
fn is_object_preposition(w: &str) -> bool {
    let l = w.to_lowercase();
    is_preposition(&l)
        || matches!(
            l.as_str(),
            "that"
                | "for"
                | "against"
                | "into"
                | "toward"
                | "towards"
                | "over"
                | "under"
                | "like"
                | "alongside"
                | "among"
                | "between"
                | "behind"
                | "without"
                | "within"
                | "across"
                | "than"
                | "upon"
        )
}

/// The grammatical subject of the last clause of `s` that has one: the
/// last name or he/she followed by a verb (a lowercase word, after an
/// appositive or a parenthetical if any) and not governed by a
/// preposition, "that" or a speech verb, nor a possessor. "When Trump
/// suggested a deal, Rubio fired back:" → Rubio; "Senate leader Mitch
/// McConnell, R-Ky., delivered a message to Trump:" → McConnell.
fn clause_subject(s: &str) -> Option<Speaker> {
    const MAX_APPOSITIVE: usize = 120;
    let words = words_of(s);
    let mut found = None;
    let mut i = 0;
    while i < words.len() {
        let (at, w) = words[i];
        let l = w.to_lowercase();
        let he_she = matches!(l.as_str(), "he" | "she");
        if !he_she && (!w.starts_with(char::is_uppercase) || contains(gz::NOT_NAMES, &l)) {
            i += 1;
            continue;
        }
        let end = if he_she {
            at + w.len()
        } else {
            capitalised_run_end(s, &words, i)
        };
        let next = words.iter().position(|(a, _)| *a >= end).unwrap_or(words.len());
        let governed = i.checked_sub(1).is_some_and(|p| {
            let (_, pw) = words[p];
            governs_object(pw)
                || (pw.eq_ignore_ascii_case("the") && p.checked_sub(1).is_some_and(|q| governs_object(words[q].1)))
        });
        let possessor = s[..end].ends_with("'s") || s[..end].ends_with("’s");
        // The verb: the next word, after "(R-Ky.)" or ", an adviser to X," if any.
        let mut rest = s[end..].trim_start();
        if rest.starts_with('(') {
            rest = rest.find(')').map_or("", |c| rest[c + 1..].trim_start());
        }
        if let Some(app) = rest.strip_prefix(',') {
            rest = match app.find(',') {
                Some(c) if c <= MAX_APPOSITIVE => app[c + 1..].trim_start(),
                _ => "",
            };
        }
        let verb = words_of(rest).first().is_some_and(|&(a, v)| {
            a == 0
                && v.starts_with(char::is_lowercase)
                && !is_object_preposition(v)
                && !matches!(v, "and" | "or" | "the")
        });
        if verb && !governed && !possessor {
            found = Some(if he_she {
                pronoun(w).unwrap_or(Speaker::Unnamed)
            } else {
                Speaker::Name(s[at..end].to_string())
            });
        }
        i = next.max(i + 1);
    }
    found
}

/// The speaker named at the start of `s` (after a cue): "Evan Feigenbaum, a former…", "the official".
fn name_at(s: &str) -> Option<Speaker> {
    let words = words_of(s);
    let (at, first) = *words.first()?;
    if let Some(p) = pronoun(first) {
        return Some(p);
    }
    let i = descriptor_len(&words);
    let (name_at, name) = words[i];
    if !s[..at].trim().is_empty() {
        return Some(Speaker::Unnamed);
    }
    if !name.starts_with(char::is_uppercase) {
        return Some(description_after(s, &words).unwrap_or(Speaker::Unnamed));
    }
    let end = capitalised_run_end(s, &words, i);
    let name = head_after_role(s, &words, end).unwrap_or(&s[name_at..end]);
    Some(Speaker::Name(name.to_string()))
}

/// Most words of a description after a speech verb.
const MAX_DESCRIPTION_AFTER: usize = 12;

/// A speaker described after the verb, up to the first punctuation: the
/// name set off after it ("said his best friend at Lehigh, Bruce Turry,"),
/// else the description when it holds a proper noun ("says a source close
/// to the Clinton campaign", "said the former top aide to President Bush").
fn description_after(s: &str, words: &[(usize, &str)]) -> Option<Speaker> {
    let initial_dot = |i: usize| {
        let before = s[..i].rsplit(' ').next().unwrap_or("");
        s[i..].starts_with('.') && before.chars().count() == 1 && before.starts_with(char::is_uppercase)
    };
    let stop = s
        .char_indices()
        .find(|&(i, c)| matches!(c, ',' | ';' | '.' | '(' | ':' | '—') && !initial_dot(i))
        .map_or(s.len(), |(i, _)| i);
    let phrase: Vec<&(usize, &str)> = words.iter().take_while(|(at, _)| *at < stop).collect();
    let determiner = phrase.first().is_some_and(|(_, w)| {
        matches!(
            w.to_lowercase().as_str(),
            "a" | "an" | "the" | "his" | "her" | "their" | "its" | "one"
        )
    });
    if !determiner || phrase.len() > MAX_DESCRIPTION_AFTER {
        return None;
    }
    if s[stop..].starts_with(',') {
        let rest = &s[stop + 1..];
        let after = words_of(rest);
        if after
            .first()
            .is_some_and(|(at, w)| rest[..*at].trim().is_empty() && w.starts_with(char::is_uppercase))
        {
            let end = capitalised_run_end(rest, &after, 0);
            let set_off = rest[end..].trim().is_empty() || rest[end..].trim_start().starts_with([',', '.']);
            if set_off && rest[..end].split_whitespace().count() >= 2 {
                return Some(Speaker::Name(rest[..end].trim().to_string()));
            }
        }
    }
    let named = phrase[1..].iter().any(|(_, w)| w.starts_with(char::is_uppercase));
    named.then(|| Speaker::Described(s[phrase[0].0..stop].trim_end().to_string()))
}

/// The full name after a possessor and a role: in "said Huckabee campaign
/// spokesman Hogan Gidley" or "Clinton ally James Carville" the speaker is
/// the name the role leads to, not the first capitalised word.
fn head_after_role<'s>(s: &'s str, words: &[(usize, &str)], run_end: usize) -> Option<&'s str> {
    const MAX_ROLE_WORDS: usize = 4;
    let j = words.iter().position(|(at, _)| *at >= run_end)?;
    let role = words[j..]
        .iter()
        .take(MAX_ROLE_WORDS)
        .take_while(|(_, w)| w.chars().all(char::is_lowercase) && !descriptor_stop(w) && !is_cue(w))
        .count();
    let head = j + role;
    if role == 0 || !words.get(head)?.1.starts_with(char::is_uppercase) {
        return None;
    }
    let spaced = (j.saturating_sub(1)..head).all(|k| s[words[k].0 + words[k].1.len()..words[k + 1].0] == *" ");
    if !spaced {
        return None;
    }
    let end = capitalised_run_end(s, words, head);
    let full_name = s[words[head].0..end].split_whitespace().count() >= 2;
    full_name.then(|| &s[words[head].0..end])
}

/// Prepositions that end a descriptor: "a spokesman for X" names X's side, not the speaker.
fn descriptor_stop(w: &str) -> bool {
    matches!(w, "for" | "of" | "at" | "with" | "to" | "in" | "from" | "on" | "by")
}

/// Lowercase words before a name after a cue, skipped to reach it:
/// "said former tech executive Carly Fiorina", "said the Rev. Peter Wherry".
/// A preposition ends the skip, so "a spokesman for X" stays unnamed.
fn descriptor_len(words: &[(usize, &str)]) -> usize {
    const MAX_DESCRIPTOR: usize = 5;
    let lowercase = |w: &str| !w.chars().any(char::is_uppercase);
    let n = words
        .iter()
        .take(MAX_DESCRIPTOR)
        .take_while(|(_, w)| lowercase(w) && !descriptor_stop(w))
        .count();
    if words.get(n).is_some_and(|w| w.1.starts_with(char::is_uppercase)) {
        n
    } else {
        0
    }
}

/// Byte end of the run of capitalised words (with name connectors) starting at word `i`.
fn capitalised_run_end(s: &str, words: &[(usize, &str)], i: usize) -> usize {
    let mut end = words[i].0 + words[i].1.len();
    for w in words.windows(2).skip(i) {
        let gap = &s[w[0].0 + w[0].1.len()..w[1].0];
        let ok_gap = name_gap(gap);
        let word = w[1].1;
        let joins = word.starts_with(char::is_uppercase) || is_name_particle(word) || word == "the";
        if !(ok_gap && joins) || w[0].1.ends_with("'s") || w[0].1.ends_with("’s") {
            break;
        }
        end = w[1].0 + word.len();
    }
    let trimmed = s[..end].trim_end_matches([' ']);
    let mut e = trimmed.len();
    for tail in [" of", " the", " von", " der", " van", " de", " al", " bin", " la"] {
        if trimmed.ends_with(tail) {
            e -= tail.len();
        }
    }
    e
}

/// A lowercase word inside a name: "Ursula von der Leyen", "Bank of England".
fn is_name_particle(w: &str) -> bool {
    matches!(w, "of" | "von" | "der" | "van" | "de" | "al" | "bin" | "la")
}

/// Whether the text between two words keeps them in one name: "Mr. Obama", "G.K. Butterfield", "Holtz-Eakin".
fn name_gap(gap: &str) -> bool {
    matches!(gap, " " | ". " | "." | "-" | "’" | "'")
}

fn pronoun(w: &str) -> Option<Speaker> {
    match w.to_lowercase().as_str() {
        "he" => Some(Speaker::Pronoun(false)),
        "she" => Some(Speaker::Pronoun(true)),
        "they" | "it" | "we" | "i" | "you" | "who" => Some(Speaker::Unnamed),
        _ => None,
    }
}

/// The subject of a speech verb from the words before it; an appositive
/// (", who attended…,") between them is skipped.
fn subject_before(s: &str) -> Option<Speaker> {
    let mut s = strip_parenthetical(s.trim_end());
    loop {
        let last = words_of(s).last().map(|&(at, w)| (at, w.to_string()));
        match last {
            Some((at, w)) if ADVERBS.contains(&w.to_lowercase().as_str()) && s[at + w.len()..].trim().is_empty() => {
                s = s[..at].trim_end()
            }
            _ => break,
        }
    }
    if let Some(body) = s.strip_suffix(',') {
        // "James B. Comey Jr., the director…,": the abbreviation's dot is the name's.
        s = appositive_subject(strip_parenthetical(body.trim_end())).trim_end_matches('.');
    }
    let words = words_of(s);
    let &(at, w) = words.last()?;
    if !s[at + w.len()..].trim().is_empty() {
        return None;
    }
    if let Some(p) = pronoun(w) {
        return Some(p);
    }
    if !w.starts_with(char::is_uppercase) {
        return Some(described(s, &words).map_or(Speaker::Unnamed, Speaker::Described));
    }
    let start = name_start(s, &words);
    Some(Speaker::Name(s[start..].trim_end_matches(['\'', '’']).to_string()))
}

/// Most words of a description taken as a speaker.
const MAX_DESCRIPTION_WORDS: usize = 7;

/// The noun phrase ending `s` that describes the speaker, from its
/// determiner ("the", "a", a possessive) to the end, when it holds a
/// capitalised word other than its first: "a narrator in the Clinton ad",
/// "the New York businessman", not "the official".
fn described(s: &str, words: &[(usize, &str)]) -> Option<String> {
    let tail = &words[words.len().saturating_sub(MAX_DESCRIPTION_WORDS)..];
    let breaks =
        |p: &[(usize, &str)]| s[p[0].0 + p[0].1.len()..p[1].0].contains([',', ';', ':', '"', '“', '”', '(', ')']);
    // The phrase starts after the last punctuation, at its first determiner.
    let clause = tail.windows(2).rposition(breaks).map_or(0, |k| k + 1);
    let det = clause
        + tail[clause..]
            .iter()
            .position(|(_, w)| matches!(w.to_lowercase().as_str(), "a" | "an" | "the" | "another"))?;
    let phrase = &tail[det..];
    let named = phrase[1..].iter().any(|(_, w)| w.starts_with(char::is_uppercase));
    named.then(|| s[phrase[0].0..].trim_end().to_string())
}

/// The subject in "NAME, appositive(s)," before a verb: the last
/// comma-separated part that is a capitalised name ("her adviser, Jake
/// Sullivan," → "Jake Sullivan"; "Clinton, 35, the daughter of…," →
/// "Clinton"), else the text before the last comma, as before.
fn appositive_subject(body: &str) -> &str {
    const MAX_PARTS: usize = 4;
    let is_name = |part: &str| {
        let words = words_of(part);
        !words.is_empty()
            && words
                .iter()
                .all(|(_, w)| w.starts_with(char::is_uppercase) || is_name_particle(w))
            && !contains(gz::NOT_NAMES, &words[0].1.to_lowercase())
    };
    let mut end = body.len();
    for _ in 0..MAX_PARTS {
        let start = body[..end].rfind(',').map_or(0, |c| c + 1);
        if is_name(&body[start..end]) {
            return body[..end].trim_end();
        }
        if start == 0 {
            break;
        }
        end = start - 1;
    }
    body.rfind(',').map_or(body, |c| &body[..c]).trim_end()
}

/// Drops a trailing "(R-Utah)" from a name.
fn strip_parenthetical(s: &str) -> &str {
    match (s.ends_with(')'), s.rfind('(')) {
        (true, Some(open)) if s.len() - open < 40 => s[..open].trim_end(),
        _ => s,
    }
}

/// The subject of a participle cue ("Trump attacked Clinton, saying…"):
/// the first capitalised name of the clause.
fn first_name_in(s: &str) -> Option<Speaker> {
    let words = words_of(s);
    let i = words.iter().position(|(_, w)| {
        let l = w.to_lowercase();
        w.starts_with(char::is_uppercase) && !contains(gz::NOT_NAMES, &l) && !contains(gz::TITLES, &l)
    })?;
    let end = capitalised_run_end(s, &words, i);
    Some(Speaker::Name(s[words[i].0..end].to_string()))
}

/// Byte start of the capitalised name that ends `s` (titles included).
fn name_start(s: &str, words: &[(usize, &str)]) -> usize {
    let mut i = words.len() - 1;
    while i > 0 {
        let (at, w) = words[i - 1];
        let gap = &s[at + w.len()..words[i].0];
        let joins = w.starts_with(char::is_uppercase)
            || matches!(w, "of" | "von" | "der" | "van" | "de" | "al" | "bin" | "the");
        if !(joins && name_gap(gap)) || w.ends_with("'s") || w.ends_with("’s") {
            break;
        }
        i -= 1;
    }
    while i + 1 < words.len() && !words[i].1.starts_with(char::is_uppercase) {
        i += 1;
    }
    words[i].0
}

/// Resolves a tag to a canonical entity name.
fn resolve(text: &str, tag: Speaker, q: &Span, people: &[&Mention], ents: &Entities) -> Option<String> {
    match tag {
        Speaker::Unnamed => None,
        Speaker::Described(d) => Some(d),
        Speaker::Name(n) => Some(match ents.resolve(&n) {
            Some(e) => ents.list[e].name.clone(),
            None => strip_title_words(&n),
        }),
        Speaker::Pronoun(female) => antecedent(text, female, q, people, ents),
    }
}

fn strip_title_words(n: &str) -> String {
    let words: Vec<&str> = n.split_whitespace().collect();
    let skip = words
        .iter()
        .take(words.len().saturating_sub(1))
        .take_while(|w| contains(gz::TITLES, &w.trim_end_matches('.').to_lowercase()))
        .count();
    words[skip..].join(" ")
}

/// How far back (in person mentions) a pronoun looks for its antecedent.
const ANTECEDENT_WINDOW: usize = 200;

/// The person a pronoun in the tag of `q` refers to: the first person named
/// outside quotes in the quote's paragraph before it, else the first one in
/// the nearest earlier paragraph that names one; with a matching gender.
/// `people` are person mentions outside quotes, in text order.
fn antecedent(text: &str, female: bool, q: &Span, people: &[&Mention], ents: &Entities) -> Option<String> {
    let fits = |m: &&&Mention| ents.is_female(m.entity) == female;
    let end = people.partition_point(|m| m.span.start < q.outer.start);
    let window = &people[end.saturating_sub(ANTECEDENT_WINDOW)..end];
    let para = window.partition_point(|m| m.span.start < q.line.start);
    let chosen = window[para..].iter().find(fits).or_else(|| {
        let last = window[..para].iter().rev().find(fits)?;
        let para_start = text[..last.span.start].rfind('\n').map_or(0, |p| p + 1);
        window.iter().filter(|m| m.span.start >= para_start).find(fits)
    })?;
    Some(ents.list[chosen.entity].name.clone())
}

/// Paragraphs back a quote with no tag at all looks for its speaker.
const NEAREST_PARAGRAPHS: usize = 2;

/// For a quote with no tag, nor a neighbour's, nor a reporter in the
/// sentence before: the person last named outside quotes before it, in its
/// own paragraph or the one or two before ("…since Trump spoke only in
/// evasive bromides. ¶ “We have to be a lot tougher.”"): news names who
/// is quoted just before a quote it leaves untagged.
fn nearest_person(text: &str, q: &Span, people: &[&Mention], ents: &Entities) -> Option<String> {
    let mut start = q.line.start;
    for _ in 0..NEAREST_PARAGRAPHS {
        start = text[..start.saturating_sub(1)]
            .trim_end()
            .rfind('\n')
            .map_or(0, |p| p + 1);
    }
    let end = people.partition_point(|m| m.span.start < q.outer.start);
    let last = people[..end].last().filter(|m| m.span.start >= start)?;
    Some(ents.list[last.entity].name.clone())
}

/// Person mentions outside every quote, in text order (both lists are sorted).
fn people_outside_quotes<'a>(spans: &[Span], ents: &'a Entities) -> Vec<&'a Mention> {
    let mut out = Vec::new();
    let mut si = 0;
    for m in &ents.mentions {
        while si < spans.len() && spans[si].outer.end <= m.span.start {
            si += 1;
        }
        let inside = spans.get(si).is_some_and(|s| s.outer.contains(&m.span.start));
        if !inside && ents.list[m.entity].kind == EntityKind::Person {
            out.push(m);
        }
    }
    out
}

/// A quote without a speech cue still counts when it reads as speech: several words.
fn is_speech_like(text: &str, q: &Span) -> bool {
    text[q.content.clone()].split_whitespace().count() >= 4
}

/// 'This Week', 'Meet the Press': short and capitalised, after a possessive or "on",
/// or with no speech tag after it.
fn is_title(text: &str, q: &Span, trailed: bool) -> bool {
    let content = &text[q.content.clone()];
    let words: Vec<&str> = content.split_whitespace().collect();
    if words.is_empty() || words.len() > 8 {
        return false;
    }
    // Small words ("a", "of", "to") stay lowercase in titles.
    let capitalised = words
        .iter()
        .all(|w| w.starts_with(|c: char| !c.is_lowercase()) || w.chars().count() <= 3);
    let before = text[..q.outer.start].trim_end();
    let prev = before.rsplit(char::is_whitespace).next().unwrap_or("");
    let after_possessive = prev.ends_with("'s") || prev.ends_with("’s") || contains(TITLE_CUES, &prev.to_lowercase());
    // "Peace Through Strength." is a slogan or title even with a speech verb after it.
    capitalised && (after_possessive || !trailed || words.len() >= 3)
}

/// "WALLACE: Let's start…" is a transcript excerpt, not a quote in the article's voice.
fn is_transcript(text: &str, q: &Span) -> bool {
    let content = &text[q.content.clone()];
    content.split_once(':').is_some_and(|(label, _)| {
        label.len() <= 30 && label.chars().any(char::is_alphabetic) && !label.chars().any(char::is_lowercase)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sentences::split;

    fn quotes(text: &str) -> Vec<(String, Option<String>)> {
        let sents = split(text);
        let ents = crate::entities::extract(None, text, &sents);
        attribute(text, &sents, &find_spans(text), &ents)
            .into_iter()
            .map(|a| (crate::quote_text(text, &a.pieces), a.speaker))
            .collect()
    }

    fn q(t: &str, s: Option<&str>) -> (String, Option<String>) {
        (t.to_string(), s.map(str::to_string))
    }

    fn speaker_of(text: &str, start: &str) -> Option<String> {
        let found = quotes(text).into_iter().find(|(t, _)| t.starts_with(start));
        found.unwrap_or_else(|| panic!("no quote {start:?} in {text:?}")).1
    }

    #[test]
    fn a_quote_ending_in_a_comma_is_followed_by_its_reporting_clause() {
        let t = "\u{201c}There were some of us who thought you might work with them,\u{201d} Brent Bozell points out.";
        assert_eq!(speaker_of(t, "There were"), Some("Brent Bozell".into()));
        let t = "\u{201c}Can you name one accomplishment of the party?\u{201d} shot back Megyn Kelly.";
        assert_eq!(speaker_of(t, "Can you"), Some("Megyn Kelly".into()));
    }

    #[test]
    fn a_long_reporting_clause_after_a_question_is_its_tag() {
        let t = "\u{201c}Why would anyone wait that long for a bus?\u{201d} Dana Whitlock said at a crowded meeting of the transit board in the city hall on Tuesday.";
        assert_eq!(speaker_of(t, "Why would"), Some("Dana Whitlock".into()));
        // A sentence of its own after the verb reports something else.
        let t = "Ann Price spoke first. \u{201c}Why would anyone wait that long for a bus?\u{201d} Reluctantly, Omar Haddad said he had come to the meeting with a plan of his own.";
        assert_ne!(speaker_of(t, "Why would"), Some("Omar Haddad".into()));
    }

    #[test]
    fn the_subject_of_the_intro_clause_speaks_not_its_object() {
        let t = "When Ruth Ames proposed a toll, Victor Lane hit back hard: \u{201c}Nobody in this valley will pay it.\u{201d}";
        assert_eq!(speaker_of(t, "Nobody"), Some("Victor Lane".into()));
        let t = "When Ruth Ames said the toll would stay, Victor Lane fired back: \u{201c}Nobody in this valley will pay it.\u{201d}";
        assert_eq!(speaker_of(t, "Nobody"), Some("Victor Lane".into()));
        let t = "Council leader Mara Quist, D-Calder, delivered a blunt message to Victor Lane: \u{201c}Nobody in this valley will pay it.\u{201d}";
        assert_eq!(speaker_of(t, "Nobody"), Some("Mara Quist".into()));
        let t = "Back in 2009, Ruth Ames praised the plan of Victor Lane, telling the Calder Times: \u{201c}Nobody has done more for the valley.\u{201d}";
        assert_eq!(speaker_of(t, "Nobody"), Some("Ruth Ames".into()));
        let t = "Ruth Ames paused, smiled and said, \u{201c}Nobody has done more for the valley.\u{201d}";
        assert_eq!(speaker_of(t, "Nobody"), Some("Ruth Ames".into()));
        let t = "In a long interview with the reporter Ann Price last year, Omar Haddad said he welcomed the ruling and added, \u{201c}I will not appeal it.\u{201d}";
        assert_eq!(speaker_of(t, "I will not"), Some("Omar Haddad".into()));
        // A participle shares the subject of the finite speech verb before it.
        let t =
            "Even a senior Calder official said Ruth Ames would lose, adding, \u{201c}Nobody votes for a toll.\u{201d}";
        assert_eq!(speaker_of(t, "Nobody"), Some("a senior Calder official".into()));
    }

    #[test]
    fn words_carrying_on_the_quote_leave_the_tag_inverted() {
        let t = "\u{201c}It looks very unlikely\u{201d} that Ruth Ames can catch Victor Lane, said Omar Haddad, a pollster.";
        assert_eq!(speaker_of(t, "It looks"), Some("Omar Haddad".into()));
        let t = "\u{201c}Is the council going to pay for it?\u{201d} the valley's mayor, Ruth Ames, asked on Sunday.";
        assert_eq!(speaker_of(t, "Is the council"), Some("Ruth Ames".into()));
    }

    #[test]
    fn an_untagged_quote_takes_the_reporter_of_the_sentence_before() {
        let t = "The fare rose again in May. Transit analyst Omar Haddad agreed. \u{201c}Nobody rides a bus that costs this much.\u{201d}";
        assert_eq!(speaker_of(t, "Nobody"), Some("Omar Haddad".into()));
        // A quote-only paragraph: the subject of the sentence before it.
        let t = "Ruth Ames wrote to the transit board on Monday about the fares.\n\n\u{201c}Nobody rides a bus that costs this much.\u{201d}";
        assert_eq!(speaker_of(t, "Nobody"), Some("Ruth Ames".into()));
        // Not when that sentence has no subject to give.
        let t = "The fares rose again in May, the third rise this year.\n\n\u{201c}Nobody rides a bus that costs this much.\u{201d}";
        assert_eq!(speaker_of(t, "Nobody"), None);
    }

    #[test]
    fn an_untagged_quote_paragraph_takes_the_person_named_just_before() {
        let t = "Ruth Ames met the transit board on Monday.\n\nWhat she wants is unclear, since Ames spoke only in slogans.\n\n\u{201c}Nobody rides a bus that costs this much.\u{201d}";
        assert_eq!(speaker_of(t, "Nobody"), Some("Ruth Ames".into()));
        // Not from three paragraphs back.
        let t = "Ruth Ames met the transit board on Monday.\n\nThe fares rose again in May.\n\nThe board met in June.\n\nThe fares rose again in July.\n\n\u{201c}Nobody rides a bus that costs this much.\u{201d}";
        assert_eq!(speaker_of(t, "Nobody"), None);
    }

    #[test]
    fn an_as_clause_names_who_is_quoted() {
        let t = "The fares rose again. As the Calder Times columnist Ruth Ames put it last week, \u{201c}Nobody rides a bus that costs this much.\u{201d}";
        assert_eq!(speaker_of(t, "Nobody"), Some("Ruth Ames".into()));
        let t = "As the Harbour Boys sang in 1984, \u{201c}Nobody rides the last bus home.\u{201d}";
        assert_eq!(speaker_of(t, "Nobody"), Some("Harbour Boys".into()));
    }

    #[test]
    fn another_opens_a_described_speaker() {
        let t = "Another aide to the Calder mayor said, \u{201c}Nobody there wants a strike.\u{201d}";
        assert_eq!(speaker_of(t, "Nobody"), Some("Another aide to the Calder mayor".into()));
    }

    #[test]
    fn colons_introduce_their_speaker() {
        let t = "The surge does not surprise Republican pollster Daron Shaw: \u{201c}Lesser-known candidates often rise early.\u{201d}";
        assert_eq!(speaker_of(t, "Lesser-known"), Some("Daron Shaw".into()));
        let t = "Senator Ted Cruz called them on it:\n\u{201c}The questions asked in this debate illustrate the problem.\u{201d}";
        assert_eq!(speaker_of(t, "The questions"), Some("Ted Cruz".into()));
    }

    #[test]
    fn a_colon_intro_without_a_speech_verb_hands_over_its_actor() {
        let t = "That is, when the CNBC moderators yielded to snark, Cruz called them on it:\n\u{201c}The questions asked in this debate illustrate why people distrust the media.\u{201d}";
        assert_eq!(speaker_of(t, "The questions"), Some("Cruz".into()));
        let t = "Wait, it gets better:\n\u{201c}By law, the president sets the maximum number of refugees each year.\u{201d}";
        assert_eq!(speaker_of(t, "By law"), None);
    }

    #[test]
    fn after_a_comma_the_verb_may_come_before_the_name() {
        let t = "\u{201c}We\u{2019}re extremely happy\u{201d} about the decision, said RoseAnn DeMoro, executive director of the union.";
        assert_eq!(speaker_of(t, "We\u{2019}re"), Some("RoseAnn DeMoro".into()));
    }

    #[test]
    fn a_typed_opening_mark_can_close_a_quote() {
        let t = "\u{201c}It's unusual,\u{201c} said Larry Noble, an attorney. \u{201c}It's a hard thing to pull off.\u{201d}";
        assert_eq!(
            quotes(t),
            [q("It's unusual, … It's a hard thing to pull off.", Some("Larry Noble"))],
            "one quote, its tag between its parts"
        );
    }

    #[test]
    fn a_quote_its_tag_interrupts_is_one_quote() {
        let t = "\u{201c}It seems to me they have every incentive to find common ground,\u{201d} he said of Trump and Ryan. \u{201c}They need one another.\u{201d} Cole spoke on Monday.";
        let found = quotes(&format!("Tom Cole spoke. {t}"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].0.ends_with("common ground, … They need one another."),
            "{found:?}"
        );
        // A tag longer than the quote's parts, another speaker, or a new paragraph keep them apart.
        let long = "\u{201c}Yes, we will,\u{201d} said Ann Lee, who chairs the roads committee of the council. \u{201c}We are sure.\u{201d}";
        assert_eq!(quotes(long).len(), 2);
        let two = "\u{201c}We will win this fight,\u{201d} said Ann Lee. \u{201c}We will not,\u{201d} said Bob Kerr.";
        assert_eq!(quotes(two).len(), 2);
        let paragraphs =
            "\u{201c}We will win this fight,\u{201d} said Ann Lee.\n\u{201c}And we will win the next one.\u{201d}";
        assert_eq!(quotes(paragraphs).len(), 2);
    }

    #[test]
    fn an_abbreviation_in_a_tag_does_not_end_the_run_of_quotes() {
        let t = "\u{201c}We like a lot of the candidates,\u{201d} Sheldon Adelson said ahead of opening his new St. Regis hotel.\n\u{201c}It\u{2019}s changing every day, and the polls keep moving.\u{201d}";
        assert_eq!(speaker_of(t, "It\u{2019}s changing"), Some("Sheldon Adelson".into()));
    }

    #[test]
    fn a_suffixed_name_before_its_appositive_speaks() {
        let t = "\u{201c}It works as a way to sell books and to sell murder,\u{201d} James B. Comey Jr., the director of the bureau, said on Monday.";
        assert_eq!(speaker_of(t, "It works"), Some("James B Comey Jr".into()));
    }

    #[test]
    fn a_description_after_the_verb_names_or_describes_the_speaker() {
        let t = "\u{201c}It may have been his first attempt at a statement,\u{201d} said his best friend at Lehigh, Bruce Turry, who remembered him.";
        assert_eq!(speaker_of(t, "It may"), Some("Bruce Turry".into()));
        let t = "\u{201c}Certainly he has gone in the opposite direction from what we said,\u{201d} said the former top aide to President George W. Bush.";
        assert_eq!(
            speaker_of(t, "Certainly"),
            Some("the former top aide to President George W. Bush".into())
        );
    }

    #[test]
    fn a_dateline_is_not_the_subject() {
        let t = "WASHINGTON (AP) \u{2014} Jane Doe rallied supporters, saying: \u{201c}We have to be ready to stop him.\u{201d}";
        assert_eq!(speaker_of(t, "We have"), Some("Jane Doe".into()));
    }

    #[test]
    fn a_long_next_sentence_is_not_a_tag() {
        let t = "Brafman said, \u{201c}I have never had that happen in thirty-seven years.\u{201d} Reluctantly, Brafman said he had come to the conclusion that the judge was right about the plea.";
        assert_eq!(speaker_of(t, "I have never"), Some("Brafman".into()));
    }

    #[test]
    fn appositives_and_descriptions_name_the_speaker() {
        let t = "In a statement, her senior policy adviser, Jake Sullivan, said: \u{201c}Cooperation is strongest when Europe is united.\u{201d}";
        assert_eq!(speaker_of(t, "Cooperation"), Some("Jake Sullivan".into()));
        let t = "\u{201c}Why didn\u{2019}t he pay his taxes?\u{201d} a narrator in the Clinton ad asks.";
        assert_eq!(speaker_of(t, "Why didn"), Some("a narrator in the Clinton ad".into()));
    }

    #[test]
    fn single_quotes_with_titles_and_nesting() {
        let t = "Secretary of State Marco Rubio spoke. 'There will be consequences,' Rubio said on ABC's 'This Week.' 'But we're trying.'\n\
                 European Commission President Ursula von der Leyen spoke with Ukrainian President Volodymyr Zelenskyy. 'We welcome the 'Coalition of the willing' and its work,' she said.";
        assert_eq!(
            quotes(t),
            vec![
                q("There will be consequences, … But we're trying.", Some("Marco Rubio")),
                q(
                    "We welcome the 'Coalition of the willing' and its work,",
                    Some("Ursula von der Leyen")
                ),
            ]
        );
    }

    #[test]
    fn tags_before_after_and_pronouns() {
        let t = "Evan Feigenbaum is a former diplomat.\n\
                 “This is strategic malpractice,” says Evan Feigenbaum, a former diplomat.\n\
                 Witkoff, who met Secretary of State Marco Rubio, also said \"Russia would not go after any other European countries.\"\n\
                 He added: \"We intend to discuss it on Monday.\"\n\
                 According to Steve Witkoff, \"there was plenty more to say.\"";
        assert_eq!(
            quotes(t),
            vec![
                q("This is strategic malpractice,", Some("Evan Feigenbaum")),
                q(
                    "Russia would not go after any other European countries.",
                    Some("Steve Witkoff")
                ),
                q("We intend to discuss it on Monday.", Some("Steve Witkoff")),
                q("there was plenty more to say.", Some("Steve Witkoff")),
            ]
        );
    }

    #[test]
    fn quotes_spanning_paragraphs_and_colon_intros() {
        let t = "Pat Caddell continued:\n\"The health issue is partisan. It is in their heads.\n\"And it is worrying them,\" he said.\n\"Nobody knows what happens next in this race.\"";
        let got = quotes(t);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(
            got.iter().take(2).all(|(_, s)| s.as_deref() == Some("Pat Caddell")),
            "{got:?}"
        );
    }

    #[test]
    fn a_quote_paragraph_after_a_tagged_one_keeps_its_speaker() {
        let t = "“Ted Cruz is the best candidate since Reagan,” Richard Viguerie tells reporters.\n\n“He checks all our boxes.”\n\nThe campaign did not comment.\n\n“Nobody asked us.”";
        let got = quotes(t);
        assert_eq!(
            got[1],
            q("He checks all our boxes.", Some("Richard Viguerie")),
            "{got:?}"
        );
        assert!(
            got.iter().all(|(t, s)| t != "Nobody asked us." || s.is_none()),
            "a paragraph of narration breaks the run: {got:?}"
        );
    }

    #[test]
    fn a_role_after_a_possessor_leads_to_the_speaker() {
        let t = "“Any candidate needs to make money,” said Huckabee campaign spokesman Hogan Gidley. \
                 “We will win,” said Clinton ally James Carville. “Wait and see,” said Trump on Tuesday.";
        let got = quotes(t);
        assert_eq!(got[0].1.as_deref(), Some("Hogan Gidley"), "{got:?}");
        assert_eq!(got[1].1.as_deref(), Some("James Carville"), "{got:?}");
        assert_eq!(got[2].1.as_deref(), Some("Trump"), "{got:?}");
    }

    #[test]
    fn scare_quotes_and_apostrophes_are_not_quotes() {
        let t = "The so-called 'deal' was Putin's idea, the voters' choice in the '90s. Rock 'n' roll.";
        assert!(quotes(t).is_empty(), "{:?}", quotes(t));
    }

    #[test]
    fn unbalanced_and_hostile_input() {
        assert!(quotes("").is_empty());
        let t = "\"This never closes and goes on for a while\nNext line 'also open";
        let got = quotes(t);
        assert_eq!(got[0].0, "This never closes and goes on for a while");
        let big = "“a ”b ‘c’ \"d ' e ".repeat(50_000);
        let _ = quotes(&big);
        let _ = quotes("„Москва“ — «Пекин» ‘東京’ '");
        // Quotes each followed by a run-on sentence that opens like a tag.
        let run_on = format!("{} end.", "Ruth Ames said at the meeting and".repeat(5_000));
        let many = format!("\u{201c}Why now?\u{201d} {run_on} ").repeat(10);
        let started = std::time::Instant::now();
        assert_eq!(quotes(&many).len(), 10);
        assert!(started.elapsed() < std::time::Duration::from_secs(60));
    }
}
