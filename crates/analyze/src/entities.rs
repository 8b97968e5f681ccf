//! People, organisations and places in an article.
//!
//! The statistical [`tagger`] finds names in each sentence and the
//! headline; the page's structure corrects it where wire copy is
//! unambiguous (a dateline is a place, a scored name in a results line a
//! team, a head word like "Board" or "Road" the kind of the name it ends);
//! capitalised repeats of a found name are added, and every mention votes
//! on its entity's kind. Mentions are then merged into entities: a
//! lone surname joins the full name it ends ("Witkoff" → "Steve Witkoff"),
//! and spelling variants share a key ("Zelenskyy" = "Zelensky").

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use newsdesk_domain::{Entity, EntityKind};

use crate::gazetteer::{self as gz, contains};
use crate::sentences::Sentence;
use crate::tagger;

/// One place an entity is named: a byte range in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub span: Range<usize>,
    pub entity: usize,
}

/// The entities of one document, with where each is mentioned.
#[derive(Debug, Clone, Default)]
pub struct Entities {
    pub list: Vec<Entity>,
    /// Mentions in text order.
    pub mentions: Vec<Mention>,
    /// Normalised surface form → entity index, for speaker lookup.
    aliases: HashMap<String, usize>,
    female: Vec<bool>,
}

impl Entities {
    /// The entity a name refers to ("Rubio", "Marco Rubio", "Mr. Rubio").
    pub fn resolve(&self, name: &str) -> Option<usize> {
        let toks = name_tokens(name);
        let toks = strip_titles(&toks);
        if toks.is_empty() {
            return None;
        }
        self.aliases
            .get(&key(toks))
            .or_else(|| self.aliases.get(&norm(&toks[toks.len() - 1])))
            .copied()
    }

    /// Whether the entity is a person whose first name is usually a woman's.
    pub fn is_female(&self, entity: usize) -> bool {
        self.female.get(entity).copied().unwrap_or(false)
    }

    /// Entities sorted for display: most mentioned first, then by name.
    pub fn ranked(&self) -> Vec<Entity> {
        let mut out = self.list.clone();
        out.sort_by(|a, b| b.mentions.cmp(&a.mentions).then_with(|| a.name.cmp(&b.name)));
        out
    }
}

/// Votes for each kind, gathered over a candidate's mentions.
#[derive(Debug, Clone, Copy, Default)]
struct Votes {
    person: i32,
    org: i32,
    place: i32,
    /// Mentions where the name modifies a role and a person's name after it
    /// ("Copperfield Mayor Denise Okonkwo"): an affiliation, not a person.
    affiliation: i32,
    /// Mentions the tagger read in the article's body (not the headline, not a repeat).
    read_in_body: i32,
}

impl Votes {
    fn of(kind: tagger::Kind, weight: i32) -> Votes {
        let mut v = Votes::default();
        match kind {
            tagger::Kind::Person => v.person = weight,
            tagger::Kind::Organization => v.org = weight,
            tagger::Kind::Place => v.place = weight,
        }
        v
    }
}

/// A candidate mention before merging.
#[derive(Debug, Clone)]
struct Candidate {
    /// Where it is in the text; `None` for a name in the headline.
    span: Option<Range<usize>>,
    tokens: Vec<String>,
    votes: Votes,
}

/// What a name the tagger found says about its kind.
const TAGGED_VOTE: i32 = 3;

/// What the tagger's reading of a headline says: less than of a sentence,
/// since headlines drop the articles and verbs that give a name away.
const HEADLINE_VOTE: i32 = TAGGED_VOTE - 1;

/// What the page's structure says (a dateline, a results line, a name's
/// head word): more than the tagger's reading of the words.
const STRUCTURE_VOTE: i32 = TAGGED_VOTE + 1;

/// A name with the weight of its evidence.
type Weighted = (tagger::Name, i32);

/// What a repeat of an already tagged name says: its other mentions decide.
const REPEAT_VOTE: i32 = 1;

/// Longest repeat of a known name looked for, in tokens.
const MAX_REPEAT_TOKENS: usize = 6;

/// One sentence as the tagger sees it.
struct Tokenized<'a> {
    tokens: Vec<tagger::Token<'a>>,
    words: Vec<&'a str>,
}

impl<'a> Tokenized<'a> {
    fn new(text: &'a str, span: Range<usize>) -> Tokenized<'a> {
        let tokens = tagger::tokenize(text, span);
        let words = tokens.iter().map(|t| t.text).collect();
        Tokenized { tokens, words }
    }
}

/// Finds the entities of `text`, given its sentences, and of its headline.
///
/// The tagger reads each sentence; a name it found once is then looked
/// for wherever else it appears capitalised (a headline in capitals, a
/// results line, a sentence it missed), and the kind of an entity is the
/// vote of all its mentions.
pub fn extract(title: Option<&str>, text: &str, sentences: &[Sentence]) -> Entities {
    let model = tagger::Model::builtin();
    let body: Vec<Tokenized<'_>> = sentences.iter().map(|s| Tokenized::new(text, s.span.clone())).collect();
    let headline = title.map(|t| Tokenized::new(t, 0..t.len()));
    let case = tagger::DocCase::new(body.iter().map(|s| s.words.as_slice()));
    let all = || {
        body.iter()
            .map(|s| (s, true))
            .chain(headline.iter().map(|s| (s, false)))
    };
    let mut document_tagger = model.for_document(&case);
    let mut cands = Vec::new();
    let mut covered: Vec<Vec<bool>> = Vec::new();
    for (k, (sentence, in_body)) in all().enumerate() {
        let tags = document_tagger.tag(&sentence.words);
        let mut tagged = tagger::names(&tags);
        extend_across_connectors(&sentence.words, &mut tagged);
        let weight = if in_body { TAGGED_VOTE } else { HEADLINE_VOTE };
        let mut names: Vec<Weighted> = tagged.into_iter().map(|n| (n, weight)).collect();
        if k < DATELINE_SENTENCES && in_body {
            dateline(&sentence.words, &mut names);
        }
        if is_results_line(&sentence.words) {
            teams(&sentence.words, &mut names);
        }
        fixtures(&sentence.words, &mut names);
        let mut taken = vec![false; sentence.words.len()];
        for (name, weight) in names {
            taken[name.tokens.clone()].iter_mut().for_each(|t| *t = true);
            let mut votes = Votes::of(name.kind, weight);
            votes.affiliation = i32::from(modifies_a_named_role(&sentence.words, &name.tokens));
            votes.read_in_body = i32::from(in_body);
            push(&mut cands, sentence, name.tokens, votes, in_body);
        }
        covered.push(taken);
    }
    let known = Known::new(&cands);
    for ((sentence, in_body), taken) in all().zip(&mut covered) {
        repeats(sentence, taken, &known, in_body, &mut cands);
        headed_runs(sentence, taken, in_body, &mut cands);
    }
    merge(cands)
}

/// Whether a one-word name is followed by a title or role and a person's
/// name ("Copperfield Mayor Denise Okonkwo", "Westmarch spokesman Tom
/// Reyes"): it then says whom the person works for or where, and is no
/// person itself.
fn modifies_a_named_role(words: &[&str], name: &Range<usize>) -> bool {
    let role = words.get(name.end).is_some_and(|w| {
        let lower = w.to_lowercase();
        gz::is_title(&lower) || contains(gz::ROLE_CUES, &lower)
    });
    name.len() == 1 && role && words.get(name.end + 1).is_some_and(|w| is_capitalised(w))
}

/// An organisation's name goes on across "and", "of", "for" or "&" to
/// capitalised words the tagger left out ("Office of Management and
/// Budget", "Foundation for Strategic and International Studies"): the
/// tagger reads a few words either side and loses a long name's end. It
/// goes on across "and" or "&" only inside an "of"/"for" name: otherwise
/// "and" joins two names ("COWI and Ramboll", "Chicago Bears and
/// Portsmouth Spartans"). A connector the tagger put at a name's end
/// ("University of") is cut.
fn extend_across_connectors(words: &[&str], names: &mut [tagger::Name]) {
    let tagged_at = |i: usize, names: &[tagger::Name]| names.iter().any(|n| n.tokens.contains(&i));
    for k in 0..names.len() {
        let mut end = names[k].tokens.end;
        if names[k].kind == tagger::Kind::Organization {
            let start = names[k].tokens.start;
            let joins = |end: usize, w: &str| {
                matches!(w, "of" | "for")
                    || (matches!(w, "and" | "&") && words[start..end].iter().any(|w| matches!(*w, "of" | "for")))
            };
            while words.get(end).is_some_and(|w| joins(end, w))
                && (end + 1..end + 2).all(|i| words.get(i).is_some_and(|w| is_capitalised(w)) && !tagged_at(i, names))
            {
                end += 2;
                while words.get(end).is_some_and(|w| is_capitalised(w)) && !tagged_at(end, names) {
                    end += 1;
                }
            }
        }
        while end > names[k].tokens.start + 1 && is_connector(words[end - 1]) {
            end -= 1;
        }
        names[k].tokens.end = end;
    }
}

/// A wire dateline opening the article ("LONDON 1996-08-30", "BEIRUT,
/// Lebanon (AP) —", "JACKSON, Miss. -") names a place, whatever the tagger made of the
/// capitals: the names in it are replaced by that place.
fn dateline(words: &[&str], names: &mut Vec<Weighted>) {
    let end = words
        .iter()
        .take(MAX_DATELINE_WORDS)
        .take_while(|w| is_shouted(w))
        .count();
    if end == 0 {
        return;
    }
    let mut next = end;
    let region = words.get(next) == Some(&",");
    if region {
        next += 1 + words[next + 1..]
            .iter()
            .take_while(|w| is_capitalised(w) || **w == ".")
            .count();
    }
    let rest = &words[next.min(words.len())..];
    let agency = rest.first().is_some_and(|w| matches!(*w, "(" | "-" | "--" | "—" | "–"));
    let dated = rest.len() <= 4 && rest.first().is_some_and(|w| is_date(w));
    if agency || dated || (region && rest.is_empty()) {
        names.retain(|(n, _)| n.tokens.start >= end);
        names.insert(
            0,
            (
                tagger::Name {
                    kind: tagger::Kind::Place,
                    tokens: 0..end,
                },
                STRUCTURE_VOTE,
            ),
        );
    }
}

/// How far into the article a dateline may sit (after a repeated headline
/// and a byline).
const DATELINE_SENTENCES: usize = 3;

/// Most words a dateline's place runs to ("RIO DE JANEIRO").
const MAX_DATELINE_WORDS: usize = 4;

/// A word in capitals throughout: at least two letters, no lowercase.
fn is_shouted(word: &str) -> bool {
    word.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && word
            .chars()
            .all(|c| c.is_uppercase() || matches!(c, '-' | '.' | '\'' | '’'))
}

/// A score, a time, a price: starts with a digit and holds nothing but
/// digits and the marks between them.
fn is_number(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_digit())
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | ':' | '/'))
}

/// A wire date ("1996-08-30", "12/06/96") or a year: unlike a score or a
/// standing ("104", "3-1"), which follow a team's name in capitals.
fn is_date(word: &str) -> bool {
    let year = word.len() == 4 && word.starts_with(['1', '2']);
    is_number(word) && (year || word.split(['-', '/']).count() == 3)
}

/// A results or standings line: names and numbers with hardly any running
/// words ("Aston Villa 2 Derby 0", "Newcastle 3 3 0 0 7 2 9").
fn is_results_line(words: &[&str]) -> bool {
    let numbers = words.iter().filter(|w| is_number(w)).count();
    let prose = words
        .iter()
        .filter(|w| w.starts_with(char::is_lowercase) && w.chars().count() >= 3)
        .count();
    numbers >= 2 && prose == 0 && words.iter().any(|w| is_capitalised(w))
}

/// In a results line, a name followed by its score is a team: a club is an
/// organisation, a national side the country's place. Unless the line is a
/// match (two names, only a score between them), a person the tagger saw or
/// a given name and more (golfers and their rounds, a tie listed with
/// commas) stays a person. Names in brackets (an athlete's country) and
/// dates are left alone.
fn teams(words: &[&str], names: &mut Vec<Weighted>) {
    let scored = scored_runs(words);
    let is_match = matches!(&scored[..], [a, b] if words[a.end..b.start].iter().all(|w| is_number(w)));
    for run in &scored {
        let given = run.len() >= 2 && contains(gz::FIRST_NAMES, &words[run.start].to_lowercase());
        if !is_match && (overlaps_person(names, run) || given) {
            continue;
        }
        file_team(words, run.clone(), names);
    }
    names.sort_by_key(|(n, _)| n.tokens.start);
}

/// Whether the tagger read any of `run` as a person.
fn overlaps_person(names: &[Weighted], run: &std::ops::Range<usize>) -> bool {
    names
        .iter()
        .any(|(n, _)| n.kind == tagger::Kind::Person && n.tokens.start < run.end && run.start < n.tokens.end)
}

/// Files `run` as a team in place of whatever overlapped it: a country's
/// side is its place, any other side an organisation.
fn file_team(words: &[&str], run: std::ops::Range<usize>, names: &mut Vec<Weighted>) {
    let name: Vec<String> = words[run.clone()].iter().map(|w| w.to_lowercase()).collect();
    let kind = if contains(gz::COUNTRIES, &name.join(" ")) {
        tagger::Kind::Place
    } else {
        tagger::Kind::Organization
    };
    names.retain(|(n, _)| n.tokens.end <= run.start || run.end <= n.tokens.start);
    names.push((tagger::Name { kind, tokens: run }, STRUCTURE_VOTE));
}

/// Most words of a fixture line (a date, a time and two sides).
const MAX_FIXTURE_WORDS: usize = 16;

/// In a fixture line ("Arsenal v Derby", "Real Madrid vs. Barcelona"),
/// with no running words but the sides' names, each side is a team: a club
/// an organisation, a country its place; a side the tagger read as a
/// person (a tennis match) stays one.
fn fixtures(words: &[&str], names: &mut Vec<Weighted>) {
    let versus = |w: &str| matches!(w, "v" | "vs" | "vs." | "V" | "VS" | "v." | "V.");
    let prose = words
        .iter()
        .any(|w| w.starts_with(char::is_lowercase) && w.chars().count() >= 3 && !versus(w));
    if prose || words.len() > MAX_FIXTURE_WORDS {
        return;
    }
    for i in (1..words.len().saturating_sub(1)).filter(|&i| versus(words[i])) {
        let before = words[..i]
            .iter()
            .rev()
            .take_while(|w| is_capitalised(w) && !versus(w))
            .count();
        let after = words[i + 1..]
            .iter()
            .take_while(|w| is_capitalised(w) && !versus(w))
            .count();
        for run in [i - before..i, i + 1..i + 1 + after]
            .into_iter()
            .filter(|r| !r.is_empty())
        {
            if !overlaps_person(names, &run) {
                file_team(words, run, names);
            }
        }
    }
    names.sort_by_key(|(n, _)| n.tokens.start);
}

/// Runs of capitalised words outside brackets that a number follows, other
/// than calendar words ("September 1").
fn scored_runs(words: &[&str]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < words.len() {
        match words[i] {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > 0 || !is_capitalised(words[i]) {
            i += 1;
            continue;
        }
        let end = i + words[i..]
            .iter()
            .take_while(|w| is_capitalised(w) || is_connector(w))
            .count();
        let calendar = words[i..end].iter().all(|w| contains(gz::NOT_NAMES, &w.to_lowercase()));
        if words.get(end).is_some_and(|w| is_number(w)) && !calendar {
            out.push(i..end);
        }
        i = end;
    }
    out
}

/// A lowercase word inside a name ("Bosnia and Herzegovina", "Queen of the South").
fn is_connector(word: &str) -> bool {
    matches!(word, "and" | "of" | "the" | "de" | "del" | "du" | "la")
}

/// Records the name at `range` of a sentence as a candidate: a possessive
/// stays on its word ("St Brennan's Hospital"), and a person loses the
/// titles in front ("Councillor Amara Singh"). A name whose head word says
/// what it is ("… Board", "… Road", "Port …") is that, whatever the tagger said.
fn push(out: &mut Vec<Candidate>, sentence: &Tokenized<'_>, range: Range<usize>, votes: Votes, in_body: bool) {
    let mut run = &sentence.tokens[range];
    while run.last().is_some_and(|t| is_possessive(t.text)) {
        run = &run[..run.len() - 1];
    }
    if votes.person > 0 {
        let titles = run
            .iter()
            .take_while(|t| gz::is_title(&t.text.trim_end_matches('.').to_lowercase()))
            .count();
        run = &run[titles.min(run.len().saturating_sub(1))..];
        let described = run.iter().take_while(|t| is_description(t.text)).count();
        if run.len() >= described + 2 {
            run = &run[described..];
        }
    }
    let mut tokens: Vec<String> = Vec::new();
    for t in run.iter().filter(|t| t.text.chars().any(char::is_alphanumeric)) {
        match tokens.last_mut() {
            Some(last) if is_possessive(t.text) => last.push_str(t.text),
            _ => tokens.push(t.text.trim_end_matches('.').to_string()),
        }
    }
    let (Some(first), Some(last)) = (run.first(), run.last()) else {
        return;
    };
    if tokens.is_empty() {
        return;
    }
    let votes = if votes.person > votes.org.max(votes.place) && holds_acronym(&tokens) {
        Votes::of(tagger::Kind::Organization, votes.person)
    } else {
        votes
    };
    // The page's structure (a results line's team) outranks a head word ("Nottingham Forest 0").
    let structural = votes.person.max(votes.org).max(votes.place) >= STRUCTURE_VOTE;
    let votes = match head_kind(&tokens) {
        Some(kind) if !structural => Votes::of(kind, STRUCTURE_VOTE),
        _ => votes,
    };
    out.push(Candidate {
        span: in_body.then_some(first.span.start..last.span.end),
        tokens,
        votes,
    });
}

/// Whether a name written in lowercase letters also holds an acronym
/// ("AC Milan", "PSV Eindhoven"): people's names spell out their words,
/// institutions' often do not. A regnal number ("George IV") is no acronym.
fn holds_acronym(tokens: &[String]) -> bool {
    let roman = |w: &String| w.chars().all(|c| "IVXLCDM".contains(c));
    let acronym = |w: &String| w.chars().count() >= 2 && w.chars().all(|c| c.is_ascii_uppercase()) && !roman(w);
    tokens.iter().any(acronym) && tokens.iter().any(|w| w.chars().any(char::is_lowercase))
}

/// A capitalised word that describes the person named after it rather
/// than naming them: a role ("Defender", "Striker"), a nationality
/// ("Swiss", "Dutch") or a nationality noun ("Dutchman", "Frenchwoman").
fn is_description(word: &str) -> bool {
    let lower = word.to_lowercase();
    let demonym = ["man", "woman"]
        .iter()
        .any(|end| lower.len() > end.len() + 3 && lower.ends_with(end));
    let nationality = contains(gz::NOT_NAMES, &lower) && !is_opener(&lower);
    !contains(gz::FIRST_NAMES, &lower) && (contains(gz::ROLE_CUES, &lower) || nationality || demonym)
}

fn is_possessive(token: &str) -> bool {
    matches!(token, "'s" | "’s" | "'S" | "’S")
}

/// The kind a multi-word name's own words give it: an organisation's head
/// noun last ("Relations Board"), a place's ("Harbour Road"), or a place
/// word first in a two-word name ("Port Calder").
fn head_kind(tokens: &[String]) -> Option<tagger::Kind> {
    let [first, .., last] = tokens else { return None };
    let (first, last) = (first.to_lowercase(), last.to_lowercase());
    let whole = tokens.join(" ").to_lowercase();
    if contains(gz::PLACES, &whole) || contains(gz::PLACE_PHRASES, &whole) {
        Some(tagger::Kind::Place)
    } else if contains(gz::ORG_HEADS, &last) {
        Some(tagger::Kind::Organization)
    } else if contains(gz::PLACE_HEADS, &last) || (tokens.len() == 2 && contains(gz::PLACE_PREFIXES, &first)) {
        Some(tagger::Kind::Place)
    } else {
        None
    }
}

/// Tagged names, in spelling-tolerant form ([`norm`]), with the kind each was tagged as most; a
/// person's surname alone also counts as the person.
struct Known {
    names: HashMap<String, tagger::Kind, tagger::FxBuild>,
    /// First words of the names, so most tokens skip the search.
    starts: HashSet<String, tagger::FxBuild>,
}

impl Known {
    fn new(cands: &[Candidate]) -> Known {
        let mut votes: HashMap<String, Votes> = HashMap::new();
        for c in cands {
            let folded: Vec<String> = c.tokens.iter().map(|t| norm(t)).collect();
            add(votes.entry(folded.join(" ")).or_default(), c.votes);
            if c.votes.person > 0 && folded.len() > 1 {
                add(votes.entry(folded[folded.len() - 1].clone()).or_default(), c.votes);
            }
        }
        let names: HashMap<String, tagger::Kind, tagger::FxBuild> = votes
            .into_iter()
            .filter_map(|(name, v)| Some((name, tagger_kind(kind_of(v))?)))
            .collect();
        let starts = names
            .keys()
            .filter_map(|n| n.split(' ').next())
            .map(String::from)
            .collect();
        Known { names, starts }
    }

    /// The longest known name starting at word `i` and touching no tagged word.
    fn longest_at(&self, words: &[&str], taken: &[bool], i: usize) -> Option<(Range<usize>, tagger::Kind)> {
        let fold = |w: &str| norm(w);
        let first = fold(words[i]);
        if !self.starts.contains(&first) {
            return None;
        }
        let mut name = first;
        let mut found = None;
        for end in i + 1..=(i + MAX_REPEAT_TOKENS).min(words.len()) {
            if taken[end - 1] {
                break;
            }
            if end > i + 1 {
                name.push(' ');
                name.push_str(&fold(words[end - 1]));
            }
            if let Some(&kind) = self.names.get(&name) {
                found = Some((i..end, kind));
            }
        }
        found
    }
}

fn add(to: &mut Votes, v: Votes) {
    to.person += v.person;
    to.org += v.org;
    to.place += v.place;
    to.affiliation += v.affiliation;
    to.read_in_body += v.read_in_body;
}

/// Candidates for capitalised repeats of known names that the tagger left
/// untagged; their words are marked taken.
fn repeats(sentence: &Tokenized<'_>, taken: &mut [bool], known: &Known, in_body: bool, out: &mut Vec<Candidate>) {
    let words = &sentence.words;
    let mut i = 0;
    while i < words.len() {
        match Some(i)
            .filter(|&i| is_capitalised(words[i]))
            .and_then(|i| known.longest_at(words, taken, i))
        {
            Some((range, kind)) => {
                i = range.end;
                taken[range.clone()].iter_mut().for_each(|t| *t = true);
                let mut votes = Votes::of(kind, REPEAT_VOTE);
                votes.affiliation = i32::from(modifies_a_named_role(words, &range));
                push(out, sentence, range, votes, in_body);
            }
            None => i += 1,
        }
    }
}

/// Candidates for untagged runs of capitalised words whose head word says
/// what they name ("Westmarch Labour Relations Board", "Harbour Road").
fn headed_runs(sentence: &Tokenized<'_>, taken: &[bool], in_body: bool, out: &mut Vec<Candidate>) {
    let words = &sentence.words;
    let mut i = 0;
    while i < words.len() {
        if taken[i] || !is_capitalised(words[i]) {
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while end < words.len() && !taken[end] {
            let connector = matches!(words[end], "of" | "for" | "and" | "the" | "de");
            let continues = connector && words.get(end + 1).is_some_and(|w| is_capitalised(w));
            if !(is_capitalised(words[end]) || continues) {
                break;
            }
            end += if continues { 2 } else { 1 };
        }
        let mut start = i;
        while start < end && is_opener(&words[start].to_lowercase()) {
            start += 1;
        }
        let mut stop = end;
        while stop > start && gz::is_title(&words[stop - 1].to_lowercase()) {
            stop -= 1;
        }
        let tokens: Vec<String> = words[start..stop].iter().map(|w| w.to_string()).collect();
        if let Some(kind) = head_kind(&tokens) {
            push(out, sentence, start..stop, Votes::of(kind, TAGGED_VOTE), in_body);
        }
        i = end;
    }
}

/// A capitalised word that opens a sentence rather than a name ("The",
/// "In"); a nationality stays ("European Commission").
fn is_opener(lower: &str) -> bool {
    let nationality = ["an", "ish", "ese", "eli"].iter().any(|end| lower.ends_with(end));
    contains(gz::NOT_NAMES, lower) && !nationality
}

fn is_capitalised(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

fn strip_possessive(w: &str) -> &str {
    w.strip_suffix("'s").or_else(|| w.strip_suffix("’s")).unwrap_or(w)
}

/// Title words stripped from a name before lookup.
fn strip_titles(toks: &[String]) -> &[String] {
    let mut i = 0;
    while i + 1 < toks.len() && {
        let l = toks[i].to_lowercase();
        contains(gz::TITLES, &l) || contains(gz::NOT_NAMES, &l) || l == "of"
    } {
        i += 1;
    }
    &toks[i..]
}

/// Words of a name, without dots and possessives.
fn name_tokens(name: &str) -> Vec<String> {
    name.split(|c: char| c.is_whitespace())
        .map(|w| strip_possessive(w.trim_matches(|c: char| !c.is_alphanumeric())).replace('.', ""))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Spelling-tolerant form of one word: "Zelenskyy", "Zelenskiy" and "Zelensky" agree.
fn norm(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    for c in w.chars().flat_map(char::to_lowercase).filter(|c| c.is_alphanumeric()) {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    if let Some(base) = out.strip_suffix("iy").or_else(|| out.strip_suffix("ij")) {
        return format!("{base}y");
    }
    out
}

/// Key of a multi-word name: its words, normalised, without middle initials.
fn key(toks: &[String]) -> String {
    let kept: Vec<String> = toks
        .iter()
        .enumerate()
        .filter(|(i, t)| *i == 0 || *i + 1 == toks.len() || t.chars().count() > 1)
        .map(|(_, t)| norm(t))
        .collect();
    kept.join(" ")
}

/// A group of candidates with one key, on its way to becoming an entity.
#[derive(Debug, Default)]
struct Group {
    forms: HashMap<Vec<String>, u32>,
    votes: Votes,
    /// Where it is named in the text (not the headline).
    mentions: Vec<Range<usize>>,
    /// How often it is named, headline included.
    count: u32,
    /// Kinds the page's structure gave it (a dateline, a results line).
    structure: Votes,
}

/// Merges candidate mentions into entities.
fn merge(cands: Vec<Candidate>) -> Entities {
    let mut groups: Vec<Group> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for c in cands {
        let k = key(&c.tokens);
        let gi = *by_key.entry(k).or_insert_with(|| {
            groups.push(Group::default());
            groups.len() - 1
        });
        let g = &mut groups[gi];
        *g.forms.entry(c.tokens).or_default() += 1;
        add(&mut g.votes, c.votes);
        if c.votes.person.max(c.votes.org).max(c.votes.place) >= STRUCTURE_VOTE {
            add(&mut g.structure, c.votes);
        }
        g.mentions.extend(c.span);
        g.count += 1;
    }
    let target = link_surnames(&groups, &by_key);
    build(groups, target)
}

/// Orders a group's forms: more mentions, then not in capitals throughout
/// (a headline's "JAPAN" shows as "Japan"), then longer, then alphabetical.
fn preferred_form(a: &(&Vec<String>, &u32), b: &(&Vec<String>, &u32)) -> std::cmp::Ordering {
    let shouted = |f: &[String]| f.iter().all(|w| is_shouted(w));
    a.1.cmp(b.1)
        .then(shouted(b.0).cmp(&shouted(a.0)))
        .then(a.0.len().cmp(&b.0.len()))
        .then(b.0.cmp(a.0))
}

/// The most common form of a group, preferring longer forms on ties.
fn best_form(g: &Group) -> &Vec<String> {
    g.forms
        .iter()
        .max_by(preferred_form)
        .map(|(f, _)| f)
        .expect("a group has at least one form")
}

/// The tagger's kind for an entity kind, if it has one.
fn tagger_kind(kind: EntityKind) -> Option<tagger::Kind> {
    match kind {
        EntityKind::Person => Some(tagger::Kind::Person),
        EntityKind::Organization => Some(tagger::Kind::Organization),
        EntityKind::Place => Some(tagger::Kind::Place),
        _ => None,
    }
}

/// A group's kind. A single word that no full name took in ("Millbrook",
/// not "Hwang") is seldom a person: news names a person in full first. So
/// when such a word also had votes as a place or organisation, those win;
/// and it is no person when a mention of it modifies a named role
/// ("Copperfield Mayor Denise Okonkwo") or when only the headline, which
/// drops the words that give a name away, read it as one (the body never
/// did). With no other votes it is then left out ([`EntityKind::Other`]).
fn settled_kind(g: &Group) -> EntityKind {
    let kind = kind_of(g.votes);
    let lone = g.forms.keys().all(|f| f.len() == 1);
    let affiliation = g.votes.affiliation > 0;
    let headline_only = g.votes.read_in_body == 0;
    if kind == EntityKind::Person && lone && (g.votes.org > 0 || g.votes.place > 0 || affiliation || headline_only) {
        kind_of(Votes { person: 0, ..g.votes })
    } else {
        kind
    }
}

fn kind_of(v: Votes) -> EntityKind {
    let best = v.person.max(v.org).max(v.place);
    if best <= 0 {
        EntityKind::Other
    } else if v.person == best {
        EntityKind::Person
    } else if v.org == best {
        EntityKind::Organization
    } else {
        EntityKind::Place
    }
}

/// For each group, the group it folds into: a lone word joins the most
/// mentioned multi-word person it ends (or begins, for "Hillary").
fn link_surnames(groups: &[Group], by_key: &HashMap<String, usize>) -> Vec<usize> {
    let mut best: HashMap<String, (usize, usize)> = HashMap::new();
    for (gi, g) in groups.iter().enumerate() {
        let form = best_form(g);
        if form.len() < 2 || kind_of(g.votes) != EntityKind::Person {
            continue;
        }
        let n = g.count as usize;
        for end in [norm(&form[form.len() - 1]), norm(&form[0])] {
            let e = best.entry(end).or_insert((gi, n));
            if n > e.1 {
                *e = (gi, n);
            }
        }
    }
    (0..groups.len())
        .map(|gi| {
            let form = best_form(&groups[gi]);
            let lone = form.len() == 1 && kind_of(groups[gi].votes) != EntityKind::Place;
            match best.get(&norm(&form[0])) {
                Some(&(target, _)) if lone && by_key.len() > 1 => target,
                _ => gi,
            }
        })
        .collect()
}

/// Folds linked groups and turns the survivors into entities with aliases.
fn build(mut groups: Vec<Group>, target: Vec<usize>) -> Entities {
    for gi in 0..groups.len() {
        let t = target[gi];
        if t != gi {
            let g = std::mem::take(&mut groups[gi]);
            let dst = &mut groups[t];
            dst.votes.person += g.votes.person.max(1);
            dst.mentions.extend(g.mentions);
            dst.count += g.count;
            for (f, n) in g.forms {
                *dst.forms.entry(f).or_default() += n;
            }
        }
    }
    let mut ents = Entities::default();
    for g in groups.into_iter().filter(|g| g.count > 0) {
        let kind = settled_kind(&g);
        if kind == EntityKind::Other {
            continue;
        }
        let also = other_structural_kinds(&g, kind);
        let name = add_entity(&mut ents, g, kind);
        for kind in also {
            ents.female.push(false);
            ents.list.push(Entity {
                name: name.clone(),
                kind,
                mentions: 1,
            });
        }
    }
    ents.mentions.sort_by_key(|m| m.span.start);
    ents
}

/// The kinds besides `kind` that the page's structure gave a name: a city
/// in the dateline that is also a team in the results ("NEW YORK
/// 1996-12-07", "NEW YORK 12 5") names both the place and the club.
fn other_structural_kinds(g: &Group, kind: EntityKind) -> Vec<EntityKind> {
    let s = g.structure;
    [
        (s.org, EntityKind::Organization),
        (s.place, EntityKind::Place),
        (s.person, EntityKind::Person),
    ]
    .into_iter()
    .filter(|&(v, k)| v >= STRUCTURE_VOTE && k != kind)
    .map(|(_, k)| k)
    .collect()
}

/// Adds a group as an entity of `kind`; returns the name shown.
fn add_entity(ents: &mut Entities, g: Group, kind: EntityKind) -> String {
    let idx = ents.list.len();
    let longest = g.forms.keys().map(Vec::len).max().unwrap_or(1);
    let name_form = g
        .forms
        .iter()
        .filter(|(f, _)| f.len() == longest || kind != EntityKind::Person)
        .max_by(preferred_form)
        .map(|(f, _)| f.clone())
        .unwrap_or_default();
    for f in g.forms.keys() {
        ents.aliases.entry(key(f)).or_insert(idx);
        if kind == EntityKind::Person {
            ents.aliases.entry(norm(&f[f.len() - 1])).or_insert(idx);
        }
    }
    let female = kind == EntityKind::Person && contains(gz::FEMALE_NAMES, &name_form[0].to_lowercase());
    ents.female.push(female);
    ents.list.push(Entity {
        name: display_name(&name_form),
        kind,
        mentions: g.count,
    });
    ents.mentions
        .extend(g.mentions.into_iter().map(|span| Mention { span, entity: idx }));
    ents.list[idx].name.clone()
}

/// The name as shown: words joined, and a dotted acronym given back its last dot ("U.S" → "U.S.").
fn display_name(form: &[String]) -> String {
    let mut name = form.join(" ");
    let dotted = name.len() >= 3 && name.contains('.') && name.chars().all(|c| c.is_uppercase() || c == '.');
    if dotted {
        name.push('.');
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sentences::split;

    fn ents(text: &str) -> Entities {
        extract(None, text, &split(text))
    }

    fn find<'a>(e: &'a Entities, name: &str) -> Option<&'a Entity> {
        e.list.iter().find(|x| x.name == name)
    }

    #[test]
    fn titles_are_cut_and_surnames_join_full_names() {
        let e = ents(
            "Secretary of State Marco Rubio met Russian President Vladimir Putin in Alaska. \
             Rubio said Putin was ready. Later Rubio left.",
        );
        let rubio = find(&e, "Marco Rubio").expect("Marco Rubio");
        assert_eq!((rubio.kind, rubio.mentions), (EntityKind::Person, 3));
        assert_eq!(find(&e, "Vladimir Putin").map(|x| x.mentions), Some(2));
        assert_eq!(find(&e, "Alaska").map(|x| x.kind), Some(EntityKind::Place));
        assert!(find(&e, "Russian").is_none() && find(&e, "Later").is_none());
        assert_eq!(e.resolve("Rubio"), e.resolve("Marco Rubio"));
    }

    #[test]
    fn spelling_variants_merge() {
        let e = ents("Ukrainian President Volodymyr Zelenskyy spoke. Zelensky said no. Zelenskiy left.");
        let z = find(&e, "Volodymyr Zelenskyy").expect("Zelenskyy");
        assert_eq!(z.mentions, 3);
    }

    #[test]
    fn organisations_by_suffix_acronym_and_list() {
        let e = ents("European Commission President Ursula von der Leyen spoke to NATO and the Kremlin.");
        assert_eq!(
            find(&e, "European Commission").map(|x| x.kind),
            Some(EntityKind::Organization)
        );
        assert_eq!(
            find(&e, "Ursula von der Leyen").map(|x| x.kind),
            Some(EntityKind::Person)
        );
        assert!(e.is_female(e.resolve("von der Leyen").expect("resolves")));
        assert_eq!(find(&e, "NATO").map(|x| x.kind), Some(EntityKind::Organization));
        assert_eq!(find(&e, "Kremlin").map(|x| x.kind), Some(EntityKind::Organization));
    }

    #[test]
    fn role_words_mark_people() {
        let e = ents("The deal was backed by U.S. special envoy Steve Witkoff on Sunday.");
        assert_eq!(find(&e, "Steve Witkoff").map(|x| x.kind), Some(EntityKind::Person));
        assert!(find(&e, "Sunday").is_none());
        assert!(is_description("Dutchman") && is_description("Striker") && !is_description("Herman"));
        let names = |ws: &[&str]| ws.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert!(holds_acronym(&names(&["AC", "Milan"])) && !holds_acronym(&names(&["George", "IV"])));
        assert!(
            !holds_acronym(&names(&["NEW", "YORK"])),
            "a name in capitals throughout is no acronym"
        );
        let e = ents("Dutchman Ronald de Boer missed the game.");
        assert_eq!(find(&e, "Ronald de Boer").map(|x| x.kind), Some(EntityKind::Person));
    }

    #[test]
    fn dotted_acronyms_keep_their_dots() {
        let e = ents("Officials in the U.S. and the U.K. said so. The U.S. agreed.");
        assert_eq!(find(&e, "U.S.").map(|x| x.mentions), Some(2));
    }

    fn kind_of_name(e: &Entities, name: &str) -> Option<EntityKind> {
        find(e, name).map(|x| x.kind)
    }

    #[test]
    fn a_dateline_names_a_place() {
        let e = ents("LONDON 1996-08-30\nShares rose on Friday.");
        assert_eq!(kind_of_name(&e, "LONDON"), Some(EntityKind::Place));
        let e = ents("JACKSON, Miss. - A judge blocked the law on Thursday.");
        assert_eq!(kind_of_name(&e, "JACKSON"), Some(EntityKind::Place));
        let e = ents("NASA , the space agency , said it would launch on Monday.");
        assert_ne!(kind_of_name(&e, "NASA"), Some(EntityKind::Place));
    }

    #[test]
    fn results_lines_name_teams() {
        let e = ents("Results on Saturday :\nAston Villa 2 Derby 0\nJapan 2 Syria 1\nColin Montgomerie 69 70 71\nTuesday , September 1 , 2015");
        assert_eq!(kind_of_name(&e, "Aston Villa"), Some(EntityKind::Organization));
        assert_eq!(kind_of_name(&e, "Derby"), Some(EntityKind::Organization));
        assert_eq!(kind_of_name(&e, "Japan"), Some(EntityKind::Place));
        assert_eq!(kind_of_name(&e, "Syria"), Some(EntityKind::Place));
        assert_eq!(kind_of_name(&e, "Colin Montgomerie"), Some(EntityKind::Person));
        assert!(find(&e, "September").is_none());
    }

    #[test]
    fn a_team_line_is_no_dateline_and_a_city_can_be_both() {
        let e = ents("NEW YORK 1996-12-07\nResults on Friday :\nNEW JERSEY 104 Denver 92\nNEW YORK 12 5 .706 -");
        let kinds =
            |name: &str| -> Vec<EntityKind> { e.list.iter().filter(|x| x.name == name).map(|x| x.kind).collect() };
        assert_eq!(kinds("NEW JERSEY"), [EntityKind::Organization], "a score is no date");
        let mut york = kinds("NEW YORK");
        york.sort_by_key(|k| k.as_str());
        assert_eq!(
            york,
            [EntityKind::Organization, EntityKind::Place],
            "the dateline's city and the club"
        );
        let e = ents("Results :\nNottingham Forest 0 Port Vale 2\n134 David Frost 68 66 , Retief Goosen 67 67");
        assert_eq!(kind_of_name(&e, "Nottingham Forest"), Some(EntityKind::Organization));
        assert_eq!(kind_of_name(&e, "Port Vale"), Some(EntityKind::Organization));
        assert_eq!(
            kind_of_name(&e, "David Frost"),
            Some(EntityKind::Person),
            "golfers tied, not a match"
        );
    }

    #[test]
    fn an_organisation_goes_on_across_connectors() {
        let words = [
            "the",
            "Office",
            "of",
            "Management",
            "and",
            "Budget",
            "and",
            "Paris",
            "of",
            ".",
        ];
        let mut names = vec![
            tagger::Name {
                kind: tagger::Kind::Organization,
                tokens: 1..4,
            },
            tagger::Name {
                kind: tagger::Kind::Place,
                tokens: 7..9,
            },
        ];
        extend_across_connectors(&words, &mut names);
        assert_eq!(names[0].tokens, 1..6, "to the untagged 'Budget', not into 'Paris'");
        assert_eq!(names[1].tokens, 7..8, "a trailing 'of' is cut");
    }

    #[test]
    fn fixture_lines_name_teams() {
        let e = ents("Fixtures for Saturday :\nArsenal v Derby\nJapan vs. Syria\nPete Sampras v Andre Agassi");
        assert_eq!(kind_of_name(&e, "Arsenal"), Some(EntityKind::Organization));
        assert_eq!(kind_of_name(&e, "Derby"), Some(EntityKind::Organization));
        assert_eq!(kind_of_name(&e, "Japan"), Some(EntityKind::Place));
        assert_eq!(kind_of_name(&e, "Andre Agassi"), Some(EntityKind::Person));
        let long = "Ab v ".repeat(50_000);
        assert!(ents(&long).list.len() <= 1, "a long line is no fixture line");
        let e = ents("The court heard Roe v Wade again on Monday.");
        assert_ne!(
            kind_of_name(&e, "Wade"),
            Some(EntityKind::Organization),
            "prose is no fixture line"
        );
    }

    #[test]
    fn head_words_decide_unknown_names() {
        let e = ents("Talks resume before a mediator from the Westmarch Labour Relations Board in Port Calder.");
        assert_eq!(
            kind_of_name(&e, "Westmarch Labour Relations Board"),
            Some(EntityKind::Organization)
        );
        assert_eq!(kind_of_name(&e, "Port Calder"), Some(EntityKind::Place));
    }

    #[test]
    fn the_headline_is_read_and_capitals_repeat_known_names() {
        let text = "Japan began the defence of their title with a win against Syria on Friday.";
        let e = extract(Some("SOCCER - JAPAN GET LUCKY WIN"), text, &split(text));
        assert_eq!(
            find(&e, "Japan").map(|x| (x.kind, x.mentions)),
            Some((EntityKind::Place, 2))
        );
        let mention = &e.mentions[0];
        assert_eq!(
            &text[mention.span.clone()],
            "Japan",
            "headline mentions have no span in the text"
        );
    }

    #[test]
    fn a_name_modifying_a_role_or_read_only_in_the_headline_is_no_person() {
        let words = ["said", "Copperfield", "Mayor", "Denise", "Okonkwo", "."];
        assert!(modifies_a_named_role(&words, &(1..2)));
        assert!(!modifies_a_named_role(&words, &(3..5)), "a full name is a person's");
        assert!(!modifies_a_named_role(&["Okonkwo", "said", "Copperfield"], &(0..1)));
        let group = |person, affiliation, read_in_body| Group {
            forms: HashMap::from([(vec!["Copperfield".to_string()], 2)]),
            votes: Votes {
                person,
                affiliation,
                read_in_body,
                ..Votes::default()
            },
            count: 2,
            ..Group::default()
        };
        assert_eq!(settled_kind(&group(6, 0, 2)), EntityKind::Person);
        assert_eq!(settled_kind(&group(6, 1, 2)), EntityKind::Other);
        assert_eq!(settled_kind(&group(3, 0, 0)), EntityKind::Other);
    }

    #[test]
    fn and_joins_two_names_unless_inside_an_of_name() {
        let org = |tokens| tagger::Name {
            kind: tagger::Kind::Organization,
            tokens,
        };
        let words = ["by", "COWI", "and", "Ramboll", "."];
        let mut names = [org(1..2)];
        extend_across_connectors(&words, &mut names);
        assert_eq!(names[0].tokens, 1..2);
        let words = ["the", "Office", "of", "Management", "and", "Budget", "said"];
        let mut names = [org(1..2)];
        extend_across_connectors(&words, &mut names);
        assert_eq!(names[0].tokens, 1..6);
    }

    #[test]
    fn hostile_input() {
        assert!(ents("").list.is_empty());
        assert!(ents("STORY CONTINUES BELOW THIS AD").list.is_empty());
        let junk = "Ab ".repeat(100_000);
        assert!(ents(&junk).list.len() <= 1);
        let _ = ents("Москва и Пекин. 北京 Tōkyō's Ōsaka-based Élysée. 'Un''balanced \"quotes");
    }
}
