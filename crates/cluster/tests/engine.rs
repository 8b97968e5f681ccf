//! Behaviour of the clusterer on small hand-made streams.

use newsdesk_cluster::{Clusterer, Config, Item};

const HOUR: i64 = 3_600_000;
const NOW: i64 = 1_790_000_000_000;

fn item<'a>(key: u64, title: &'a str, source: &'a str, hours_ago: i64) -> Item<'a> {
    Item {
        key,
        title,
        source: Some(source),
        published_ms: Some(NOW - hours_ago * HOUR),
        ..Item::default()
    }
}

/// Background traffic so that idf knows which words are common.
fn warm_up(c: &mut Clusterer) {
    let filler = [
        "Government announces new budget plan for schools",
        "Police investigate robbery at city bank",
        "Weather service warns of heavy rain this week",
        "Football club signs new striker from rival team",
        "Stock markets fall as oil prices rise",
        "City council votes on new housing plan",
        "Health officials report rise in flu cases",
        "Court hears appeal in fraud case against former minister",
    ];
    for (i, t) in filler.iter().enumerate() {
        c.assign(&item(1000 + i as u64, t, "Filler", 30), NOW);
    }
}

#[test]
fn headlines_of_one_event_join_and_other_events_stay_apart() {
    let mut c = Clusterer::new(Config::default());
    warm_up(&mut c);
    let bridge = [
        "Halvard Bridge shut indefinitely after inspectors find corroded cable anchors",
        "Province closes Halvard Bridge as corrosion found in anchor housings",
        "Halvard Bridge closure leaves commuters facing long detours",
        "What the Halvard Bridge closure means for you",
    ];
    let strike = [
        "Calder transit workers walk out in pay dispute",
        "Transit strike halts buses and trams across Calder",
        "Calder commuters stranded as transit strike begins",
    ];
    let mut stories = Vec::new();
    for (i, t) in bridge.iter().chain(&strike).enumerate() {
        let a = c.assign(&item(i as u64, t, &format!("Outlet {i}"), 5 - i as i64 % 3), NOW);
        stories.push(a.story);
    }
    let final_story = |k: u64| c.story_of(k).unwrap();
    assert!((0..4).all(|k| final_story(k) == final_story(0)), "{stories:?}");
    assert!((4..7).all(|k| final_story(k) == final_story(4)), "{stories:?}");
    assert_ne!(final_story(0), final_story(4));
}

#[test]
fn a_story_is_named_by_its_founding_article() {
    let mut c = Clusterer::new(Config::default());
    let a = c.assign(&item(7, "Osk River bursts its banks in Marrow Vale", "A", 2), NOW);
    assert!(a.new_story);
    assert_eq!(a.story, 7);
    let b = c.assign(&item(9, "Marrow Vale flooded as Osk River bursts banks", "B", 1), NOW);
    assert_eq!((b.story, b.new_story), (7, false));
}

#[test]
fn stories_leave_the_window_and_memory_follows() {
    let config = Config {
        window_ms: 24 * HOUR,
        ..Config::default()
    };
    let mut c = Clusterer::new(config);
    let old = c.assign(&item(1, "Osk River bursts its banks in Marrow Vale", "A", 100), NOW);
    // Three days later the same words start a new story: the old one expired.
    let late = c.assign(&item(2, "Osk River bursts its banks in Marrow Vale", "B", 10), NOW);
    assert_ne!(old.story, late.story);
    assert_eq!(c.story_of(1), None, "expired articles are forgotten");
    // A week of traffic, an article every five minutes.
    for i in 0..2_000u64 {
        let title = format!("Unrelated event number {i} word{i} other{i}");
        let it = Item {
            published_ms: Some(NOW + i as i64 * HOUR / 12),
            ..item(10 + i, &title, "A", 0)
        };
        c.assign(&it, NOW + i as i64 * HOUR / 12);
    }
    let (stories, articles) = c.live();
    assert!(articles <= 24 * 12 + 1, "window should hold one day: {articles} live");
    assert!(stories <= articles);
}

#[test]
fn a_long_running_story_keeps_only_its_articles_inside_the_window() {
    let config = Config {
        window_ms: 24 * HOUR,
        ..Config::default()
    };
    let mut c = Clusterer::new(config);
    // One story fed an article an hour for a week: it never leaves the window.
    let titles = [
        "Osk River flood: Marrow Vale evacuated",
        "Marrow Vale flood waters rise on the Osk River",
        "Osk River flood reaches Marrow Vale town centre",
    ];
    let mut story = None;
    for i in 0..168u64 {
        let t = NOW + i as i64 * HOUR;
        let it = Item {
            key: i,
            title: titles[i as usize % titles.len()],
            source: Some("Gazette"),
            published_ms: Some(t),
            ..Item::default()
        };
        let a = c.assign(&it, t);
        assert_eq!(*story.get_or_insert(a.story), a.story, "article {i} left the story");
    }
    let (stories, articles) = c.live();
    assert_eq!(stories, 1);
    assert!(articles <= 25, "{articles} articles remembered for a one-day window");
    assert_eq!(c.story_of(0), None, "the first article left the window");
    assert_eq!(c.story_of(167), story);
}

#[test]
fn a_story_remembers_a_bounded_number_of_members() {
    let mut c = Clusterer::new(Config::default());
    for i in 0..200u64 {
        let it = item(i, "Osk River bursts its banks in Marrow Vale", "Gazette", 10);
        c.assign(&it, NOW);
    }
    let (stories, articles) = c.live();
    assert_eq!(stories, 1);
    assert!(articles < 200, "every member of one story is remembered");
    assert_eq!(c.story_of(199), Some(0));
}

#[test]
fn the_same_input_gives_the_same_stories() {
    let titles: Vec<String> = (0..300)
        .map(|i| {
            format!(
                "story{} team{} wins match{} against rival{}",
                i % 17,
                i % 5,
                i % 17,
                i % 3
            )
        })
        .collect();
    let run = || {
        let mut c = Clusterer::new(Config::default());
        titles
            .iter()
            .enumerate()
            .map(|(i, t)| c.assign(&item(i as u64, t, "S", 1), NOW).story)
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn bad_input_is_handled_sensibly() {
    let mut c = Clusterer::new(Config::default());
    // Empty and junk titles found singleton stories.
    let a = c.assign(&item(1, "", "A", 1), NOW);
    let b = c.assign(&item(2, "   !!! ", "A", 1), NOW);
    assert!(a.new_story && b.new_story && a.story != b.story);
    // A repeated key changes nothing and reports its story.
    c.assign(&item(3, "Osk River bursts its banks in Marrow Vale", "A", 1), NOW);
    let again = c.assign(&item(3, "Completely different words", "A", 1), NOW);
    assert!(again.duplicate);
    assert_eq!(again.story, 3);
    // A time far in the future counts as undated rather than dragging the window.
    let future = Item {
        published_ms: Some(NOW + 10_000 * HOUR),
        ..item(4, "Marrow Vale flood: Osk River bursts banks", "B", 0)
    };
    assert_eq!(c.assign(&future, NOW).story, 3);
    assert_eq!(c.story_of(1), Some(1), "a future time must not expire the window");
    // Out-of-order and extreme timestamps do not panic.
    for (k, t) in [(5, Some(i64::MIN)), (6, Some(i64::MAX)), (7, Some(0)), (8, None)] {
        let it = Item {
            published_ms: t,
            ..item(k, "Marrow Vale flood waters recede", "C", 0)
        };
        c.assign(&it, NOW);
    }
}

#[test]
fn other_languages_and_scripts_cluster_by_their_own_words() {
    let mut c = Clusterer::new(Config::default());
    warm_up(&mut c);
    let zh1 = c.assign(&item(1, "东京地铁发生火灾 数百人疏散", "A", 3), NOW);
    let ru = c.assign(&item(2, "В Москве открылась новая станция метро", "B", 3), NOW);
    let zh2 = c.assign(&item(3, "东京地铁火灾 乘客紧急疏散", "C", 2), NOW);
    let ru2 = c.assign(&item(4, "Новая станция метро открылась в Москве", "D", 2), NOW);
    assert_eq!(zh2.story, zh1.story);
    assert_eq!(ru2.story, ru.story);
    assert_ne!(zh1.story, ru.story);
}

const WIRE: &str = "Hackers encrypted patient records at St Brennan's Hospital overnight, forcing \
    staff to cancel planned operations and divert ambulances to neighbouring towns, the health \
    authority said on Tuesday. The attack was detected shortly after midnight when clinicians found \
    they could not open scans or prescriptions. Officials said there was no evidence so far that data \
    had been taken, but the police cyber unit had been called in and the hospital was running on paper \
    records while engineers restored systems from backups.";

fn copy<'a>(key: u64, title: &'a str, source: &'a str, byline: &'a str, hours_ago: i64) -> Item<'a> {
    Item {
        text: WIRE,
        byline: Some(byline),
        ..item(key, title, source, hours_ago)
    }
}

#[test]
fn wire_copies_are_syndicated_from_the_agency() {
    let mut c = Clusterer::new(Config::default());
    let first = c.assign(
        &copy(1, "Hospital hit by cyberattack", "Gazette", "Calder Press", 5),
        NOW,
    );
    assert!(
        first.syndicated.is_empty(),
        "one copy alone is not yet known to be syndicated"
    );
    // A rewritten headline still joins: the body is the same wire story.
    let second = c.assign(
        &copy(2, "Ransomware cripples St Brennan's", "Ledger", "Calder Press", 4),
        NOW,
    );
    assert_eq!(second.story, first.story);
    let mut marked: Vec<(u64, Option<String>)> = second.syndicated.iter().map(|s| (s.key, s.origin.clone())).collect();
    marked.sort();
    let agency = Some("Calder Press".to_string());
    assert_eq!(marked, vec![(1, agency.clone()), (2, agency)]);
}

#[test]
fn a_copy_of_a_publishers_own_story_names_that_publisher() {
    let mut c = Clusterer::new(Config::default());
    c.assign(
        &copy(1, "Hospital hit by cyberattack", "Gazette", "Mira Castell", 5),
        NOW,
    );
    let copied = c.assign(&copy(2, "Hospital hit by cyberattack", "Ledger", "Staff", 4), NOW);
    assert_eq!(copied.syndicated.len(), 1);
    assert_eq!(copied.syndicated[0].key, 2);
    assert_eq!(copied.syndicated[0].origin.as_deref(), Some("Gazette"));
    // The same outlet re-publishing its own story is not syndication.
    let update = c.assign(
        &copy(3, "Hospital hit by cyberattack (updated)", "Gazette", "Mira Castell", 3),
        NOW,
    );
    assert!(update.syndicated.is_empty());
}

/// Each key's story as the caller follows it: the story it joined, then the
/// merges and revisions each later assignment reports.
#[derive(Default)]
struct Followed(std::collections::HashMap<u64, u64>);

impl Followed {
    fn apply(&mut self, key: u64, a: &newsdesk_cluster::Assignment) {
        use newsdesk_cluster::Revision;
        self.0.insert(key, a.story);
        let relabel = |map: &mut std::collections::HashMap<u64, u64>, gone: u64, into: u64| {
            map.values_mut().filter(|s| **s == gone).for_each(|s| *s = into);
        };
        for &gone in &a.merged {
            relabel(&mut self.0, gone, a.story);
        }
        for r in &a.revisions {
            match r {
                Revision::Move { key, from, to } => {
                    assert_eq!(self.0.get(key), Some(from), "{r:?}");
                    self.0.insert(*key, *to);
                }
                Revision::Split { from, story, keys } => {
                    assert!(self.0.values().all(|s| s != story), "a split reuses story id {story}");
                    for k in keys {
                        assert_eq!(self.0.get(k), Some(from), "{r:?}");
                        self.0.insert(*k, *story);
                    }
                }
                Revision::Dissolve { story, into } => {
                    assert!(self.0.values().all(|s| s != story), "{story} still has articles");
                    relabel(&mut self.0, *story, *into);
                }
            }
        }
    }
}

/// Headlines of six events that share a city and its institutions, as a
/// region's news does; `i` picks the outlet's wording.
fn regional(event: usize, i: usize) -> String {
    const EVENTS: [(&str, &str); 6] = [
        ("Halvard Bridge", "closed after corroded cable anchors found"),
        ("Osk River", "floods Millbrook and forces evacuations"),
        ("transit strike", "halts buses and trams"),
        ("Veltrix chip plant", "brings thousands of jobs"),
        ("council budget", "raises property tax"),
        ("Rovers", "win the Westmarch Cup final"),
    ];
    const FRAMES: [&str; 4] = [
        "Port Calder: {e} {w}",
        "{e} {w} in Port Calder",
        "What the {e} means: {w}",
        "{e}: officials say it {w}",
    ];
    let (e, w) = EVENTS[event];
    FRAMES[i % FRAMES.len()].replace("{e}", e).replace("{w}", w)
}

#[test]
fn reported_revisions_replay_to_the_engines_own_stories() {
    let titles: Vec<(u64, String)> = (0..6)
        .flat_map(|e| (0..8).map(move |i| (e, regional(e as usize, i))))
        .collect();
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut kinds = [0usize; 3];
    for _ in 0..20 {
        let mut order: Vec<usize> = (0..titles.len()).collect();
        for i in (1..order.len()).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            order.swap(i, (rng % (i as u64 + 1)) as usize);
        }
        let mut c = Clusterer::new(Config::live());
        let mut followed = Followed::default();
        for &i in &order {
            let outlet = format!("Outlet {}", i % 5);
            let a = c.assign(&item(i as u64, &titles[i].1, &outlet, (i % 7) as i64), NOW);
            for r in &a.revisions {
                kinds[match r {
                    newsdesk_cluster::Revision::Move { .. } => 0,
                    newsdesk_cluster::Revision::Split { .. } => 1,
                    newsdesk_cluster::Revision::Dissolve { .. } => 2,
                }] += 1;
            }
            followed.apply(i as u64, &a);
        }
        for (&key, &story) in &followed.0 {
            assert_eq!(c.story_of(key), Some(story), "key {key} in order {order:?}");
        }
    }
    assert!(kinds.iter().all(|&n| n > 0), "moves, splits, dissolutions: {kinds:?}");
}

#[test]
fn title_embeddings_join_close_in_time_and_leave_days_apart_to_the_words() {
    // Two titles of one kind of event sharing one word, given the same
    // embedding: the model calls them alike whenever they were written.
    let same = [0.6f32, 0.8, 0.0];
    let stories = |hours_apart: i64, semantic_weight: f32, semantic_half_life_ms: i64| {
        let mut c = Clusterer::new(Config {
            semantic_weight,
            semantic_half_life_ms,
            ..Config::default()
        });
        let quake = |key, title, hours_ago| Item {
            embedding: Some(&same),
            ..item(key, title, "Wire", hours_ago)
        };
        let first = c.assign(&quake(1, "Earthquake strikes off the coast of Chile", 50), NOW);
        let second = c.assign(&quake(2, "Chile hit by powerful tremor", 50 - hours_apart), NOW);
        (first.story, second.story)
    };
    let half_life = Config::default().semantic_half_life_ms;
    assert!(half_life > 0);
    // An hour apart, the embedding joins what the words alone would not.
    assert_eq!(stories(1, 0.0, half_life), (1, 2));
    assert_eq!(stories(1, 0.6, half_life), (1, 1));
    // Two days apart it no longer does, though it would at full weight.
    assert_eq!(stories(48, 0.6, half_life), (1, 2));
    assert_eq!(stories(48, 0.6, 0), (1, 1));
}
