//! The index through its public API: ranking, sorting, filters, snippets,
//! hostile queries and persistence. Behaviour common to both backends is
//! checked on each: tantivy always, PostgreSQL when `NEWSDESK_TEST_POSTGRES`
//! names a server (otherwise those runs are skipped, with a line saying so).

use chrono::{DateTime, Duration, TimeZone, Utc};
use newsdesk_domain::ArticleId;
use newsdesk_postgres::testing::TestDatabase;
use newsdesk_search::{PgSearch, Search, SearchDoc, SearchIndex, SearchQuery, Sort};

fn day(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap() + Duration::days(n)
}

fn doc(id: i64, title: &str, text: &str, source: &str, published: DateTime<Utc>) -> SearchDoc {
    SearchDoc {
        id: ArticleId(id),
        title: title.into(),
        text: text.into(),
        source_name: source.into(),
        source_slug: source.to_lowercase().replace(' ', "-"),
        entities: Vec::new(),
        published,
        url: format!("https://example.org/{id}"),
        lang: Some("en".into()),
    }
}

/// One implementation under test.
struct Backend {
    name: &'static str,
    index: Box<dyn Search>,
    /// Declared after the index so that it is dropped after it.
    _db: Option<TestDatabase>,
}

/// An empty index of each backend available.
fn backends(test: &str) -> Vec<Backend> {
    let mut out = vec![Backend {
        name: "tantivy",
        index: Box::new(SearchIndex::open_in_ram().unwrap()),
        _db: None,
    }];
    if let Some(db) = TestDatabase::create(test) {
        out.push(Backend {
            name: "postgres",
            index: Box::new(PgSearch::connect(db.url(), 2).unwrap()),
            _db: Some(db),
        });
    }
    out
}

/// Each backend with `docs` indexed and committed.
fn indexed(test: &str, docs: &[SearchDoc]) -> Vec<Backend> {
    let backends = backends(test);
    for b in &backends {
        for d in docs {
            b.index.index_article(d).unwrap();
        }
        b.index.commit().unwrap();
    }
    backends
}

fn index_of(docs: &[SearchDoc]) -> SearchIndex {
    let index = SearchIndex::open_in_ram().unwrap();
    for d in docs {
        index.index_article(d).unwrap();
    }
    index.commit().unwrap();
    index
}

fn ids(index: &dyn Search, q: &SearchQuery) -> Vec<i64> {
    index.search(q).unwrap().hits.iter().map(|h| h.id.0).collect()
}

/// `docs` as `rebuild` takes them.
fn feed(docs: Vec<Result<SearchDoc, &'static str>>) -> impl Iterator<Item = Result<SearchDoc, String>> {
    docs.into_iter().map(|d| d.map_err(String::from))
}

/// A small corpus: three articles about a harbour strike, two others.
fn corpus() -> Vec<SearchDoc> {
    vec![
        doc(
            1,
            "Weather turns cold in the north",
            "Snow is expected. Dock workers said the harbour strike may end soon.",
            "Kestrel Daily",
            day(1),
        ),
        doc(
            2,
            "Harbour strike enters its third week",
            "Dock workers at the port walked out over pay.",
            "Tern Times",
            day(2),
        ),
        doc(
            3,
            "Budget vote delayed",
            "Parliament postponed the budget vote until spring.",
            "Kestrel Daily",
            day(3),
        ),
        doc(
            4,
            "Ministers meet harbour unions",
            "Talks on the strike continue as ships wait offshore.",
            "Heron Post",
            day(4),
        ),
        doc(
            5,
            "Football final tonight",
            "The two clubs meet in the capital.",
            "Tern Times",
            day(5),
        ),
    ]
}

#[test]
fn a_title_match_outranks_a_body_only_match() {
    for b in indexed("a_title_match_outranks_a_body_only_match", &corpus()) {
        let hits = ids(&*b.index, &SearchQuery::text("harbour strike"));
        assert_eq!(hits.len(), 3, "{}: {hits:?}", b.name);
        assert_eq!(hits[0], 2, "{}: both words in the title come first: {hits:?}", b.name);
        assert_eq!(
            *hits.last().unwrap(),
            1,
            "{}: a body-only match comes last: {hits:?}",
            b.name
        );
    }
}

#[test]
fn words_are_all_required_and_stemmed() {
    for b in indexed("words_are_all_required_and_stemmed", &corpus()) {
        let index = &*b.index;
        assert_eq!(ids(index, &SearchQuery::text("budget spring")), vec![3], "{}", b.name);
        assert!(
            ids(index, &SearchQuery::text("budget football")).is_empty(),
            "{}",
            b.name
        );
        // "votes" and "vote" share a stem.
        assert_eq!(ids(index, &SearchQuery::text("votes")), vec![3], "{}", b.name);
        assert_eq!(ids(index, &SearchQuery::text("HARBOUR")).len(), 3, "{}", b.name);
    }
}

#[test]
fn newest_sort_orders_by_publication_time() {
    for b in indexed("newest_sort_orders_by_publication_time", &corpus()) {
        let q = SearchQuery {
            sort: Sort::Newest,
            ..SearchQuery::text("harbour")
        };
        assert_eq!(ids(&*b.index, &q), vec![4, 2, 1], "{}", b.name);
        // No text at all lists everything, newest first.
        assert_eq!(
            ids(&*b.index, &SearchQuery::default()),
            vec![5, 4, 3, 2, 1],
            "{}",
            b.name
        );
    }
}

#[test]
fn hit_ids_are_the_hits_in_order() {
    for b in indexed("hit_ids_are_the_hits_in_order", &corpus()) {
        for q in [
            SearchQuery::text("harbour"),
            SearchQuery {
                sort: Sort::Newest,
                ..SearchQuery::text("harbour strike")
            },
            SearchQuery::default(),
            SearchQuery::text("nothing matches this"),
            SearchQuery::text("\"unclosed AND ("),
        ] {
            let hit_ids: Vec<i64> = b.index.hit_ids(&q).unwrap().iter().map(|id| id.0).collect();
            assert_eq!(hit_ids, ids(&*b.index, &q), "{} {:?}", b.name, q.text);
        }
    }
}

#[test]
fn filters_narrow_by_source_date_and_entity() {
    let mut docs = corpus();
    docs[1].entities = vec!["Port Authority".into(), "Dock Workers Union".into()];
    docs[3].entities = vec!["Dock Workers Union".into()];
    for b in indexed("filters_narrow_by_source_date_and_entity", &docs) {
        let (index, name) = (&*b.index, b.name);
        let harbour = SearchQuery::text("harbour");

        let q = SearchQuery {
            source: Some("kestrel-daily".into()),
            ..harbour.clone()
        };
        assert_eq!(ids(index, &q), vec![1], "{name}");

        let q = SearchQuery {
            from: Some(day(2)),
            to: Some(day(4)),
            sort: Sort::Newest,
            ..harbour.clone()
        };
        assert_eq!(ids(index, &q), vec![2], "{name}: from is inclusive, to exclusive");

        let q = SearchQuery {
            entity: Some("dock workers UNION".into()),
            sort: Sort::Newest,
            ..harbour.clone()
        };
        assert_eq!(ids(index, &q), vec![4, 2], "{name}");
        let q = SearchQuery {
            entity: Some("Dock".into()),
            ..harbour.clone()
        };
        assert!(
            ids(index, &q).is_empty(),
            "{name}: the entity filter matches whole names only"
        );

        // Filters alone, with no text, list newest first.
        let q = SearchQuery {
            entity: Some("Port Authority".into()),
            source: Some("tern-times".into()),
            ..SearchQuery::default()
        };
        assert_eq!(ids(index, &q), vec![2], "{name}");

        // Entity names are searchable as text too.
        assert_eq!(ids(index, &SearchQuery::text("authority")), vec![2], "{name}");
    }
}

#[test]
fn filters_do_not_change_the_ranking() {
    for b in indexed("filters_do_not_change_the_ranking", &corpus()) {
        let all = ids(&*b.index, &SearchQuery::text("strike"));
        let q = SearchQuery {
            from: Some(day(0)),
            ..SearchQuery::text("strike")
        };
        assert_eq!(ids(&*b.index, &q), all, "{}", b.name);
    }
}

#[test]
fn total_counts_every_match_and_paging_works() {
    let docs: Vec<_> = (1..=30)
        .map(|i| doc(i, &format!("Report {i}"), "rain again", "Tern Times", day(i)))
        .collect();
    for b in indexed("total_counts_every_match_and_paging_works", &docs) {
        let (index, name) = (&*b.index, b.name);
        let q = SearchQuery {
            sort: Sort::Newest,
            limit: 10,
            offset: 10,
            ..SearchQuery::text("rain")
        };
        let res = index.search(&q).unwrap();
        assert_eq!(res.total, 30, "{name}");
        assert_eq!(
            res.hits.iter().map(|h| h.id.0).collect::<Vec<_>>(),
            (11..=20).rev().collect::<Vec<_>>(),
            "{name}"
        );
        let far = SearchQuery {
            offset: usize::MAX,
            limit: usize::MAX,
            ..q.clone()
        };
        let res = index.search(&far).unwrap();
        assert!(res.hits.is_empty(), "{name}");
        assert_eq!(res.total, 30, "{name}: a page past the end still counts them");
        let zero = SearchQuery {
            limit: 0,
            offset: 0,
            ..q
        };
        assert_eq!(
            index.search(&zero).unwrap().hits.len(),
            1,
            "{name}: limit is at least one"
        );
    }
}

#[test]
fn hits_carry_the_stored_fields() {
    for b in indexed("hits_carry_the_stored_fields", &corpus()) {
        let hit = b.index.search(&SearchQuery::text("football")).unwrap().hits.remove(0);
        assert_eq!(hit.id, ArticleId(5), "{}", b.name);
        assert_eq!(hit.title, "Football final tonight");
        assert_eq!(hit.source_name, "Tern Times");
        assert_eq!(hit.source_slug, "tern-times");
        assert_eq!(hit.url, "https://example.org/5");
        assert_eq!(hit.published, day(5));
    }
}

#[test]
fn snippet_highlights_the_query_terms_and_escapes_html() {
    let text =
        "Officials said <b>nothing</b> & \"more\". Later the harbour strikes were <script>alert(1)</script> settled.";
    for b in indexed(
        "snippet_highlights_the_query_terms_and_escapes_html",
        &[doc(1, "Talks", text, "Tern Times", day(1))],
    ) {
        let name = b.name;
        let hit = b
            .index
            .search(&SearchQuery::text("harbour strike"))
            .unwrap()
            .hits
            .remove(0);
        let marked: Vec<&str> = hit
            .snippet
            .highlights
            .iter()
            .map(|r| &hit.snippet.text[r.clone()])
            .collect();
        assert_eq!(marked, vec!["harbour", "strikes"], "{name}");
        assert!(
            hit.snippet.text.contains("<script>") && hit.snippet.text.contains("<b>"),
            "{name}: the text is kept as it is: {:?}",
            hit.snippet
        );

        let html = hit.snippet.to_html();
        assert!(
            html.contains("<mark>harbour</mark> <mark>strikes</mark>"),
            "{name}: {html}"
        );
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{name}: {html}");
        let unmarked = html.replace("<mark>", "").replace("</mark>", "");
        assert!(
            !unmarked.contains(['<', '>', '"', '\'']),
            "{name}: only the marks are markup: {html}"
        );
        let unescaped = unmarked
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        assert_eq!(unescaped, hit.snippet.text, "{name}: escaping loses nothing");
    }
}

#[test]
fn text_that_looks_like_markup_is_searchable_text() {
    let text = "Margins held if costs<revenue and profits>zero, said <analysts> at the <!-- desk -->.";
    for b in indexed(
        "text_that_looks_like_markup_is_searchable_text",
        &[doc(1, "Results", text, "Tern Times", day(1))],
    ) {
        for q in ["revenue profits", "analysts", "desk"] {
            assert_eq!(ids(&*b.index, &SearchQuery::text(q)), vec![1], "{}: {q}", b.name);
        }
        let hit = b.index.search(&SearchQuery::text("analysts")).unwrap().hits.remove(0);
        assert!(
            hit.snippet.text.contains("said <analysts> at"),
            "{}: {:?}",
            b.name,
            hit.snippet
        );
    }
}

#[test]
fn title_only_match_shows_the_opening_of_the_text() {
    for b in indexed("title_only_match_shows_the_opening_of_the_text", &corpus()) {
        let hit = b.index.search(&SearchQuery::text("weather")).unwrap().hits.remove(0);
        assert!(
            hit.snippet.text.starts_with("Snow is expected."),
            "{}: {:?}",
            b.name,
            hit.snippet
        );
        assert!(hit.snippet.highlights.is_empty(), "{}", b.name);
    }
}

#[test]
fn hostile_queries_never_fail() {
    let long = "harbour ".repeat(1300);
    let hostile = [
        "",
        " ",
        "\"",
        "\"unbalanced",
        "AND",
        "AND OR",
        "OR",
        "or",
        "NOT",
        "-",
        "--",
        "-harbour",
        "harbour -strike",
        "harbour or budget",
        "*",
        "title:",
        "title:\"",
        ":",
        "(",
        ")",
        "((",
        "[",
        "]",
        "{",
        "}",
        "^",
        "~",
        "+",
        "\\",
        "'",
        "''",
        "'; DROP TABLE search_docs; --",
        "$1",
        "$$",
        "E'\\x00'",
        "%",
        "_",
        "&",
        "|",
        "!",
        "<->",
        "harbour <-> strike",
        "harbour:*",
        "harbour & !strike",
        "a:b:c",
        "url:x",
        "id:abc",
        "published:[x TO y]",
        "published:>",
        "title:*",
        "🦀",
        "🦀 harbour 🦀",
        "выборы",
        "選挙",
        "\u{0}",
        "harbour\u{0}strike",
        "\u{1}\u{2}",
        "\u{202e}harbour",
        "\u{feff}",
        "harbour^1000000",
        "\"harbour strike\"~",
        "the",
        "the of and",
        &long,
    ];
    for b in indexed("hostile_queries_never_fail", &corpus()) {
        for q in hostile {
            for sort in [Sort::Relevance, Sort::Newest] {
                let query = SearchQuery {
                    sort,
                    ..SearchQuery::text(q)
                };
                if let Err(e) = b.index.search(&query) {
                    panic!("{}: {:?} failed: {e}", b.name, &q[..q.len().min(40)]);
                }
            }
        }
        let index = &*b.index;
        let filters = [
            SearchQuery {
                source: Some("\u{0}'; --".into()),
                entity: Some("\u{0}".into()),
                ..SearchQuery::text("harbour")
            },
            SearchQuery {
                from: Some(DateTime::<Utc>::MIN_UTC),
                to: Some(DateTime::<Utc>::MAX_UTC),
                ..SearchQuery::default()
            },
        ];
        for q in filters {
            if let Err(e) = index.search(&q) {
                panic!("{}: {q:?} failed: {e}", b.name);
            }
        }
        assert_eq!(
            ids(index, &SearchQuery::text("\"harbour")).len(),
            3,
            "{}: a stray quote is ignored",
            b.name
        );
        assert_eq!(
            ids(index, &SearchQuery::text(&long)).len(),
            3,
            "{}: an overlong query still searches",
            b.name
        );
        assert_eq!(
            ids(index, &SearchQuery::text("harbour -strike")),
            Vec::<i64>::new(),
            "{}",
            b.name
        );
        // Exclusions alone find the rest in tantivy; PostgreSQL finds
        // nothing rather than scan every row.
        let expected = if b.name == "tantivy" { vec![3, 5] } else { vec![] };
        assert_eq!(ids(index, &SearchQuery::text("-harbour")), expected, "{}", b.name);
        assert_eq!(index.num_docs().unwrap(), 5, "{}: still all there", b.name);
    }
}

#[test]
fn other_scripts_are_searchable() {
    let mut docs = vec![
        doc(
            1,
            "Выборы в парламент",
            "Голосование прошло спокойно.",
            "Tern Times",
            day(1),
        ),
        doc(
            2,
            "Élections à Genève",
            "Le scrutin s'est déroulé à Zürich aussi.",
            "Heron Post",
            day(2),
        ),
        doc(
            3,
            "Εκλογές στην Αθήνα",
            "Η ψηφοφορία ολοκληρώθηκε.",
            "Heron Post",
            day(3),
        ),
    ];
    // Unknown languages: PostgreSQL's `simple` configuration, no stemming.
    for d in &mut docs {
        d.lang = None;
    }
    for b in indexed("other_scripts_are_searchable", &docs) {
        let (index, name) = (&*b.index, b.name);
        assert_eq!(ids(index, &SearchQuery::text("выборы")), vec![1], "{name}");
        assert_eq!(ids(index, &SearchQuery::text("голосование")), vec![1], "{name}");
        assert!(
            ids(index, &SearchQuery::text("выбор")).is_empty(),
            "{name}: no English stemming of Cyrillic"
        );
        assert_eq!(ids(index, &SearchQuery::text("αθήνα")), vec![3], "{name}");
        assert_eq!(ids(index, &SearchQuery::text("élections genève")), vec![2], "{name}");
        let hit = index.search(&SearchQuery::text("голосование")).unwrap().hits.remove(0);
        assert!(
            hit.snippet
                .to_html()
                .starts_with("<mark>Голосование</mark> прошло спокойно"),
            "{name}: {:?}",
            hit.snippet
        );
    }
    // Accents fold in tantivy only.
    let index = index_of(&docs);
    assert_eq!(ids(&index, &SearchQuery::text("elections geneve")), vec![2]);
    assert_eq!(ids(&index, &SearchQuery::text("zurich")), vec![2]);
}

#[test]
fn postgres_stems_by_the_article_language() {
    let Some(db) = TestDatabase::create("postgres_stems_by_the_article_language") else {
        return;
    };
    let index = PgSearch::connect(db.url(), 2).unwrap();
    let mut docs = vec![
        doc(
            1,
            "Die Wahlen in Bayern",
            "Die Bürger gingen zu den Wahlen des Parlaments.",
            "Heron Post",
            day(1),
        ),
        doc(2, "Neue Häuser", "Die Stadt baut Häuser.", "Heron Post", day(2)),
        doc(
            3,
            "Les élections régionales",
            "Les électeurs ont voté.",
            "Tern Times",
            day(3),
        ),
        doc(4, "Wahl", "Ein Name ohne Sprache.", "Tern Times", day(4)),
    ];
    docs[0].lang = Some("de".into());
    docs[1].lang = Some("de-AT".into());
    docs[2].lang = Some("fra".into());
    docs[3].lang = Some("xx".into());
    for d in &docs {
        index.index_article(d).unwrap();
    }
    index.commit().unwrap();
    // "Wahl" and "Wahlen" share a German stem; the `simple` document (an
    // unknown language) has only the exact word.
    let mut wahl = ids(&index, &SearchQuery::text("Wahl"));
    wahl.sort();
    assert_eq!(wahl, vec![1, 4]);
    assert_eq!(ids(&index, &SearchQuery::text("wahlen")), vec![1]);
    assert_eq!(ids(&index, &SearchQuery::text("Haus")), vec![2], "de-AT is German");
    assert_eq!(ids(&index, &SearchQuery::text("élection")), vec![3], "fra is French");
    // German stop words are not required to match.
    assert_eq!(ids(&index, &SearchQuery::text("die Wahlen")), vec![1]);
    let hits = index.search(&SearchQuery::text("wahl")).unwrap().hits;
    let hit = hits.iter().find(|h| h.id == ArticleId(1)).unwrap();
    let marked: Vec<&str> = hit
        .snippet
        .highlights
        .iter()
        .map(|r| &hit.snippet.text[r.clone()])
        .collect();
    assert_eq!(marked, ["Wahlen"], "the snippet marks the inflected form");
}

#[test]
fn upsert_replaces_instead_of_duplicating() {
    for b in indexed("upsert_replaces_instead_of_duplicating", &corpus()) {
        let index = &*b.index;
        let mut changed = corpus()[2].clone();
        changed.title = "Budget vote passes".into();
        index.index_article(&changed).unwrap();
        index.index_article(&changed).unwrap();
        index.commit().unwrap();
        assert_eq!(index.num_docs().unwrap(), 5, "{}", b.name);
        let res = index.search(&SearchQuery::text("budget")).unwrap();
        assert_eq!(res.total, 1, "{}", b.name);
        assert_eq!(res.hits[0].title, "Budget vote passes", "{}", b.name);
    }
}

#[test]
fn nothing_is_searchable_before_commit() {
    for b in backends("nothing_is_searchable_before_commit") {
        let index = &*b.index;
        index.index_article(&corpus()[0]).unwrap();
        assert_eq!(
            index.search(&SearchQuery::text("weather")).unwrap().total,
            0,
            "{}",
            b.name
        );
        assert_eq!(index.num_docs().unwrap(), 0, "{}", b.name);
        index.commit().unwrap();
        assert_eq!(
            index.search(&SearchQuery::text("weather")).unwrap().total,
            1,
            "{}",
            b.name
        );
    }
}

#[test]
fn missing_and_num_docs_go_by_the_last_commit() {
    for b in indexed("missing_and_num_docs_go_by_the_last_commit", &corpus()) {
        let index = &*b.index;
        assert_eq!(index.num_docs().unwrap(), 5, "{}", b.name);
        index
            .index_article(&doc(8, "Uncommitted", "", "Tern Times", day(8)))
            .unwrap();
        let asked = [ArticleId(9), ArticleId(1), ArticleId(8), ArticleId(3), ArticleId(7)];
        assert_eq!(
            index.missing(&asked).unwrap(),
            vec![ArticleId(9), ArticleId(8), ArticleId(7)],
            "{}: in the order asked",
            b.name
        );
        assert_eq!(index.missing(&[]).unwrap(), vec![], "{}", b.name);
        index.commit().unwrap();
        assert_eq!(index.num_docs().unwrap(), 6, "{}", b.name);
        assert_eq!(
            index.missing(&asked).unwrap(),
            vec![ArticleId(9), ArticleId(7)],
            "{}",
            b.name
        );
    }
}

#[test]
fn reopening_keeps_committed_articles() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    {
        let index = SearchIndex::open(&path).unwrap();
        for d in corpus() {
            index.index_article(&d).unwrap();
        }
        index.commit().unwrap();
        index
            .index_article(&doc(9, "Uncommitted harbour", "", "Tern Times", day(9)))
            .unwrap();
    }
    let index = SearchIndex::open(&path).unwrap();
    assert_eq!(
        index.num_docs(),
        5,
        "committed articles stay, the uncommitted one is gone"
    );
    assert_eq!(ids(&index, &SearchQuery::text("harbour strike"))[0], 2);
}

#[test]
fn postgres_is_shared_between_connections() {
    let Some(db) = TestDatabase::create("postgres_is_shared_between_connections") else {
        return;
    };
    let writer = PgSearch::connect(db.url(), 1).unwrap();
    let reader = PgSearch::connect(db.url(), 1).unwrap();
    for d in corpus() {
        writer.index_article(&d).unwrap();
    }
    writer.commit().unwrap();
    assert_eq!(ids(&reader, &SearchQuery::text("harbour strike"))[0], 2);
    drop(writer);
    assert_eq!(reader.num_docs().unwrap(), 5);
}

#[test]
fn a_second_writer_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let _first = SearchIndex::open(dir.path()).unwrap();
    let err = SearchIndex::open(dir.path()).unwrap_err();
    assert!(err.to_string().contains("in use by another newsdesk process"), "{err}");
}

#[test]
fn rebuild_replaces_everything_or_nothing() {
    for b in indexed("rebuild_replaces_everything_or_nothing", &corpus()) {
        let (index, name) = (&*b.index, b.name);
        let fresh = vec![Ok(doc(7, "Harbour reopens", "Ships sail again.", "Tern Times", day(7)))];
        let n = index.rebuild(&mut feed(fresh)).unwrap();
        assert_eq!(n, 1, "{name}");
        assert_eq!(index.num_docs().unwrap(), 1, "{name}");
        assert_eq!(ids(index, &SearchQuery::text("harbour")), vec![7], "{name}");

        let failing = vec![Ok(corpus()[0].clone()), Err("database went away")];
        let err = index.rebuild(&mut feed(failing)).unwrap_err();
        assert!(err.to_string().contains("database went away"), "{name}: {err}");
        assert_eq!(
            ids(index, &SearchQuery::text("harbour")),
            vec![7],
            "{name}: the old index stands"
        );
        // The writer still works after the failed rebuild.
        index.index_article(&corpus()[4]).unwrap();
        index.commit().unwrap();
        assert_eq!(index.num_docs().unwrap(), 2, "{name}");
    }
}

#[test]
fn postgres_rebuild_writes_in_batches_and_survives_a_panicking_source() {
    let Some(db) = TestDatabase::create("postgres_rebuild_writes_in_batches_and_survives_a_panicking_source") else {
        return;
    };
    let index = std::sync::Arc::new(PgSearch::connect(db.url(), 2).unwrap());
    // From a blocking task of a runtime, as `catch_up` calls it.
    let rebuilt = {
        let index = index.clone();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(runtime.spawn_blocking(move || {
            let mut many =
                (1..=1234).map(|i| Ok(doc(i, &format!("Report {i}"), "rain again", "Tern Times", day(i % 50))));
            index.rebuild(&mut many)
        }))
    };
    assert_eq!(rebuilt.unwrap().unwrap(), 1234);
    assert_eq!(index.num_docs().unwrap(), 1234);
    assert_eq!(index.search(&SearchQuery::text("rain")).unwrap().total, 1234);

    let mut panicking = (1..=700).map(|i| {
        assert!(i < 600, "the store broke");
        Ok(doc(i, "Sunshine", "", "Tern Times", day(1)))
    });
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| index.rebuild(&mut panicking)));
    assert!(outcome.is_err(), "the panic reaches the caller");
    assert_eq!(index.num_docs().unwrap(), 1234, "and the old index stands");
    assert_eq!(index.search(&SearchQuery::text("sunshine")).unwrap().total, 0);
}
