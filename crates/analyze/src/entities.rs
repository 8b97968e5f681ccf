//! People, organisations and places, without a statistical model.
//!
//! Candidates are runs of capitalised words in each sentence. Titles
//! ("Secretary of State", "President") are cut off the front and mark what
//! follows as a person; role words ("envoy", "adviser"), first names, place
//! and organisation lists, prepositions ("in Kyiv") and organisation
//! suffixes ("Commission") vote on the kind. Mentions are then merged into
//! entities: a lone surname joins the full name it ends ("Witkoff" → "Steve
//! Witkoff"), and spelling variants share a key ("Zelenskyy" = "Zelensky").

use std::collections::HashMap;
use std::ops::Range;

use newsdesk_domain::{Entity, EntityKind};

use crate::gazetteer::{self as gz, contains};
use crate::sentences::Sentence;

/// Title words that may follow a title but never start one ("Attorney General").
const TITLE_TAILS: &[&str] = &["general", "leader", "major", "officer", "staff", "state"];

/// Lowercase words allowed inside a name between capitalised words.
const CONNECTORS: &[&str] = &[
    "al", "bin", "da", "de", "del", "der", "di", "dos", "du", "el", "la", "le", "of", "van", "von",
];

/// Longest run of words taken as one name; longer runs are headlines or junk.
const MAX_NAME_WORDS: usize = 10;

/// Verbs after a name that suggest a speaking person.
const SPEECH_VERBS: &[&str] = &["added", "asked", "says", "said", "stated", "tells", "told", "wrote"];

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
        let mut out: Vec<Entity> = self
            .list
            .iter()
            .filter(|e| e.kind != EntityKind::Other || e.mentions >= 2)
            .cloned()
            .collect();
        out.sort_by(|a, b| b.mentions.cmp(&a.mentions).then_with(|| a.name.cmp(&b.name)));
        out
    }
}

/// A token of a sentence: byte range and text (possessive stripped).
#[derive(Debug, Clone)]
struct Tok<'a> {
    span: Range<usize>,
    text: &'a str,
    /// The token had a possessive "'s", so a name ends here.
    possessive: bool,
}

/// Votes for each kind, gathered over a candidate's mentions.
#[derive(Debug, Clone, Copy, Default)]
struct Votes {
    person: i32,
    org: i32,
    place: i32,
}

/// A candidate mention before merging.
#[derive(Debug, Clone)]
struct Candidate {
    span: Range<usize>,
    tokens: Vec<String>,
    votes: Votes,
    sentence_initial: bool,
}

/// Finds the entities of `text`, given its sentences.
pub fn extract(text: &str, sentences: &[Sentence]) -> Entities {
    let mut cands = Vec::new();
    for s in sentences {
        let toks = tokenize(text, s.span.clone());
        candidates_of_sentence(text, &toks, &mut cands);
    }
    merge(cands)
}

/// Splits a sentence into word tokens; inner `.`, `-` and `'` stay inside ("U.S", "Holtz-Eakin", "O'Brien").
fn tokenize(text: &str, span: Range<usize>) -> Vec<Tok<'_>> {
    let s = &text[span.clone()];
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !c.is_alphanumeric() {
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            let joins = matches!(d, '.' | '-' | '\'' | '’') && s[j + d.len_utf8()..].starts_with(char::is_alphanumeric);
            if d.is_alphanumeric() || joins {
                end = j + d.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let word = &s[i..end];
        let stripped = strip_possessive(word);
        let possessive = stripped.len() != word.len() || s[end..].starts_with(['\'', '’']);
        out.push(Tok {
            span: span.start + i..span.start + i + stripped.len(),
            text: stripped,
            possessive,
        });
    }
    out
}

fn strip_possessive(w: &str) -> &str {
    w.strip_suffix("'s").or_else(|| w.strip_suffix("’s")).unwrap_or(w)
}

fn is_capitalised(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

fn is_all_caps(w: &str) -> bool {
    w.chars().filter(|c| c.is_alphabetic()).count() >= 2 && !w.chars().any(char::is_lowercase)
}

/// Whether the text between two tokens keeps them in one name ("W. Bush", "Gen. Mark").
fn joinable_gap(gap: &str, prev: &str) -> bool {
    let g = gap.trim();
    g.is_empty() && gap.len() <= 2
        || (g == "." && gap.len() <= 3 && (prev.chars().count() == 1 || contains(gz::TITLES, &prev.to_lowercase())))
}

/// Turns the capitalised runs of one sentence into candidates.
fn candidates_of_sentence(text: &str, toks: &[Tok<'_>], out: &mut Vec<Candidate>) {
    let mut i = 0;
    while i < toks.len() {
        if !is_capitalised(toks[i].text) {
            i += 1;
            continue;
        }
        let end = run_end(text, toks, i);
        let prev = i.checked_sub(1).map(|p| toks[p].text.to_lowercase());
        let next = toks.get(end).map(|t| t.text.to_lowercase());
        segment_run(&toks[i..end], prev.as_deref(), next.as_deref(), i == 0, out);
        i = end;
    }
}

/// Index one past the capitalised run that starts at `i`.
fn run_end(text: &str, toks: &[Tok<'_>], i: usize) -> usize {
    let mut end = i + 1;
    while end < toks.len() && end - i < MAX_NAME_WORDS && !toks[end - 1].possessive {
        let gap = &text[toks[end - 1].span.end..toks[end].span.start];
        if !joinable_gap(gap, toks[end - 1].text) {
            break;
        }
        let t = toks[end].text;
        let digits = t.chars().all(|c| c.is_ascii_digit());
        let connector = contains(CONNECTORS, t)
            || (t == "the" && toks[end - 1].text == "of")
            || (digits && !is_all_caps(toks[end - 1].text));
        // A number joins on its own; a word connector only before a capital.
        if is_capitalised(t) || (connector && (digits || capitalised_after_connectors(toks, end + 1))) {
            end += 1;
        } else {
            break;
        }
    }
    // A run never ends on a connector.
    while end > i + 1 && !is_capitalised(toks[end - 1].text) && !toks[end - 1].text.chars().all(|c| c.is_ascii_digit())
    {
        end -= 1;
    }
    end
}

/// Whether a capitalised word follows the connectors ("der", "the") starting at `i`.
fn capitalised_after_connectors(toks: &[Tok<'_>], i: usize) -> bool {
    toks[i.min(toks.len())..]
        .iter()
        .take(3)
        .find(|t| !(contains(CONNECTORS, t.text) || t.text == "the"))
        .is_some_and(|t| is_capitalised(t.text))
}

/// Cuts titles off a run and records the name (and any organisation before the title).
fn segment_run(run: &[Tok<'_>], prev: Option<&str>, next: Option<&str>, initial: bool, out: &mut Vec<Candidate>) {
    let lower: Vec<String> = run.iter().map(|t| t.text.to_lowercase().replace('.', "")).collect();
    if run.len() >= 2 && run.iter().all(|t| is_all_caps(t.text)) {
        return; // Shouted boilerplate: "STORY CONTINUES BELOW THIS AD".
    }
    let mut start = 0;
    while start < run.len() && strippable(&lower, start) {
        start += 1;
    }
    let initial = initial && start == 0;
    let Some((t0, t1)) = title_range(&lower, start) else {
        push_candidate(&run[start..], Votes::default(), prev, next, initial, out);
        return;
    };
    if t0 > start {
        push_candidate(&run[start..t0], Votes::default(), prev, None, initial, out);
    }
    let votes = Votes {
        person: 4,
        ..Votes::default()
    };
    push_candidate(&run[t1..], votes, Some("president"), next, false, out);
}

/// Whether the run's word `i` is an opener or nationality to drop from the
/// front of a name; "European" stays in "European Commission".
fn strippable(lower: &[String], i: usize) -> bool {
    let w = lower[i].as_str();
    if !contains(gz::NOT_NAMES, w) || contains(gz::TITLES, w) {
        return false;
    }
    let nationality = w.ends_with("an") || w.ends_with("ish") || w.ends_with("ese") || w.ends_with("eli");
    let org_follows = lower[i + 1..]
        .iter()
        .take_while(|w| !contains(gz::TITLES, w))
        .last()
        .is_some_and(|l| contains(gz::ORG_SUFFIXES, l));
    !(nationality && org_follows)
}

/// The title inside a run, as token indices `[t0, t1)`, when a name follows it.
fn title_range(lower: &[String], from: usize) -> Option<(usize, usize)> {
    let t0 = (from..lower.len()).find(|&i| contains(gz::TITLES, &lower[i]))?;
    let mut t1 = t0 + 1;
    loop {
        if t1 + 1 >= lower.len() {
            break;
        }
        let w = &lower[t1];
        if contains(gz::TITLES, w) || TITLE_TAILS.contains(&w.as_str()) {
            t1 += 1;
        } else if w == "of" && t1 + 2 < lower.len() {
            t1 += 2;
            if lower[t1 - 1] == "the" && t1 + 1 < lower.len() {
                t1 += 1;
            }
        } else {
            break;
        }
    }
    (t1 < lower.len()).then_some((t0, t1))
}

/// Records a candidate with context votes, unless it is empty or a lone non-name.
fn push_candidate(
    run: &[Tok<'_>],
    mut votes: Votes,
    prev: Option<&str>,
    next: Option<&str>,
    initial: bool,
    out: &mut Vec<Candidate>,
) {
    let tokens: Vec<String> = run.iter().map(|t| t.text.to_string()).collect();
    if tokens.is_empty() || tokens.iter().all(|t| !t.chars().any(char::is_alphabetic)) {
        return;
    }
    let lower: Vec<String> = tokens.iter().map(|t| t.to_lowercase().replace('.', "")).collect();
    if tokens.len() == 1 && (contains(gz::NOT_NAMES, &lower[0]) || contains(gz::TITLES, &lower[0])) {
        return;
    }
    add_votes(&lower, &tokens, prev, next, &mut votes);
    let span = run[0].span.start..run[run.len() - 1].span.end;
    out.push(Candidate {
        span,
        tokens,
        votes,
        sentence_initial: initial,
    });
}

/// Gazetteer and context votes for one candidate.
fn add_votes(lower: &[String], tokens: &[String], prev: Option<&str>, next: Option<&str>, v: &mut Votes) {
    let whole = lower.join(" ");
    let last = lower[lower.len() - 1].as_str();
    if contains(gz::PLACES, &whole) || contains(gz::PLACE_PHRASES, &whole) {
        v.place += 4;
    }
    if contains(gz::ORGS, &whole) || (lower.len() > 1 && contains(gz::ORG_SUFFIXES, last)) {
        v.org += 5;
    }
    if lower.len() == 1 && is_all_caps(&tokens[0]) && !contains(gz::PLACES, &whole) {
        v.org += 2;
    }
    if lower.len() >= 2 && contains(gz::FIRST_NAMES, &lower[0]) {
        v.person += 3;
    }
    if lower.len() >= 2
        && !lower.iter().any(|w| w == "of")
        && !tokens.iter().any(|t| t.chars().any(|c| c.is_ascii_digit()))
    {
        v.person += 1;
    }
    match prev {
        Some(p) if contains(gz::ROLE_CUES, p) => v.person += 3,
        Some("in" | "at" | "near" | "across" | "outside" | "inside") => v.place += 2,
        Some("from" | "to") => v.place += 1,
        Some("the") => v.org += 1,
        _ => {}
    }
    if next.is_some_and(|n| SPEECH_VERBS.contains(&n)) {
        v.person += 1;
    }
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
    mentions: Vec<Range<usize>>,
    all_initial: bool,
}

/// Merges candidate mentions into entities.
fn merge(cands: Vec<Candidate>) -> Entities {
    let mut groups: Vec<Group> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for c in cands {
        let k = key(&c.tokens);
        let gi = *by_key.entry(k).or_insert_with(|| {
            groups.push(Group {
                all_initial: true,
                ..Group::default()
            });
            groups.len() - 1
        });
        let g = &mut groups[gi];
        *g.forms.entry(c.tokens).or_default() += 1;
        g.votes.person += c.votes.person;
        g.votes.org += c.votes.org;
        g.votes.place += c.votes.place;
        g.mentions.push(c.span);
        g.all_initial &= c.sentence_initial;
    }
    let target = link_surnames(&groups, &by_key);
    build(groups, target)
}

/// The most common form of a group, preferring longer forms on ties.
fn best_form(g: &Group) -> &Vec<String> {
    g.forms
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(a.0.len().cmp(&b.0.len())).then(b.0.cmp(a.0)))
        .map(|(f, _)| f)
        .expect("a group has at least one form")
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
        let n = g.mentions.len();
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
            dst.all_initial = false;
            for (f, n) in g.forms {
                *dst.forms.entry(f).or_default() += n;
            }
        }
    }
    let mut ents = Entities::default();
    for g in groups.into_iter().filter(|g| !g.mentions.is_empty()) {
        let kind = kind_of(g.votes);
        if g.all_initial && kind == EntityKind::Other {
            continue; // A capitalised sentence opener, not a name.
        }
        add_entity(&mut ents, g, kind);
    }
    ents.mentions.sort_by_key(|m| m.span.start);
    ents
}

fn add_entity(ents: &mut Entities, g: Group, kind: EntityKind) {
    let idx = ents.list.len();
    let longest = g.forms.keys().map(Vec::len).max().unwrap_or(1);
    let name_form = g
        .forms
        .iter()
        .filter(|(f, _)| f.len() == longest || kind != EntityKind::Person)
        .max_by(|a, b| a.1.cmp(b.1).then(a.0.len().cmp(&b.0.len())).then(b.0.cmp(a.0)))
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
        mentions: g.mentions.len() as u32,
    });
    ents.mentions
        .extend(g.mentions.into_iter().map(|span| Mention { span, entity: idx }));
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
        extract(text, &split(text))
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
    }

    #[test]
    fn dotted_acronyms_keep_their_dots() {
        let e = ents("Officials in the U.S. and the U.K. said so. The U.S. agreed.");
        assert_eq!(find(&e, "U.S.").map(|x| x.mentions), Some(2));
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
