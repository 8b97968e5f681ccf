//! Holds `/api/openapi.json` to the API it describes: every route the API
//! mounts is documented under the same method and path, nothing else is,
//! and every documented operation, called through the real router over a
//! seeded SQLite store, answers a documented status with a body that fits
//! the documented schema.
//!
//! The document is hand-written rather than generated (utoipa): the handlers
//! stay plain axum, and this test catches the drift generation would prevent.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use chrono::{Duration, Utc};
use newsdesk_domain::{Analysis, ArticleId, Entity, EntityKind, Extracted, FeedEntry, Role, StoryId};
use newsdesk_search::{SearchDoc, SearchIndex};
use newsdesk_store::{Community, NewComment, PollSuccess, Queued, SqliteStore, Store, StoryAssignment};
use newsdesk_web::{AppState, BoxFuture, FeedAdmin};
use serde_json::Value;
use tower::ServiceExt;

const DOCUMENT: &str = include_str!("../assets/openapi.json");

/// Where `lib.rs` nests the API router.
const API_PREFIX: &str = "/api";

/// The methods an OpenAPI path item may describe.
const OPERATIONS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Query strings the seeded data needs: without words a search lists
/// articles unhighlighted, leaving the `highlights` items unchecked.
const QUERIES: [(&str, &str); 1] = [("/api/v1/search", "q=harbour")];

/// A path argument no seeded row has; numeric ids reject it as malformed.
const MISSING: &str = "missing";

#[test]
fn the_document_describes_exactly_the_routes() {
    let doc = document();
    let routes: BTreeSet<(String, String)> = newsdesk_web::api_endpoints()
        .into_iter()
        .map(|(method, path)| (method.to_string(), format!("{API_PREFIX}{path}")))
        .collect();
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .map(|(method, path, _)| (method.to_string(), path.to_string()))
        .collect();
    let undocumented: Vec<_> = routes.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routes).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the document: {undocumented:?}"
    );
    assert!(unrouted.is_empty(), "documented operations with no route: {unrouted:?}");
}

#[tokio::test]
async fn every_documented_operation_answers_as_documented() {
    let doc = document();
    let dir = tempfile::tempdir().unwrap();
    let db = Arc::new(SqliteStore::open(&dir.path().join("newsdesk.db")).unwrap());
    let search = Arc::new(SearchIndex::open_in_ram().unwrap());
    let seed = seed(&db, &search);
    let state = AppState::new(db.clone(), db, Arc::new(NoAdmin), search, "newsdesk".into(), false);
    let router = newsdesk_web::router(state);

    for (method, template, op) in operations(&doc) {
        // The API is read-only; a route taking a body and a session needs
        // this test to learn how to call it.
        assert_eq!(method, Method::GET, "{method} {template}: only GET is exercised");
        let names = template_params(template);
        assert_eq!(names, documented_path_params(&doc, op), "{template}: path parameters");

        let query = QUERIES.iter().find(|(p, _)| *p == template).map(|(_, q)| *q);
        let url = |path: String| match query {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let found = url(fill(template, |collection, name| seed.value(collection, name)));
        let status = call(&router, &doc, op, &found).await;
        assert!(status.is_success(), "GET {found} answered {status}");

        if !names.is_empty() {
            let missing = url(fill(template, |_, _| MISSING.to_string()));
            let status = call(&router, &doc, op, &missing).await;
            assert!(status.is_client_error(), "GET {missing} answered {status}");
        }
    }
}

fn document() -> Value {
    serde_json::from_str(DOCUMENT).expect("openapi.json is JSON")
}

/// Every (method, path, operation) the document describes.
fn operations(doc: &Value) -> impl Iterator<Item = (Method, &str, &Value)> {
    doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            OPERATIONS.iter().filter_map(move |m| {
                let method = Method::from_bytes(m.to_uppercase().as_bytes()).unwrap();
                item.get(*m).map(|op| (method, path.as_str(), op))
            })
        })
}

/// The `{name}` segments of a path template, in order.
fn template_params(template: &str) -> Vec<String> {
    template
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(String::from)
        .collect()
}

fn documented_path_params(doc: &Value, op: &Value) -> Vec<String> {
    op.get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| resolve(doc, p))
        .filter(|p| p["in"] == "path")
        .map(|p| p["name"].as_str().expect("parameter name").to_string())
        .collect()
}

/// The template with each `{name}` replaced by `value(segment before it, name)`.
fn fill(template: &str, value: impl Fn(&str, &str) -> String) -> String {
    let segments: Vec<&str> = template.split('/').collect();
    segments
        .iter()
        .enumerate()
        .map(
            |(i, seg)| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => value(segments[i - 1], name),
                None => seg.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

/// GETs `url` and checks the answer against the operation: a documented
/// status, the documented content type, a body that fits the schema.
async fn call(router: &axum::Router, doc: &Value, op: &Value, url: &str) -> StatusCode {
    let request = Request::get(url).body(Body::empty()).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let Some(documented) = op["responses"].get(status.as_str()) else {
        panic!("GET {url} answered {status}, which the document does not list");
    };
    let content = resolve(doc, documented)["content"]
        .as_object()
        .expect("a response with content");
    let (media_type, body) = content.iter().next().expect("a media type");
    let served = response.headers()[header::CONTENT_TYPE].to_str().unwrap().to_string();
    assert!(
        served.starts_with(media_type.as_str()),
        "GET {url} served {served}, documented {media_type}"
    );
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let value: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("GET {url}: not JSON: {e}"));
    check(doc, &body["schema"], &value, url);
    status
}

/// Follows a local `$ref` ("#/components/...").
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let target = r.strip_prefix('#').expect("a local $ref");
            resolve(
                doc,
                doc.pointer(target)
                    .unwrap_or_else(|| panic!("{r} is not in the document")),
            )
        }
        None => v,
    }
}

/// Checks `value` against the JSON Schema keywords the document uses, with
/// two rules stricter than JSON Schema: an object may hold only described
/// properties (a field added to a response must be documented), and a list
/// may not be empty (the seed fills every list, so its items get checked).
fn check(doc: &Value, schema: &Value, value: &Value, at: &str) {
    for (keyword, arg) in schema.as_object().expect("a schema object") {
        match keyword.as_str() {
            "$ref" => check(doc, resolve(doc, schema), value, at),
            "type" => {
                let allowed: Vec<&str> = match arg {
                    Value::Array(types) => types.iter().filter_map(Value::as_str).collect(),
                    other => vec![other.as_str().expect("a type name")],
                };
                let actual = type_of(value);
                let fits = allowed.contains(&actual) || (actual == "integer" && allowed.contains(&"number"));
                assert!(fits, "{at}: {value} is {actual}, documented {allowed:?}");
            }
            "enum" => assert!(
                arg.as_array().unwrap().contains(value),
                "{at}: {value} is not one of {arg}"
            ),
            "format" => {
                if let Some(s) = value.as_str() {
                    let ok = match arg.as_str().unwrap() {
                        "date-time" => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
                        "uri" => url::Url::parse(s).is_ok(),
                        other => panic!("{at}: teach this test the format {other:?}"),
                    };
                    assert!(ok, "{at}: {s:?} is not a {arg}");
                }
            }
            "required" => {
                if let Some(object) = value.as_object() {
                    for name in arg.as_array().unwrap().iter().filter_map(Value::as_str) {
                        assert!(object.contains_key(name), "{at}: missing required {name:?}");
                    }
                }
            }
            "properties" => {
                if let Some(object) = value.as_object() {
                    for (name, v) in object {
                        let Some(property) = arg.get(name) else {
                            panic!("{at}: {name:?} is not documented");
                        };
                        check(doc, property, v, &format!("{at}.{name}"));
                    }
                }
            }
            "items" => {
                if let Some(items) = value.as_array() {
                    assert!(!items.is_empty(), "{at}: empty list, so its items went unchecked");
                    for (i, item) in items.iter().enumerate() {
                        check(doc, arg, item, &format!("{at}[{i}]"));
                    }
                }
            }
            "minItems" | "maxItems" => {
                if let Some(items) = value.as_array() {
                    let bound = arg.as_u64().unwrap() as usize;
                    let ok = if keyword == "minItems" {
                        items.len() >= bound
                    } else {
                        items.len() <= bound
                    };
                    assert!(ok, "{at}: {} items breaks {keyword} {bound}", items.len());
                }
            }
            "description" => {}
            other => panic!("{at}: teach this test the schema keyword {other:?}"),
        }
    }
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The seeded rows whose keys fill path parameters.
struct Seed {
    article: ArticleId,
    story: StoryId,
    source_slug: String,
    entity_slug: String,
}

impl Seed {
    /// The value for `{name}` after the `collection` segment.
    fn value(&self, collection: &str, name: &str) -> String {
        match (collection, name) {
            ("articles", "id") => self.article.0.to_string(),
            ("stories", "id") => self.story.0.to_string(),
            ("sources", "slug") => self.source_slug.clone(),
            ("entities", "slug") => self.entity_slug.clone(),
            _ => panic!("no seeded value for {{{name}}} after /{collection}/: add one to Seed"),
        }
    }
}

/// One source with a feed, one article in a story, naming one entity, with
/// one comment, indexed for search: every list the API returns has an item.
fn seed(db: &SqliteStore, search: &SearchIndex) -> Seed {
    let now = Utc::now();
    let source = db
        .upsert_source("Harbour Gazette", Some("https://gazette.example/"))
        .unwrap();
    let feed = db.add_feed(source.id, "https://gazette.example/feed.xml").unwrap();
    let url = "https://gazette.example/2025/harbour-reopens";
    let published = now - Duration::hours(1);
    let poll = PollSuccess {
        checked_at: now,
        next_check_at: now + Duration::hours(1),
        interval_secs: 3600,
        etag: None,
        last_modified: None,
        title: None,
    };
    let entry = FeedEntry {
        guid: url.into(),
        url: url.into(),
        title: Some("Harbour reopens".into()),
        summary: None,
        author: None,
        published: Some(published),
        category: None,
    };
    let [Queued::New(article)] = db.record_poll(feed.id, &poll, &[entry]).unwrap()[..] else {
        panic!("the entry was not queued as new");
    };
    let page = Extracted {
        title: Some("Harbour reopens".into()),
        byline: Some("Ana Ruiz".into()),
        published: Some(published.fixed_offset()),
        image: Some("https://gazette.example/harbour.jpg".into()),
        lang: Some("en".into()),
        description: Some("The harbour reopened on Monday.".into()),
        text: "The harbour reopened on Monday, said Ada Quayle.".into(),
        html: "<p>The harbour reopened on Monday, said Ada Quayle.</p>".into(),
        ..Extracted::default()
    };
    db.complete_article(article, url, &page).unwrap();
    let story = StoryId(1);
    db.assign_story(&StoryAssignment {
        article,
        story,
        merged: vec![],
        syndicated: vec![],
        related: vec![],
        moved: vec![],
        emptied: vec![],
    })
    .unwrap();
    let person = Entity {
        name: "Ada Quayle".into(),
        kind: EntityKind::Person,
        mentions: 1,
    };
    db.save_analysis(
        article,
        &Analysis {
            entities: vec![person.clone()],
            ..Analysis::default()
        },
        now,
    )
    .unwrap();
    let reader = db.create_user("reader", "not-a-real-hash", Role::Reader, now).unwrap();
    db.add_comment(&NewComment {
        article_id: article,
        user_id: reader.id,
        parent_id: None,
        body: "Good news.".into(),
        at: now,
    })
    .unwrap();
    let stored = db.article(article).unwrap().unwrap();
    search
        .index_article(&SearchDoc::from_article(&stored, &source, &[person.name]))
        .unwrap();
    search.commit().unwrap();
    Seed {
        article,
        story,
        source_slug: source.slug,
        entity_slug: db.entities_of(article).unwrap()[0].slug.clone(),
    }
}

/// The admin pages are not part of the API.
struct NoAdmin;

impl FeedAdmin for NoAdmin {
    fn add_feed(&self, _: String, _: Option<String>) -> BoxFuture<Result<String, String>> {
        Box::pin(async { Err("not in this test".into()) })
    }
    fn import_opml(&self, _: String) -> BoxFuture<Result<usize, String>> {
        Box::pin(async { Err("not in this test".into()) })
    }
    fn export_opml(&self) -> BoxFuture<Result<String, String>> {
        Box::pin(async { Err("not in this test".into()) })
    }
}
