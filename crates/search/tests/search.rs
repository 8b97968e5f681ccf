//! The index through its public API: ranking, sorting, filters, snippets,
//! hostile queries and persistence.

use std::convert::Infallible;

use chrono::{DateTime, Duration, TimeZone, Utc};
use newsdesk_domain::ArticleId;
use newsdesk_search::{SearchDoc, SearchIndex, SearchQuery, Sort};

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
    }
}

fn index_of(docs: &[SearchDoc]) -> SearchIndex {
    let index = SearchIndex::open_in_ram().unwrap();
    for d in docs {
        index.index_article(d).unwrap();
    }
    index.commit().unwrap();
    index
}

fn ids(index: &SearchIndex, q: &SearchQuery) -> Vec<i64> {
    index.search(q).unwrap().hits.iter().map(|h| h.id.0).collect()
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
    let index = index_of(&corpus());
    let hits = ids(&index, &SearchQuery::text("harbour strike"));
    assert_eq!(hits.len(), 3, "{hits:?}");
    assert_eq!(hits[0], 2, "both words in the title come first: {hits:?}");
    assert_eq!(*hits.last().unwrap(), 1, "a body-only match comes last: {hits:?}");
}

#[test]
fn words_are_all_required_and_stemmed() {
    let index = index_of(&corpus());
    assert_eq!(ids(&index, &SearchQuery::text("budget spring")), vec![3]);
    assert!(ids(&index, &SearchQuery::text("budget football")).is_empty());
    // "votes" and "vote" share a stem.
    assert_eq!(ids(&index, &SearchQuery::text("votes")), vec![3]);
    assert_eq!(ids(&index, &SearchQuery::text("HARBOUR")).len(), 3);
}

#[test]
fn newest_sort_orders_by_publication_time() {
    let index = index_of(&corpus());
    let q = SearchQuery {
        sort: Sort::Newest,
        ..SearchQuery::text("harbour")
    };
    assert_eq!(ids(&index, &q), vec![4, 2, 1]);
    // No text at all lists everything, newest first.
    assert_eq!(ids(&index, &SearchQuery::default()), vec![5, 4, 3, 2, 1]);
}

#[test]
fn filters_narrow_by_source_date_and_entity() {
    let mut docs = corpus();
    docs[1].entities = vec!["Port Authority".into(), "Dock Workers Union".into()];
    docs[3].entities = vec!["Dock Workers Union".into()];
    let index = index_of(&docs);
    let harbour = SearchQuery::text("harbour");

    let q = SearchQuery {
        source: Some("kestrel-daily".into()),
        ..harbour.clone()
    };
    assert_eq!(ids(&index, &q), vec![1]);

    let q = SearchQuery {
        from: Some(day(2)),
        to: Some(day(4)),
        sort: Sort::Newest,
        ..harbour.clone()
    };
    assert_eq!(ids(&index, &q), vec![2], "from is inclusive, to exclusive");

    let q = SearchQuery {
        entity: Some("dock workers UNION".into()),
        sort: Sort::Newest,
        ..harbour.clone()
    };
    assert_eq!(ids(&index, &q), vec![4, 2]);
    let q = SearchQuery {
        entity: Some("Dock".into()),
        ..harbour
    };
    assert!(ids(&index, &q).is_empty(), "the entity filter matches whole names only");

    // Entity names are searchable as text too.
    assert_eq!(ids(&index, &SearchQuery::text("authority")), vec![2]);
}

#[test]
fn filters_do_not_change_the_ranking() {
    let index = index_of(&corpus());
    let all = ids(&index, &SearchQuery::text("strike"));
    let q = SearchQuery {
        from: Some(day(0)),
        ..SearchQuery::text("strike")
    };
    assert_eq!(ids(&index, &q), all);
}

#[test]
fn total_counts_every_match_and_paging_works() {
    let docs: Vec<_> = (1..=30)
        .map(|i| doc(i, &format!("Report {i}"), "rain again", "Tern Times", day(i)))
        .collect();
    let index = index_of(&docs);
    let q = SearchQuery {
        sort: Sort::Newest,
        limit: 10,
        offset: 10,
        ..SearchQuery::text("rain")
    };
    let res = index.search(&q).unwrap();
    assert_eq!(res.total, 30);
    assert_eq!(
        res.hits.iter().map(|h| h.id.0).collect::<Vec<_>>(),
        (11..=20).rev().collect::<Vec<_>>()
    );
    let far = SearchQuery {
        offset: usize::MAX,
        limit: usize::MAX,
        ..q.clone()
    };
    assert!(index.search(&far).unwrap().hits.is_empty());
    let zero = SearchQuery {
        limit: 0,
        offset: 0,
        ..q
    };
    assert_eq!(index.search(&zero).unwrap().hits.len(), 1, "limit is at least one");
}

#[test]
fn hits_carry_the_stored_fields() {
    let index = index_of(&corpus());
    let hit = index.search(&SearchQuery::text("football")).unwrap().hits.remove(0);
    assert_eq!(hit.id, ArticleId(5));
    assert_eq!(hit.title, "Football final tonight");
    assert_eq!(hit.source_name, "Tern Times");
    assert_eq!(hit.source_slug, "tern-times");
    assert_eq!(hit.url, "https://example.org/5");
    assert_eq!(hit.published, day(5));
}

#[test]
fn snippet_highlights_the_query_terms_and_escapes_html() {
    let text =
        "Officials said <b>nothing</b> & \"more\". Later the harbour strikes were <script>alert(1)</script> settled.";
    let index = index_of(&[doc(1, "Talks", text, "Tern Times", day(1))]);
    let hit = index
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
    assert_eq!(marked, vec!["harbour", "strikes"]);
    assert!(
        hit.snippet.text.contains("<script>") && hit.snippet.text.contains("<b>"),
        "{:?}",
        hit.snippet
    );

    let html = hit.snippet.to_html();
    assert!(html.contains("<mark>harbour</mark> <mark>strikes</mark>"), "{html}");
    let unmarked = html.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !unmarked.contains(['<', '>', '"', '\'']),
        "only the marks are markup: {html}"
    );
    let unescaped = unmarked
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    assert_eq!(unescaped, hit.snippet.text, "escaping loses nothing");
}

#[test]
fn title_only_match_shows_the_opening_of_the_text() {
    let index = index_of(&corpus());
    let hit = index.search(&SearchQuery::text("weather")).unwrap().hits.remove(0);
    assert!(hit.snippet.text.starts_with("Snow is expected."), "{:?}", hit.snippet);
    assert!(hit.snippet.highlights.is_empty());
}

#[test]
fn hostile_queries_never_fail() {
    let index = index_of(&corpus());
    let long = "harbour ".repeat(1300);
    let hostile = [
        "\"",
        "\"unbalanced",
        "AND",
        "AND OR",
        "OR",
        "NOT",
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
        "-",
        "+",
        "\\",
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
        "\u{202e}harbour",
        "harbour^1000000",
        "\"harbour strike\"~",
        &long,
    ];
    for q in hostile {
        for sort in [Sort::Relevance, Sort::Newest] {
            let query = SearchQuery {
                sort,
                ..SearchQuery::text(q)
            };
            if let Err(e) = index.search(&query) {
                panic!("{:?} failed: {e}", &q[..q.len().min(40)]);
            }
        }
    }
    assert_eq!(
        ids(&index, &SearchQuery::text("\"harbour")).len(),
        3,
        "a stray quote is ignored"
    );
    assert_eq!(
        ids(&index, &SearchQuery::text(&long)).len(),
        3,
        "an overlong query still searches"
    );
}

#[test]
fn other_scripts_are_searchable() {
    let index = index_of(&[
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
    ]);
    assert_eq!(ids(&index, &SearchQuery::text("выборы")), vec![1]);
    assert_eq!(ids(&index, &SearchQuery::text("голосование")), vec![1]);
    assert!(
        ids(&index, &SearchQuery::text("выбор")).is_empty(),
        "no English stemming of Cyrillic"
    );
    assert_eq!(
        ids(&index, &SearchQuery::text("elections geneve")),
        vec![2],
        "accents fold"
    );
    assert_eq!(ids(&index, &SearchQuery::text("zurich")), vec![2]);
    assert_eq!(ids(&index, &SearchQuery::text("αθήνα")), vec![3]);
    let hit = index.search(&SearchQuery::text("голосование")).unwrap().hits.remove(0);
    assert_eq!(hit.snippet.to_html(), "<mark>Голосование</mark> прошло спокойно");
}

#[test]
fn upsert_replaces_instead_of_duplicating() {
    let index = index_of(&corpus());
    let mut changed = corpus()[2].clone();
    changed.title = "Budget vote passes".into();
    index.index_article(&changed).unwrap();
    index.index_article(&changed).unwrap();
    index.commit().unwrap();
    assert_eq!(index.num_docs(), 5);
    let res = index.search(&SearchQuery::text("budget")).unwrap();
    assert_eq!(res.total, 1);
    assert_eq!(res.hits[0].title, "Budget vote passes");
}

#[test]
fn nothing_is_searchable_before_commit() {
    let index = SearchIndex::open_in_ram().unwrap();
    index.index_article(&corpus()[0]).unwrap();
    assert_eq!(index.search(&SearchQuery::text("weather")).unwrap().total, 0);
    index.commit().unwrap();
    assert_eq!(index.search(&SearchQuery::text("weather")).unwrap().total, 1);
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
fn a_second_writer_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let _first = SearchIndex::open(dir.path()).unwrap();
    let err = SearchIndex::open(dir.path()).unwrap_err();
    assert!(err.to_string().contains("in use by another newsdesk process"), "{err}");
}

#[test]
fn rebuild_replaces_everything_or_nothing() {
    let index = index_of(&corpus());
    let fresh = vec![doc(7, "Harbour reopens", "Ships sail again.", "Tern Times", day(7))];
    let n = index.rebuild(fresh.into_iter().map(Ok::<_, Infallible>)).unwrap();
    assert_eq!(n, 1);
    assert_eq!(index.num_docs(), 1);
    assert_eq!(ids(&index, &SearchQuery::text("harbour")), vec![7]);

    let failing = vec![Ok(corpus()[0].clone()), Err("database went away")];
    let err = index.rebuild(failing).unwrap_err();
    assert!(err.to_string().contains("database went away"), "{err}");
    assert_eq!(
        ids(&index, &SearchQuery::text("harbour")),
        vec![7],
        "the old index stands"
    );
    // The writer still works after the failed rebuild.
    index.index_article(&corpus()[4]).unwrap();
    index.commit().unwrap();
    assert_eq!(index.num_docs(), 2);
}
