//! Registration, login, logout and "my comments".

use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::CookieJar;
use chrono::Utc;
use maud::{html, Markup};
use newsdesk_domain::{Role, User};
use newsdesk_store::Community;
use serde::Deserialize;

use super::{blocking_community, layout};
use crate::password::{self, MAX_PASSWORD, MIN_PASSWORD};
use crate::session::{random_token, session_cookie, token_hash, Visitor, SESSION_COOKIE};
use crate::{timefmt, AppState, ClientIp, WebError};

const SESSION_DAYS: i64 = 30;
/// How long failed logins are remembered.
const LOGIN_WINDOW: Duration = Duration::from_secs(600);
/// Login attempts per client network per window, any account.
const LOGIN_ATTEMPTS_PER_CLIENT: usize = 20;
/// Failed logins per account per client network per window. Counted per
/// client, so a stranger's failures never lock the owner out.
const LOGIN_FAILURES_PER_ACCOUNT: usize = 10;

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn login_form(visitor: Visitor, Query(q): Query<Next>) -> Markup {
    credentials_page(&visitor, "Log in", "/login", q.next.as_deref(), None)
}

pub async fn register_form(visitor: Visitor) -> Markup {
    credentials_page(&visitor, "Register", "/register", None, None)
}

fn credentials_page(visitor: &Visitor, title: &str, action: &str, next: Option<&str>, error: Option<&str>) -> Markup {
    let body = html! {
        h1 { (title) }
        @if let Some(error) = error { p.error role="alert" { (error) } }
        form.stacked method="post" action=(action) {
            (layout::csrf_field(visitor))
            @if let Some(next) = next { input type="hidden" name="next" value=(next); }
            label for="username" { "Username" }
            input #username name="username" required autocomplete="username" minlength="3" maxlength="32";
            label for="password" { "Password" }
            input #password name="password" type="password" required minlength=(MIN_PASSWORD)
                autocomplete=(if action == "/register" { "new-password" } else { "current-password" });
            button type="submit" { (title) }
        }
        @if action == "/login" { p { "No account? " a href="/register" { "Register" } } }
    };
    layout::page(visitor, title, body)
}

/// Creates an account with `role` from the command line, under the rules
/// registration applies; the error says what to change.
pub fn create_account(community: &dyn Community, username: &str, password: &str, role: Role) -> Result<User, String> {
    let username = username.trim();
    if let Some(problem) = account_problem(username, password) {
        return Err(problem.into());
    }
    let hash = password::hash(password).map_err(|e| e.message())?;
    community
        .create_user(username, &hash, role, Utc::now())
        .map_err(|e| e.to_string())
}

/// What is wrong with a new account's name or password, if anything.
fn account_problem(username: &str, password: &str) -> Option<&'static str> {
    if !valid_username(username) {
        Some("Usernames are 3 to 32 letters, digits, '.', '-' or '_'.")
    } else {
        password::weakness(password)
    }
}

fn valid_username(name: &str) -> bool {
    (3..=32).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

pub async fn register(
    State(state): State<AppState>,
    visitor: Visitor,
    ip: ClientIp,
    jar: CookieJar,
    Form(form): Form<Credentials>,
) -> Result<Response, WebError> {
    if !state
        .limits
        .allow(&format!("register:{}", ip.limit_key()), 5, Duration::from_secs(3600))
    {
        return Err(WebError::TooMany(
            "Too many new accounts from your address. Try again later.",
        ));
    }
    let username = form.username.trim().to_string();
    if let Some(error) = account_problem(&username, &form.password) {
        return Ok(credentials_page(&visitor, "Register", "/register", None, Some(error)).into_response());
    }
    let hash = state.hashing.run(move || password::hash(&form.password)).await??;
    let name = username.clone();
    let created = blocking_community(&state, move |c| c.create_user(&name, &hash, Role::Reader, Utc::now())).await;
    match created {
        Ok(user) => start_session(&state, jar, user.id, "/").await,
        Err(WebError::BadRequest(message)) => {
            Ok(credentials_page(&visitor, "Register", "/register", None, Some(&message)).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn login(
    State(state): State<AppState>,
    visitor: Visitor,
    ip: ClientIp,
    jar: CookieJar,
    Form(form): Form<Credentials>,
) -> Result<Response, WebError> {
    let username = form.username.trim().to_lowercase();
    let client = ip.limit_key();
    let failures = format!("login-failed:{username}:{client}");
    if !state
        .limits
        .allow(&format!("login:{client}"), LOGIN_ATTEMPTS_PER_CLIENT, LOGIN_WINDOW)
        || state.limits.full(&failures, LOGIN_FAILURES_PER_ACCOUNT, LOGIN_WINDOW)
    {
        return Err(WebError::TooMany(
            "Too many login attempts. Wait a few minutes and try again.",
        ));
    }
    let to = local_path(form.next.as_deref());
    let name = username.clone();
    let found = blocking_community(&state, move |c| c.user_for_login(&name)).await?;
    let password = form.password.chars().take(MAX_PASSWORD).collect::<String>();
    let (user, hash) = found.unzip();
    let ok = state
        .hashing
        .run(move || password::verify(&password, hash.as_deref()))
        .await?;
    match user.filter(|_| ok) {
        Some(user) => start_session(&state, jar, user.id, &to).await,
        None => {
            state.limits.allow(&failures, LOGIN_FAILURES_PER_ACCOUNT, LOGIN_WINDOW);
            let page = credentials_page(
                &visitor,
                "Log in",
                "/login",
                form.next.as_deref(),
                Some("Wrong username or password."),
            );
            Ok((axum::http::StatusCode::UNAUTHORIZED, page).into_response())
        }
    }
}

/// Only same-site paths, so a crafted `next` cannot send the reader
/// elsewhere. Browsers drop tabs and line breaks from a URL and read `\` as
/// `/`, so a path holding any of them, or any other control or space, is
/// refused rather than cleaned.
pub(crate) fn local_path(next: Option<&str>) -> String {
    let plain = |p: &str| !p.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && plain(p) => p.to_string(),
        _ => "/".to_string(),
    }
}

async fn start_session(
    state: &AppState,
    jar: CookieJar,
    user: newsdesk_domain::UserId,
    to: &str,
) -> Result<Response, WebError> {
    let token = random_token()?;
    let hash = token_hash(&token);
    let expires = Utc::now() + chrono::Duration::days(SESSION_DAYS);
    blocking_community(state, move |c| c.create_session(&hash, user, Utc::now(), expires)).await?;
    let mut cookie = session_cookie(Some(token), state.secure_cookies);
    cookie.set_max_age(time::Duration::days(SESSION_DAYS));
    Ok((jar.add(cookie), Redirect::to(to)).into_response())
}

pub async fn logout(State(state): State<AppState>, jar: CookieJar) -> Result<Response, WebError> {
    if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) {
        let hash = token_hash(&token);
        blocking_community(&state, move |c| c.delete_session(&hash)).await?;
    }
    Ok((jar.add(session_cookie(None, state.secure_cookies)), Redirect::to("/")).into_response())
}

pub async fn my_comments(State(state): State<AppState>, visitor: Visitor) -> Result<Response, WebError> {
    let Some(user) = visitor.user.clone() else {
        return Ok(Redirect::to("/login?next=/me/comments").into_response());
    };
    let comments = blocking_community(&state, move |c| c.comments_of_user(user.id, 200)).await?;
    let now = Utc::now();
    let body = html! {
        h1 { "Your comments" }
        @if comments.is_empty() { (layout::message("You have not commented yet.")) }
        ul.my-comments {
            @for item in &comments {
                li {
                    a href={ "/article/" (item.comment.article_id.0) "#comment-" (item.comment.id.0) } { (item.article_title) }
                    " · " (timefmt::relative(item.comment.created_at, now))
                    @if item.comment.hidden { " · " span.error { "hidden by a moderator" } }
                    p { @if item.comment.deleted { em { "[deleted]" } } @else { (item.comment.body) } }
                }
            }
        }
    };
    Ok(layout::page(&visitor, "Your comments", body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_only_followed_within_the_site() {
        assert_eq!(local_path(Some("/article/3")), "/article/3");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(
            local_path(Some("/\t/evil.example/x")),
            "/",
            "a tab vanishes in the browser"
        );
        assert_eq!(local_path(Some("/a\r\nSet-Cookie: x=1")), "/");
        assert_eq!(local_path(Some("/a\0b")), "/");
        assert_eq!(local_path(Some("/search?q=a%20b")), "/search?q=a%20b");
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn usernames_are_plain() {
        assert!(valid_username("ada_l.ovelace-1"));
        assert!(!valid_username("ab"));
        assert!(!valid_username("<script>"));
        assert!(!valid_username("名前名前"));
    }
}
