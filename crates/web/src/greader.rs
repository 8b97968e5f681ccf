//! The Google Reader API, as Miniflux and FreshRSS serve it, so reading
//! apps (Reeder, NetNewsWire, ReadYou, FeedMe…) sync with a reader's
//! newsdesk: their follows are the subscriptions, the sections are the
//! folders, "For you" is the reading list, saved articles are starred.
//!
//! Apps sign in at `/accounts/ClientLogin` with the username and an app
//! password made on the account page, and send the returned token in
//! `Authorization: GoogleLogin auth=…`. The token names the app password
//! and carries a MAC of it under the site's key, so revoking the password
//! revokes every token made from it, and nothing else is stored. Posts
//! carry a second token, `T`, derived from the first. These routes sit
//! outside the site's form CSRF check: a browser never sends the
//! Authorization header on its own, so a forged form cannot use it.

use std::collections::HashSet;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use newsdesk_domain::{ArticleId, Section, Target, User};
use newsdesk_store::{Listed, Pick, Window};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::pages::{blocking_reading, store_call};
use crate::personal::{self, Interests, Page};
use crate::session::{hex, token_hash};
use crate::{AppState, ClientIp, WebError};

const READING_LIST: &str = "user/-/state/com.google/reading-list";
const STARRED: &str = "user/-/state/com.google/starred";
const READ: &str = "user/-/state/com.google/read";
const KEPT_UNREAD: &str = "user/-/state/com.google/kept-unread";
const ITEM_PREFIX: &str = "tag:google.com,2005:reader/item/";
/// Items per page when the app does not say; the most it may ask for.
const DEFAULT_ITEMS: usize = 20;
const MAX_ITEMS: usize = 1_000;
/// Google Reader's cap on unread counts, which apps expect.
const MAX_UNREAD: usize = 1_000;
/// Items one edit or "mark all as read" touches at most.
const MAX_EDIT: usize = 10_000;
/// Sign-in attempts per client network per ten minutes.
const LOGINS_PER_CLIENT: usize = 20;

/// The API's routes, to be merged beside the site's (not under its CSRF check).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts/ClientLogin", post(client_login).get(client_login_query))
        .route("/reader/api/0/token", get(token))
        .route("/reader/api/0/user-info", get(user_info))
        .route("/reader/api/0/subscription/list", get(subscription_list))
        .route("/reader/api/0/tag/list", get(tag_list))
        .route("/reader/api/0/unread-count", get(unread_count))
        .route("/reader/api/0/stream/contents", get(stream_contents))
        .route("/reader/api/0/stream/contents/{*stream}", get(stream_contents_at))
        .route("/reader/api/0/stream/items/ids", get(item_ids))
        .route(
            "/reader/api/0/stream/items/contents",
            post(item_contents).get(item_contents_query),
        )
        .route("/reader/api/0/edit-tag", post(edit_tag))
        .route("/reader/api/0/mark-all-as-read", post(mark_all_as_read))
}

/// An API failure, as apps expect it: 401 for credentials, else a status.
enum ApiError {
    Unauthorized,
    BadToken,
    Web(WebError),
}

impl From<WebError> for ApiError {
    fn from(e: WebError) -> ApiError {
        ApiError::Web(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "Unauthorized").into_response(),
            // FreshRSS's signal that only the post token was stale.
            ApiError::BadToken => (
                StatusCode::UNAUTHORIZED,
                [("x-reader-google-bad-token", "true")],
                "Unauthorized",
            )
                .into_response(),
            ApiError::Web(e) => (e.status(), e.message()).into_response(),
        }
    }
}

type ApiResult = Result<Response, ApiError>;

/// Key/value pairs of a form body or query string, repeated keys kept.
fn pairs(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

fn value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn values<'a>(pairs: &'a [(String, String)], key: &'a str) -> impl Iterator<Item = &'a str> {
    pairs.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The site's key for API tokens, made once and shared by every process.
async fn site_key(state: &AppState) -> Result<String, WebError> {
    let fresh = crate::session::random_token()?;
    store_call(state, move |s| s.secret("greader-token", &fresh)).await
}

fn auth_token(key: &str, app_id: i64, secret_hash: &str) -> String {
    let mut mac = Sha256::new();
    mac.update(key.as_bytes());
    mac.update(b"\0greader auth\0");
    mac.update(app_id.to_string().as_bytes());
    mac.update(b"\0");
    mac.update(secret_hash.as_bytes());
    format!("{app_id}/{}", hex(&mac.finalize()))
}

fn post_token(auth: &str) -> String {
    token_hash(&format!("greader post token\0{auth}"))
}

async fn client_login(State(state): State<AppState>, ip: ClientIp, body: Bytes) -> ApiResult {
    login(&state, &ip, &pairs(&body)).await
}

async fn client_login_query(State(state): State<AppState>, ip: ClientIp, RawQuery(q): RawQuery) -> ApiResult {
    login(&state, &ip, &pairs(q.unwrap_or_default().as_bytes())).await
}

async fn login(state: &AppState, ip: &ClientIp, form: &[(String, String)]) -> ApiResult {
    if !state.limits.allow(
        &format!("greader-login:{}", ip.limit_key()),
        LOGINS_PER_CLIENT,
        Duration::from_secs(600),
    ) {
        return Err(WebError::TooMany("Too many sign-in attempts. Wait a few minutes.").into());
    }
    let (Some(email), Some(password)) = (value(form, "Email"), value(form, "Passwd")) else {
        return Err(WebError::BadRequest("Email and Passwd are required".into()).into());
    };
    let hash = token_hash(password);
    let found = blocking_reading(state, move |r| r.app_password_by_secret(&hash)).await?;
    let Some((app, user)) = found.filter(|(_, u)| u.username.eq_ignore_ascii_case(email.trim())) else {
        return Err(ApiError::Unauthorized);
    };
    let auth = auth_token(&site_key(state).await?, app.id, &app.secret_hash);
    let body = format!("SID={auth}\nLSID={auth}\nAuth={auth}\n");
    tracing::info!(user = %user.username, app = %app.name, "reading app signed in");
    Ok(text(body))
}

/// The reader an API request authenticates as, and its token.
struct ApiReader {
    user: User,
    auth: String,
}

impl<S> FromRequestParts<S> for ApiReader
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let auth = bearer(&parts.headers).ok_or(ApiError::Unauthorized)?;
        let (id, _) = auth.split_once('/').ok_or(ApiError::Unauthorized)?;
        let id: i64 = id.parse().map_err(|_| ApiError::Unauthorized)?;
        let found = blocking_reading(&state, move |r| r.app_password(id)).await?;
        let (app, user) = found.ok_or(ApiError::Unauthorized)?;
        let expected = auth_token(&site_key(&state).await?, app.id, &app.secret_hash);
        if !bool::from(expected.as_bytes().ct_eq(auth.as_bytes())) {
            return Err(ApiError::Unauthorized);
        }
        Ok(ApiReader { user, auth })
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("GoogleLogin auth=")?.trim();
    (!token.is_empty() && token.len() <= 200).then(|| token.to_string())
}

impl ApiReader {
    /// Refuses a post whose `T` is not this reader's post token.
    fn check_post(&self, form: &[(String, String)]) -> Result<(), ApiError> {
        let sent = value(form, "T").unwrap_or_default();
        match bool::from(post_token(&self.auth).as_bytes().ct_eq(sent.as_bytes())) {
            true => Ok(()),
            false => Err(ApiError::BadToken),
        }
    }
}

fn text(body: String) -> Response {
    private(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response())
}

fn json_response(v: Value) -> Response {
    private(([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response())
}

/// Every answer is one reader's: no shared cache may keep it.
fn private(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    r
}

async fn token(reader: ApiReader) -> ApiResult {
    Ok(text(post_token(&reader.auth)))
}

async fn user_info(reader: ApiReader) -> ApiResult {
    let id = reader.user.id.0.to_string();
    Ok(json_response(json!({
        "userId": id,
        "userName": reader.user.username,
        "userProfileId": id,
        "userEmail": "",
    })))
}

/// A followed or filed-under thing as a stream id: `feed/<kind>/<key>`,
/// or a section's folder `user/-/label/<Section>`.
fn feed_id(target: &Target) -> String {
    format!("feed/{}/{}", target.kind(), target.key())
}

fn label_id(section: Section) -> String {
    format!("user/-/label/{}", section.label())
}

/// What a stream id names.
enum Stream {
    ReadingList,
    Starred,
    Target(Target),
}

fn parse_stream(id: &str) -> Result<Stream, ApiError> {
    let state = |name: &str| id.starts_with("user/") && id.ends_with(&format!("/state/com.google/{name}"));
    if state("reading-list") {
        return Ok(Stream::ReadingList);
    }
    if state("starred") {
        return Ok(Stream::Starred);
    }
    if let Some(label) = id
        .strip_prefix("user/")
        .and_then(|r| r.split_once("/label/"))
        .map(|(_, l)| l)
    {
        let section = Section::parse(label).ok_or_else(|| bad(format!("no folder called {label:?}")))?;
        return Ok(Stream::Target(Target::Section(section)));
    }
    let target = id
        .strip_prefix("feed/")
        .and_then(|rest| rest.split_once('/'))
        .and_then(|(kind, key)| Target::from_parts(kind, key))
        .filter(|t| !matches!(t, Target::Keyword(_)));
    target
        .map(Stream::Target)
        .ok_or_else(|| bad(format!("unknown stream {id:?}")))
}

fn bad(message: String) -> ApiError {
    ApiError::Web(WebError::BadRequest(message))
}

async fn subscription_list(State(state): State<AppState>, reader: ApiReader) -> ApiResult {
    let interests = Interests::of(&state, Some(reader.user.id)).await?;
    let subscriptions: Vec<Value> = interests
        .all
        .iter()
        .filter(|i| i.mode == newsdesk_domain::Mode::Follow)
        .map(|i| {
            let id = feed_id(&i.target);
            let categories: Vec<Value> = match &i.target {
                Target::Section(s) => vec![json!({ "id": label_id(*s), "label": s.label() })],
                _ => Vec::new(),
            };
            json!({
                "id": id,
                "title": i.label,
                "categories": categories,
                "url": feed_url(&i.target),
                "htmlUrl": page_url(&i.target),
                "iconUrl": "",
                "sortid": id,
            })
        })
        .collect();
    Ok(json_response(json!({ "subscriptions": subscriptions })))
}

fn feed_url(target: &Target) -> String {
    let key = urlencode(target.key());
    match target {
        Target::Search(_) => format!("/feeds/search.atom?q={key}"),
        _ => format!("/feeds/{}/{key}.atom", target.kind()),
    }
}

fn page_url(target: &Target) -> String {
    let key = urlencode(target.key());
    match target {
        Target::Search(_) => format!("/search?q={key}"),
        _ => format!("/{}/{key}", target.kind()),
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn tag_list(_reader: ApiReader) -> ApiResult {
    let mut tags = vec![json!({ "id": STARRED })];
    tags.extend(
        Section::ALL
            .iter()
            .map(|s| json!({ "id": label_id(*s), "type": "folder" })),
    );
    Ok(json_response(json!({ "tags": tags })))
}

/// Unread counts of the reading list and each subscription, among their
/// newest [`MAX_UNREAD`] articles.
async fn unread_count(State(state): State<AppState>, reader: ApiReader) -> ApiResult {
    let interests = Interests::of(&state, Some(reader.user.id)).await?;
    let window = Window::newest(MAX_UNREAD);
    let mut streams = vec![(
        READING_LIST.to_string(),
        personal::for_you(&state, &interests, window).await?,
    )];
    for target in interests.follows() {
        let page = personal::of_target(&state, &interests, target, window).await?;
        streams.push((feed_id(target), page));
    }
    let mut counts = Vec::new();
    for (id, page) in streams {
        let read = read_set(&state, &reader, &page.items).await?;
        let unread: Vec<&Listed> = page.items.iter().filter(|l| !read.contains(&l.card.id)).collect();
        let newest = unread.iter().map(|l| l.cursor.sort_at).max();
        counts.push(json!({
            "id": id,
            "count": unread.len(),
            "newestItemTimestampUsec": newest.map(|t| usec(t).to_string()).unwrap_or_default(),
        }));
    }
    Ok(json_response(json!({ "max": MAX_UNREAD, "unreadcounts": counts })))
}

async fn read_set(state: &AppState, reader: &ApiReader, items: &[Listed]) -> Result<HashSet<ArticleId>, WebError> {
    let ids = items.iter().map(|l| l.card.id).collect();
    crate::pages::reader::read_among(state, reader.user.id, ids).await
}

fn usec(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// The paging and filters of a stream request.
struct StreamQuery {
    stream: Stream,
    window: Window,
    exclude_read: bool,
    only_starred: bool,
}

fn stream_query(params: &[(String, String)], stream: Option<&str>) -> Result<StreamQuery, ApiError> {
    let stream = parse_stream(stream.or(value(params, "s")).unwrap_or(READING_LIST))?;
    let n = value(params, "n")
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(DEFAULT_ITEMS);
    let seconds = |key| value(params, key).and_then(|s| s.parse::<i64>().ok());
    let window = Window {
        after: value(params, "c").and_then(crate::pages::reader::parse_cursor),
        oldest_first: value(params, "r") == Some("o"),
        since: seconds("ot").and_then(|s| DateTime::from_timestamp(s, 0)),
        until: seconds("nt").and_then(|s| DateTime::from_timestamp(s, 0)),
        limit: n.clamp(1, MAX_ITEMS),
    };
    Ok(StreamQuery {
        stream,
        window,
        exclude_read: values(params, "xt").any(|x| x.ends_with("/state/com.google/read")),
        only_starred: values(params, "it").any(|x| x.ends_with("/state/com.google/starred")),
    })
}

/// One page of a stream, with the reader's marks on each item.
async fn stream_page(
    state: &AppState,
    reader: &ApiReader,
    q: &StreamQuery,
) -> Result<(Page, Vec<newsdesk_store::Marks>), WebError> {
    let interests = Interests::of(state, Some(reader.user.id)).await?;
    let mut page = match &q.stream {
        Stream::ReadingList => personal::for_you(state, &interests, q.window).await?,
        Stream::Starred => personal::saved(state, reader.user.id, q.window).await?,
        Stream::Target(t) => personal::of_target(state, &interests, t, q.window).await?,
    };
    let marks = marks_of(state, reader, &page.items).await?;
    let keep: HashSet<ArticleId> = marks
        .iter()
        .filter(|m| !(q.exclude_read && m.read) && (!q.only_starred || m.saved))
        .map(|m| m.article)
        .collect();
    page.items.retain(|l| keep.contains(&l.card.id));
    let marks = marks.into_iter().filter(|m| keep.contains(&m.article)).collect();
    Ok((page, marks))
}

async fn marks_of(
    state: &AppState,
    reader: &ApiReader,
    items: &[Listed],
) -> Result<Vec<newsdesk_store::Marks>, WebError> {
    let ids: Vec<ArticleId> = items.iter().map(|l| l.card.id).collect();
    let user = reader.user.id;
    blocking_reading(state, move |r| r.marks(user, &ids)).await
}

async fn stream_contents(State(state): State<AppState>, reader: ApiReader, RawQuery(q): RawQuery) -> ApiResult {
    contents(&state, &reader, &pairs(q.unwrap_or_default().as_bytes()), None).await
}

async fn stream_contents_at(
    State(state): State<AppState>,
    reader: ApiReader,
    Path(stream): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    contents(&state, &reader, &pairs(q.unwrap_or_default().as_bytes()), Some(&stream)).await
}

async fn contents(
    state: &AppState,
    reader: &ApiReader,
    params: &[(String, String)],
    stream: Option<&str>,
) -> ApiResult {
    let q = stream_query(params, stream)?;
    let id = stream.or(value(params, "s")).unwrap_or(READING_LIST).to_string();
    let (page, marks) = stream_page(state, reader, &q).await?;
    let mut body = json!({
        "direction": "ltr",
        "id": id,
        "title": id,
        "updated": Utc::now().timestamp(),
        "items": items_json(&page.items, &marks),
    });
    if let Some(next) = page.next {
        body["continuation"] = json!(crate::pages::reader::cursor_param(next));
    }
    Ok(json_response(body))
}

async fn item_ids(State(state): State<AppState>, reader: ApiReader, RawQuery(q): RawQuery) -> ApiResult {
    let params = pairs(q.unwrap_or_default().as_bytes());
    let q = stream_query(&params, None)?;
    let (page, _) = stream_page(&state, &reader, &q).await?;
    let refs: Vec<Value> = page
        .items
        .iter()
        .map(|l| {
            json!({
                "id": l.card.id.0.to_string(),
                "directStreamIds": [],
                "timestampUsec": usec(l.cursor.sort_at).to_string(),
            })
        })
        .collect();
    let mut body = json!({ "itemRefs": refs });
    if let Some(next) = page.next {
        body["continuation"] = json!(crate::pages::reader::cursor_param(next));
    }
    Ok(json_response(body))
}

/// An item id in any of the forms apps send: the long tag form (hex), or
/// the short decimal form.
fn parse_item(id: &str) -> Option<ArticleId> {
    let n = match id.strip_prefix(ITEM_PREFIX) {
        Some(hex) => u64::from_str_radix(hex, 16).ok()? as i64,
        None => id.parse().ok()?,
    };
    (n > 0).then_some(ArticleId(n))
}

fn item_ids_of(form: &[(String, String)]) -> Result<Vec<ArticleId>, ApiError> {
    let ids: Vec<ArticleId> = values(form, "i").filter_map(parse_item).collect();
    if ids.len() > MAX_EDIT {
        return Err(bad(format!("at most {MAX_EDIT} items at once")));
    }
    Ok(ids)
}

async fn item_contents(State(state): State<AppState>, reader: ApiReader, body: Bytes) -> ApiResult {
    let form = pairs(&body);
    reader.check_post(&form)?;
    items_by_id(&state, &reader, &form).await
}

async fn item_contents_query(State(state): State<AppState>, reader: ApiReader, RawQuery(q): RawQuery) -> ApiResult {
    items_by_id(&state, &reader, &pairs(q.unwrap_or_default().as_bytes())).await
}

async fn items_by_id(state: &AppState, reader: &ApiReader, form: &[(String, String)]) -> ApiResult {
    let ids = item_ids_of(form)?;
    let limit = ids.len();
    let items = blocking_reading(state, move |r| r.pick(Pick::Ids(&ids), &Window::newest(limit))).await?;
    let marks = marks_of(state, reader, &items).await?;
    Ok(json_response(json!({
        "direction": "ltr",
        "id": READING_LIST,
        "updated": Utc::now().timestamp(),
        "items": items_json(&items, &marks),
    })))
}

fn items_json(items: &[Listed], marks: &[newsdesk_store::Marks]) -> Vec<Value> {
    items
        .iter()
        .map(|l| {
            let mark = marks.iter().find(|m| m.article == l.card.id);
            item_json(l, mark.is_some_and(|m| m.read), mark.is_some_and(|m| m.saved))
        })
        .collect()
}

fn item_json(l: &Listed, read: bool, starred: bool) -> Value {
    let c = &l.card;
    let published = c.published_at.unwrap_or(c.discovered_at);
    let mut categories = vec![READING_LIST.to_string()];
    categories.extend(read.then(|| READ.to_string()));
    categories.extend(starred.then(|| STARRED.to_string()));
    categories.extend(l.section.map(label_id));
    let source = Target::Source(c.source_slug.clone());
    json!({
        "id": format!("{ITEM_PREFIX}{:016x}", c.id.0),
        "crawlTimeMsec": c.discovered_at.timestamp_millis().to_string(),
        "timestampUsec": usec(l.cursor.sort_at).to_string(),
        "published": published.timestamp(),
        "updated": published.timestamp(),
        "title": c.title,
        "author": c.source_name,
        "canonical": [{ "href": c.url }],
        "alternate": [{ "href": c.url, "type": "text/html" }],
        "summary": { "direction": "ltr", "content": c.excerpt.clone().unwrap_or_default() },
        "categories": categories,
        "origin": { "streamId": feed_id(&source), "title": c.source_name, "htmlUrl": page_url(&source) },
    })
}

/// Adds and removes the read and starred states of items.
async fn edit_tag(State(state): State<AppState>, reader: ApiReader, body: Bytes) -> ApiResult {
    let form = pairs(&body);
    reader.check_post(&form)?;
    let ids = item_ids_of(&form)?;
    let user = reader.user.id;
    let now = Utc::now();
    for (key, on) in [("a", true), ("r", false)] {
        for tag in values(&form, key) {
            let ids = ids.clone();
            match tag {
                t if t.ends_with("/state/com.google/read") => {
                    blocking_reading(&state, move |r| r.set_read(user, &ids, on, now).map(drop)).await?;
                }
                t if t.ends_with("/state/com.google/kept-unread") || t == KEPT_UNREAD => {
                    blocking_reading(&state, move |r| r.set_read(user, &ids, !on, now).map(drop)).await?;
                }
                t if t.ends_with("/state/com.google/starred") => {
                    blocking_reading(&state, move |r| {
                        ids.iter().try_for_each(|id| match r.set_saved(user, *id, on, now) {
                            Err(newsdesk_store::StoreError::NotFound(_)) => Ok(()),
                            other => other,
                        })
                    })
                    .await?;
                }
                // Labels on items are the sections, which the site decides.
                _ => {}
            }
        }
    }
    Ok(text("OK".into()))
}

/// Marks every item of a stream read, or those older than `ts` (microseconds).
async fn mark_all_as_read(State(state): State<AppState>, reader: ApiReader, body: Bytes) -> ApiResult {
    let form = pairs(&body);
    reader.check_post(&form)?;
    let stream = value(&form, "s").unwrap_or(READING_LIST).to_string();
    let until = value(&form, "ts")
        .and_then(|t| t.parse::<i64>().ok())
        .and_then(DateTime::from_timestamp_micros);
    // Not through `n`, which an app may set only up to a page's size.
    let mut q = stream_query(&[], Some(&stream))?;
    q.window = Window {
        until,
        ..Window::newest(MAX_EDIT)
    };
    let (page, _) = stream_page(&state, &reader, &q).await?;
    let ids: Vec<ArticleId> = page.items.iter().map(|l| l.card.id).collect();
    let user = reader.user.id;
    blocking_reading(&state, move |r| r.set_read(user, &ids, true, Utc::now())).await?;
    Ok(text("OK".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_ids_read_in_every_form() {
        assert_eq!(
            parse_item("tag:google.com,2005:reader/item/000000000000002a"),
            Some(ArticleId(42))
        );
        assert_eq!(parse_item("42"), Some(ArticleId(42)));
        assert_eq!(parse_item("-1"), None);
        assert_eq!(parse_item("tag:google.com,2005:reader/item/zz"), None);
        assert_eq!(parse_item(""), None);
    }

    #[test]
    fn streams_name_states_feeds_and_folders() {
        assert!(matches!(parse_stream(READING_LIST), Ok(Stream::ReadingList)));
        assert!(matches!(
            parse_stream("user/1005/state/com.google/starred"),
            Ok(Stream::Starred)
        ));
        assert!(matches!(
            parse_stream("user/-/label/Science"),
            Ok(Stream::Target(Target::Section(Section::Science)))
        ));
        let search = parse_stream("feed/search/transit strike/now");
        assert!(matches!(search, Ok(Stream::Target(Target::Search(w))) if w == "transit strike/now"));
        assert!(parse_stream("feed/keyword/x").is_err(), "hidden words are no stream");
        assert!(parse_stream("user/-/label/Astrology").is_err());
        assert!(parse_stream("nonsense").is_err());
    }

    #[test]
    fn tokens_change_with_the_key_the_password_and_its_id() {
        let token = auth_token("key", 7, "hash");
        assert!(token.starts_with("7/"));
        assert_ne!(token, auth_token("other key", 7, "hash"));
        assert_ne!(token, auth_token("key", 7, "other hash"));
        assert_ne!(token, auth_token("key", 8, "hash"));
        assert_ne!(post_token(&token), token);
    }
}
