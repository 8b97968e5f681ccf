//! The seed page the product imitates (`../shared/reference/seed-page.txt`):
//! its people with full names, and every direct quote with its right speaker.
//! Skipped with a note when the shared reference files are absent.

use newsdesk_domain::EntityKind;

fn seed_article() -> Option<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/reference/seed-page.txt");
    let Ok(page) = std::fs::read_to_string(path) else {
        eprintln!("skipping: {path} not found");
        return None;
    };
    // The article proper ends where the page's related-articles rail begins.
    let end = page.find("With inputs from agencies").unwrap_or(page.len());
    Some(page[..end].to_string())
}

#[test]
fn seed_people_have_full_names() {
    let Some(text) = seed_article() else { return };
    let a = newsdesk_analyze::analyze(None, &text, 3);
    let people: Vec<&str> = a
        .entities
        .iter()
        .filter(|e| e.kind == EntityKind::Person)
        .map(|e| e.name.as_str())
        .collect();
    for name in [
        "Vladimir Putin",
        "Steve Witkoff",
        "Marco Rubio",
        "Volodymyr Zelenskyy",
        "Ursula von der Leyen",
        "Trump",
    ] {
        assert!(people.contains(&name), "{name} missing from {:?}", a.entities);
    }
    let witkoff = a.entities.iter().find(|e| e.name == "Steve Witkoff").unwrap();
    assert_eq!(witkoff.mentions, 8, "Witkoff and Steve Witkoff are one person");
    let places: Vec<&str> = a
        .entities
        .iter()
        .filter(|e| e.kind == EntityKind::Place)
        .map(|e| e.name.as_str())
        .collect();
    for place in ["Alaska", "Brussels", "Ukraine"] {
        assert!(places.contains(&place), "{place} missing from {places:?}");
    }
}

#[test]
fn seed_quotes_have_their_speakers() {
    let Some(text) = seed_article() else { return };
    let a = newsdesk_analyze::analyze(None, &text, 3);
    let expect = [
        ("We were able to win", "Steve Witkoff"),
        ("There was plenty more", "Steve Witkoff"),
        ("We welcome President Trump", "Ursula von der Leyen"),
        ("It is important that America", "Volodymyr Zelenskyy"),
        ("But there are no details", "Volodymyr Zelenskyy"),
        ("We covered almost all", "Steve Witkoff"),
        ("We began to see", "Steve Witkoff"),
        ("Now, ultimately", "Marco Rubio"),
        ("But we're trying", "Marco Rubio"),
        ("The minute you issue", "Marco Rubio"),
        ("we're not at the precipice", "Marco Rubio"),
        ("We made progress", "Marco Rubio"),
        ("I think everybody agreed", "Steve Witkoff"),
        ("The fundamental issue", "Steve Witkoff"),
        ("We intend to discuss", "Steve Witkoff"),
    ];
    // A quote its tag interrupts ("'…,' Rubio said on ABC's 'This Week.'
    // 'But we're trying…'") is one quote whose parts are joined by " … ".
    for (start, speaker) in expect {
        let q = a
            .quotes
            .iter()
            .find(|q| q.text.split(" … ").any(|part| part.starts_with(start)))
            .unwrap_or_else(|| panic!("no quote {start:?}"));
        assert_eq!(q.speaker.as_deref(), Some(speaker), "speaker of {start:?}");
        let chars: String = text.chars().skip(q.start).take(q.end - q.start).collect();
        let parts: Vec<&str> = q.text.split(" … ").collect();
        assert!(
            chars.starts_with(parts[0]) && chars.ends_with(parts[parts.len() - 1]),
            "{chars:?}"
        );
        assert!(parts.iter().all(|p| chars.contains(p)), "{chars:?}");
    }
    // Six or more quoted words woven into the writer's sentence are the
    // reporting verb's subject's words ("Witkoff also said Russia had agreed
    // to a law that it would not 'go after any other European countries…'");
    // a shorter woven phrase is not a quote.
    let woven = a.quotes.iter().find(|q| q.text.starts_with("go after"));
    assert_eq!(woven.and_then(|q| q.speaker.as_deref()), Some("Steve Witkoff"));
    for title in [
        "This Week",
        "Meet the Press",
        "Coalition of the willing",
        "game-changing",
    ] {
        assert!(
            !a.quotes.iter().any(|q| q.text.starts_with(title)),
            "{title} is not a quote"
        );
    }
    for q in &a.quotes {
        assert!(q.speaker.is_some(), "every seed quote has a speaker: {q:?}");
    }
}
