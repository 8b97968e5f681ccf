//! Each reader's own pages: "For you" and its private feed, follow and hide
//! buttons, saved articles and their exports, read marks, app passwords for
//! reading apps, and deleting the account.

use std::collections::HashSet;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::CookieJar;
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use newsdesk_domain::{ArticleId, Interest, Mode, StoryId, Target, User, UserId};
use newsdesk_store::{Cursor, Listed, Window};
use serde::Deserialize;

use super::account::local_path;
use super::{blocking_community, blocking_reading, cards, layout};
use crate::password::{self, MAX_PASSWORD};
use crate::personal::{self, Interests};
use crate::session::{random_token, session_cookie, token_hash, Visitor};
use crate::{timefmt, AppState, WebError};

/// Articles on one "For you" page.
const FOR_YOU_PAGE: usize = 60;
/// Saved articles an export holds at most.
const MAX_EXPORT: usize = 10_000;

/// The signed-in reader, or a redirect to the login page that comes back to `here`.
pub(crate) fn reader_or_login(visitor: &Visitor, here: &str) -> Result<User, Redirect> {
    visitor.user.clone().ok_or_else(|| {
        let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
        Redirect::to(&format!("/login?next={next}"))
    })
}

/// A cursor as it travels in a URL: `<sort_at ms>.<id>`.
pub(crate) fn cursor_param(c: Cursor) -> String {
    format!("{}.{}", c.sort_at.timestamp_millis(), c.id.0)
}

pub(crate) fn parse_cursor(s: &str) -> Option<Cursor> {
    let (at, id) = s.split_once('.')?;
    Some(Cursor {
        sort_at: DateTime::from_timestamp_millis(at.parse().ok()?)?,
        id: ArticleId(id.parse().ok()?),
    })
}

#[derive(Deserialize)]
pub struct InterestForm {
    mode: String,
    kind: String,
    key: String,
    label: Option<String>,
    /// "0" stops following or hiding; anything else starts.
    on: Option<String>,
    next: Option<String>,
}

pub async fn set_interest(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<InterestForm>,
) -> Result<Response, WebError> {
    let back = local_path(form.next.as_deref());
    let user = match reader_or_login(&visitor, &back) {
        Ok(user) => user,
        Err(login) => return Ok(login.into_response()),
    };
    let mode = match form.mode.as_str() {
        "follow" => Mode::Follow,
        "hide" => Mode::Hide,
        _ => return Err(WebError::BadRequest("Follow or hide?".into())),
    };
    let key = form.key.trim();
    let target = Target::from_parts(&form.kind, key)
        .ok_or_else(|| WebError::BadRequest(format!("Nothing to follow called {key:?}.")))?;
    let label = form.label.map(|l| l.trim().to_string()).filter(|l| !l.is_empty());
    let interest = Interest {
        label: label.unwrap_or_else(|| key.to_string()),
        mode,
        target,
    };
    let on = form.on.as_deref() != Some("0");
    blocking_reading(&state, move |r| r.set_interest(user.id, &interest, on, Utc::now())).await?;
    Ok(Redirect::to(&back).into_response())
}

/// Follow (and for sources, hide) buttons for `target` on a page at `here`.
pub(crate) fn interest_buttons(
    visitor: &Visitor,
    interests: &Interests,
    target: &Target,
    label: &str,
    here: &str,
) -> Markup {
    if visitor.user.is_none() {
        return html! { p.follow { a href={ "/login?next=" (urlencode(here)) } { "Log in to follow" } } };
    }
    let mode = interests.mode_of(target);
    let hideable = matches!(target, Target::Source(_));
    html! {
        div.follow {
            (interest_form(visitor, target, label, here, Mode::Follow, mode == Some(Mode::Follow)))
            @if hideable { (interest_form(visitor, target, label, here, Mode::Hide, mode == Some(Mode::Hide))) }
        }
    }
}

fn interest_form(visitor: &Visitor, target: &Target, label: &str, here: &str, mode: Mode, active: bool) -> Markup {
    let (verb, done) = match mode {
        Mode::Follow => ("follow", "Following"),
        Mode::Hide => ("hide", "Hidden"),
    };
    html! {
        form.inline method="post" action="/me/interests" {
            (layout::csrf_field(visitor))
            input type="hidden" name="mode" value=(verb);
            input type="hidden" name="kind" value=(target.kind());
            input type="hidden" name="key" value=(target.key());
            input type="hidden" name="label" value=(label);
            input type="hidden" name="next" value=(here);
            input type="hidden" name="on" value=(if active { "0" } else { "1" });
            @if active {
                button.active type="submit" aria-pressed="true" title={ "Stop: " (verb) } { (done) " ✓" }
            } @else {
                button type="submit" aria-pressed="false" { (capitalised(verb)) }
            }
        }
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[derive(Deserialize)]
pub struct After {
    after: Option<String>,
}

/// What the reader follows, newest first, grouped into stories.
pub async fn for_you(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<After>,
) -> Result<Response, WebError> {
    let user = match reader_or_login(&visitor, "/for-you") {
        Ok(user) => user,
        Err(login) => return Ok(login.into_response()),
    };
    let interests = Interests::of(&state, Some(user.id)).await?;
    let window = Window {
        after: q.after.as_deref().and_then(parse_cursor),
        ..Window::newest(FOR_YOU_PAGE)
    };
    let page = personal::for_you(&state, &interests, window).await?;
    let read = read_among(&state, user.id, page.items.iter().map(|l| l.card.id).collect()).await?;
    let token = random_token()?;
    let token = blocking_reading(&state, move |r| r.feed_token(user.id, &token)).await?;
    let now = Utc::now();
    let body = html! {
        h1 { "For you" }
        p.meta {
            a href="/me/following" { "What you follow" } " · "
            a href={ "/feeds/for-you/" (token) ".atom" } { "Private Atom feed" }
        }
        @if interests.follows().next().is_none() {
            (layout::message("Follow sources, sections, people, organisations, places or searches, and their news gathers here."))
        }
        @if page.items.is_empty() && interests.follows().next().is_some() {
            (layout::message("Nothing new from what you follow."))
        }
        ol.cards {
            @for group in by_story(&page.items) {
                li { (story_group(&group, &read, now)) }
            }
        }
        @if let Some(next) = page.next {
            nav.pager aria-label="Pages" { a rel="next" href={ "/for-you?after=" (cursor_param(next)) } { "Older →" } }
        }
    };
    Ok(layout::page(&visitor, "For you", body).into_response())
}

/// Items grouped by story, each group where its newest item stands.
fn by_story(items: &[Listed]) -> Vec<Vec<&Listed>> {
    let mut groups: Vec<(Option<StoryId>, Vec<&Listed>)> = Vec::new();
    for item in items {
        match groups
            .iter_mut()
            .find(|(story, _)| item.story.is_some() && *story == item.story)
        {
            Some((_, group)) => group.push(item),
            None => groups.push((item.story, vec![item])),
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

fn story_group(group: &[&Listed], read: &HashSet<ArticleId>, now: DateTime<Utc>) -> Markup {
    let lead = group[0];
    html! {
        (cards::one(&lead.card, now, read.contains(&lead.card.id)))
        @if group.len() > 1 {
            details.more {
                summary { (group.len() - 1) " more in this story" }
                ul { @for other in &group[1..] {
                    li.read[read.contains(&other.card.id)] {
                        a href={ "/article/" (other.card.id.0) } { (other.card.title) } " · " (other.card.source_name)
                    }
                } }
            }
        }
        @if let Some(story) = lead.story { p.meta { a href={ "/story/" (story.0) } { "Full coverage" } } }
    }
}

/// Which of `ids` the reader has read.
pub(crate) async fn read_among(
    state: &AppState,
    user: UserId,
    ids: Vec<ArticleId>,
) -> Result<HashSet<ArticleId>, WebError> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let marks = blocking_reading(state, move |r| r.marks(user, &ids)).await?;
    Ok(marks.into_iter().filter(|m| m.read).map(|m| m.article).collect())
}

/// The "For you" list as a private Atom feed: the token in its address is
/// the reader's credential, so it is never cached by anyone else.
pub async fn for_you_feed(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, WebError> {
    let token = file.strip_suffix(".atom").ok_or(WebError::NotFound)?.to_string();
    let lookup = token.clone();
    let user = blocking_reading(&state, move |r| r.user_by_feed_token(&lookup))
        .await?
        .ok_or(WebError::NotFound)?;
    let interests = Interests::of(&state, Some(user.id)).await?;
    let page = personal::for_you(&state, &interests, Window::newest(crate::atom::ENTRIES)).await?;
    let cards: Vec<_> = page.items.into_iter().map(|l| l.card).collect();
    let title = format!("{}: for {}", state.site_name, user.username);
    let mut response = crate::atom::render(&title, &format!("/feeds/for-you/{file}"), &cards);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// Everything the reader follows and hides, each with a button to stop,
/// and forms to follow a search or hide a word.
pub async fn following(State(state): State<AppState>, visitor: Visitor) -> Result<Response, WebError> {
    let user = match reader_or_login(&visitor, "/me/following") {
        Ok(user) => user,
        Err(login) => return Ok(login.into_response()),
    };
    let interests = Interests::of(&state, Some(user.id)).await?;
    let here = "/me/following";
    let body = html! {
        h1 { "What you follow" }
        ul.interests {
            @for i in &interests.all {
                li {
                    span.kind { (i.target.kind()) } " "
                    (i.label) " "
                    (interest_form(&visitor, &i.target, &i.label, here, i.mode, true))
                }
            }
        }
        @if interests.all.is_empty() { (layout::message("You follow nothing yet: use the Follow buttons on source, section, entity and search pages.")) }
        h2 { "Follow a search" }
        (text_interest_form(&visitor, "follow", "search", "search-words", "Words"))
        h2 { "Hide headlines with a word" }
        (text_interest_form(&visitor, "hide", "keyword", "hide-words", "Word or phrase"))
    };
    Ok(layout::page(&visitor, "What you follow", body).into_response())
}

fn text_interest_form(visitor: &Visitor, mode: &str, kind: &str, id: &str, label: &str) -> Markup {
    html! {
        form.stacked method="post" action="/me/interests" {
            (layout::csrf_field(visitor))
            input type="hidden" name="mode" value=(mode);
            input type="hidden" name="kind" value=(kind);
            input type="hidden" name="next" value="/me/following";
            label for=(id) { (label) }
            input #(id) name="key" required maxlength="200";
            button type="submit" { (capitalised(mode)) }
        }
    }
}

#[derive(Deserialize)]
pub struct MarkForm {
    /// "0" unsaves or marks unread; anything else saves or marks read.
    on: Option<String>,
}

impl MarkForm {
    /// The signed-in reader and whether the form turns the mark on; a
    /// visitor who is not signed in is sent to log in, then back to `here`.
    fn reader_and_switch(&self, visitor: &Visitor, here: &str) -> Result<(User, bool), Redirect> {
        Ok((reader_or_login(visitor, here)?, self.on.as_deref() != Some("0")))
    }
}

pub async fn save(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<MarkForm>,
) -> Result<Response, WebError> {
    let here = format!("/article/{id}");
    let (user, on) = match form.reader_and_switch(&visitor, &here) {
        Ok(request) => request,
        Err(login) => return Ok(login.into_response()),
    };
    blocking_reading(&state, move |r| r.set_saved(user.id, ArticleId(id), on, Utc::now())).await?;
    Ok(Redirect::to(&here).into_response())
}

pub async fn mark_read(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<MarkForm>,
) -> Result<Response, WebError> {
    let here = format!("/article/{id}");
    let (user, on) = match form.reader_and_switch(&visitor, &here) {
        Ok(request) => request,
        Err(login) => return Ok(login.into_response()),
    };
    let changed = blocking_reading(&state, move |r| r.set_read(user.id, &[ArticleId(id)], on, Utc::now())).await?;
    if on && changed == 0 {
        // Unknown ids are skipped by the store; tell the reader which case this was.
        let exists = super::store_call(&state, move |s| s.article(ArticleId(id))).await?;
        exists.ok_or(WebError::NotFound)?;
    }
    // Marking unread from the article page would be undone by reloading it.
    Ok(Redirect::to(if on { &here } else { "/" }).into_response())
}

/// Marks an article read as its reader opens it, and returns their marks
/// on it (read, saved); a visitor who is not signed in has none.
pub(crate) async fn opened(state: &AppState, visitor: &Visitor, id: ArticleId) -> Result<Option<bool>, WebError> {
    let Some(user) = visitor.user.as_ref().map(|u| u.id) else {
        return Ok(None);
    };
    let marks = blocking_reading(state, move |r| {
        r.set_read(user, &[id], true, Utc::now())?;
        r.marks(user, &[id])
    })
    .await?;
    Ok(Some(marks.first().is_some_and(|m| m.saved)))
}

/// Save and mark-unread buttons for the article page.
pub(crate) fn article_buttons(visitor: &Visitor, id: ArticleId, saved: bool) -> Markup {
    html! {
        div.marks {
            form.inline method="post" action={ "/article/" (id.0) "/save" } {
                (layout::csrf_field(visitor))
                input type="hidden" name="on" value=(if saved { "0" } else { "1" });
                button.save type="submit" aria-pressed=(saved) { @if saved { "Saved ✓" } @else { "Save" } }
            }
            form.inline method="post" action={ "/article/" (id.0) "/read" } {
                (layout::csrf_field(visitor))
                input type="hidden" name="on" value="0";
                button type="submit" { "Mark unread" }
            }
        }
    }
}

/// The reader's saved articles, newest first, with the exports.
pub async fn saved(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<After>,
) -> Result<Response, WebError> {
    let user = match reader_or_login(&visitor, "/me/saved") {
        Ok(user) => user,
        Err(login) => return Ok(login.into_response()),
    };
    let window = Window {
        after: q.after.as_deref().and_then(parse_cursor),
        ..Window::newest(FOR_YOU_PAGE)
    };
    let page = personal::saved(&state, user.id, window).await?;
    let cards: Vec<_> = page.items.iter().map(|l| l.card.clone()).collect();
    let body = html! {
        h1 { "Saved" }
        p.meta {
            "Export: " a href="/me/saved.json" download { "JSON" } " · "
            a href="/me/saved.html" download { "bookmarks (HTML)" }
        }
        @if cards.is_empty() { (layout::message("Nothing saved yet: use Save on an article.")) }
        (cards::list(&cards, Utc::now()))
        @if let Some(next) = page.next {
            nav.pager aria-label="Pages" { a rel="next" href={ "/me/saved?after=" (cursor_param(next)) } { "Older →" } }
        }
    };
    Ok(layout::page(&visitor, "Saved", body).into_response())
}

/// Every saved article, newest first, up to [`MAX_EXPORT`].
async fn all_saved(state: &AppState, user: UserId) -> Result<Vec<Listed>, WebError> {
    let mut all: Vec<Listed> = Vec::new();
    let mut window = Window::newest(1_000);
    loop {
        let page = personal::saved(state, user, window).await?;
        all.extend(page.items);
        match page.next {
            Some(next) if all.len() < MAX_EXPORT => window.after = Some(next),
            _ => break,
        }
    }
    all.truncate(MAX_EXPORT);
    Ok(all)
}

pub async fn saved_json(State(state): State<AppState>, visitor: Visitor) -> Result<Response, WebError> {
    let user = visitor.user.ok_or(WebError::Unauthorized)?;
    let saved = all_saved(&state, user.id).await?;
    let items: Vec<serde_json::Value> = saved
        .iter()
        .map(|l| {
            serde_json::json!({
                "id": l.card.id.0,
                "title": l.card.title,
                "url": l.card.url,
                "source": l.card.source_name,
                "published": l.card.published_at.map(|t| t.to_rfc3339()),
                "page": format!("/article/{}", l.card.id.0),
            })
        })
        .collect();
    Ok(download(
        "application/json",
        "newsdesk-saved.json",
        serde_json::Value::Array(items).to_string(),
    ))
}

/// The saved articles as a Netscape bookmarks file, which every browser
/// and bookmark service imports.
pub async fn saved_bookmarks(State(state): State<AppState>, visitor: Visitor) -> Result<Response, WebError> {
    let user = visitor.user.ok_or(WebError::Unauthorized)?;
    let saved = all_saved(&state, user.id).await?;
    let list = html! {
        @for l in &saved {
            dt { a href=(l.card.url) add_date=(l.cursor.sort_at.timestamp()) { (l.card.title) } } "\n"
        }
    };
    let file = format!(
        "<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=UTF-8\">\n\
         <TITLE>Bookmarks</TITLE>\n<H1>Saved on newsdesk</H1>\n<DL><p>\n{}</DL><p>\n",
        list.into_string()
    );
    Ok(download("text/html; charset=utf-8", "newsdesk-saved.html", file))
}

fn download(content_type: &'static str, name: &str, body: String) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    if let Ok(value) = header::HeaderValue::from_str(&disposition) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The account page: app passwords for reading apps, and deleting the account.
pub async fn account(State(state): State<AppState>, visitor: Visitor) -> Result<Response, WebError> {
    let user = match reader_or_login(&visitor, "/me/account") {
        Ok(user) => user,
        Err(login) => return Ok(login.into_response()),
    };
    account_page(&state, &visitor, user.id, None).await
}

async fn account_page(
    state: &AppState,
    visitor: &Visitor,
    user: UserId,
    new_secret: Option<(String, String)>,
) -> Result<Response, WebError> {
    let passwords = blocking_reading(state, move |r| r.app_passwords(user)).await?;
    let now = Utc::now();
    let body = html! {
        h1 { "Your account" }
        p { a href="/me/comments" { "Your comments" } " · " a href="/me/saved" { "Saved" } " · " a href="/me/following" { "What you follow" } }
        h2 { "App passwords" }
        p { "Reading apps that speak the Google Reader API (Reeder, NetNewsWire, ReadYou, FeedMe…) sign in with your username and an app password, at this site's address." }
        @if let Some((name, secret)) = &new_secret {
            p.notice role="status" { "The app password for " strong { (name) } " is " code.secret { (secret) } ". Copy it now: it is not shown again." }
        }
        ul.app-passwords {
            @for p in &passwords {
                li {
                    (p.name) " · made " (timefmt::relative(p.created_at, now)) " "
                    form.inline method="post" action={ "/me/app-passwords/" (p.id) "/delete" } {
                        (layout::csrf_field(visitor))
                        button type="submit" { "Revoke" }
                    }
                }
            }
        }
        form.stacked method="post" action="/me/app-passwords" {
            (layout::csrf_field(visitor))
            label for="app-name" { "App name" }
            input #app-name name="name" required maxlength="100" placeholder="Reeder on my phone";
            button type="submit" { "Make an app password" }
        }
        h2 { "Delete your account" }
        p { "Your follows, saved articles, read marks and app passwords are deleted; your comments are replaced by “[deleted]”." }
        form.stacked.danger method="post" action="/me/delete" {
            (layout::csrf_field(visitor))
            label for="delete-password" { "Your password" }
            input #delete-password name="password" type="password" required autocomplete="current-password";
            button type="submit" { "Delete my account" }
        }
    };
    Ok(layout::page(visitor, "Your account", body).into_response())
}

#[derive(Deserialize)]
pub struct AppPasswordForm {
    name: String,
}

pub async fn create_app_password(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<AppPasswordForm>,
) -> Result<Response, WebError> {
    let user = visitor.user.clone().ok_or(WebError::Unauthorized)?;
    let name = form.name.trim().chars().take(100).collect::<String>();
    if name.is_empty() {
        return Err(WebError::BadRequest("Name the app this password is for.".into()));
    }
    let secret = random_token()?;
    let (hash, stored_name) = (token_hash(&secret), name.clone());
    blocking_reading(&state, move |r| {
        r.create_app_password(user.id, &stored_name, &hash, Utc::now())
    })
    .await?;
    account_page(&state, &visitor, user.id, Some((name, secret))).await
}

pub async fn delete_app_password(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let user = visitor.user.ok_or(WebError::Unauthorized)?;
    let deleted = blocking_reading(&state, move |r| r.delete_app_password(user.id, id)).await?;
    if !deleted {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to("/me/account").into_response())
}

#[derive(Deserialize)]
pub struct DeleteForm {
    password: String,
}

/// Deletes the account once its password is confirmed, and signs out.
pub async fn delete_account(
    State(state): State<AppState>,
    visitor: Visitor,
    jar: CookieJar,
    Form(form): Form<DeleteForm>,
) -> Result<Response, WebError> {
    let user = visitor.user.ok_or(WebError::Unauthorized)?;
    let name = user.username.clone();
    let found = blocking_community(&state, move |c| c.user_for_login(&name)).await?;
    let hash = found.filter(|(u, _)| u.id == user.id).map(|(_, h)| h);
    let typed = form.password.chars().take(MAX_PASSWORD).collect::<String>();
    let ok = state
        .hashing
        .run(move || password::verify(&typed, hash.as_deref()))
        .await?;
    if !ok {
        return Err(WebError::Forbidden(
            "That is not your password: the account was not deleted.",
        ));
    }
    blocking_reading(&state, move |r| r.delete_user(user.id)).await?;
    let body = html! {
        h1 { "Account deleted" }
        p { "Your account and everything that was yours on it are gone." }
        p { a href="/" { "Back to the news" } }
    };
    let page = layout::page(
        &Visitor {
            user: None,
            csrf: String::new(),
        },
        "Account deleted",
        body,
    );
    Ok((jar.add(session_cookie(None, state.secure_cookies)), page).into_response())
}
