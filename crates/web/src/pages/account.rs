//! Registration, login, logout and "my comments".

use std::sync::OnceLock;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::CookieJar;
use chrono::Utc;
use maud::{html, Markup};
use serde::Deserialize;

use super::{blocking_community, layout};
use crate::session::{random_token, session_cookie, token_hash, Visitor, SESSION_COOKIE};
use crate::{timefmt, AppState, ClientIp, WebError};

const SESSION_DAYS: i64 = 30;
const MIN_PASSWORD: usize = 10;
/// Argon2 on a megabyte password is a denial of service; nobody types more.
const MAX_PASSWORD: usize = 1024;

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

fn valid_username(name: &str) -> bool {
    (3..=32).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

pub async fn register(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    Form(form): Form<Credentials>,
) -> Result<Response, WebError> {
    if !state
        .limits
        .allow(&format!("register:{ip}"), 5, Duration::from_secs(3600))
    {
        return Err(WebError::TooMany(
            "Too many new accounts from your address. Try again later.",
        ));
    }
    let username = form.username.trim().to_string();
    let error = if !valid_username(&username) {
        Some("Usernames are 3 to 32 letters, digits, '.', '-' or '_'.")
    } else if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&form.password.chars().count()) {
        Some("Passwords need at least 10 characters.")
    } else {
        None
    };
    if let Some(error) = error {
        return Ok(credentials_page(&visitor, "Register", "/register", None, Some(error)).into_response());
    }
    let hash = hash_password(form.password).await?;
    let name = username.clone();
    let created = blocking_community(&state, move |c| c.create_user(&name, &hash, Utc::now())).await;
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
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    Form(form): Form<Credentials>,
) -> Result<Response, WebError> {
    let username = form.username.trim().to_lowercase();
    let window = Duration::from_secs(600);
    if !state.limits.allow(&format!("login-ip:{ip}"), 20, window)
        || !state.limits.allow(&format!("login-user:{username}"), 10, window)
    {
        return Err(WebError::TooMany(
            "Too many login attempts. Wait a few minutes and try again.",
        ));
    }
    let name = username.clone();
    let found = blocking_community(&state, move |c| c.user_for_login(&name)).await?;
    let password = form.password.chars().take(MAX_PASSWORD).collect::<String>();
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, dummy_hash().to_string()),
    };
    // Verify even for unknown users, so timing does not reveal which names exist.
    let ok = verify_password(password, hash).await? && user.is_some();
    match user.filter(|_| ok) {
        Some(user) => start_session(&state, jar, user.id, &local_path(form.next.as_deref())).await,
        None => {
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

/// Only same-site paths, so a crafted `next` cannot send the reader elsewhere.
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_string(),
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
    blocking_community(state, move |c| c.create_session(&hash, user, expires)).await?;
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

async fn hash_password(password: String) -> Result<String, WebError> {
    let salt = new_salt()?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|e| WebError::Unavailable(e.to_string()))?
    .map_err(|e| WebError::Unavailable(format!("hashing failed: {e}")))
}

async fn verify_password(password: String, hash: String) -> Result<bool, WebError> {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(|e| WebError::Unavailable(e.to_string()))
}

fn new_salt() -> Result<SaltString, WebError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| WebError::Unavailable(format!("no randomness: {e}")))?;
    SaltString::encode_b64(&bytes).map_err(|e| WebError::Unavailable(format!("salt: {e}")))
}

/// An argon2id hash of nothing anyone knows, for unknown usernames.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let hash = |salt: SaltString| {
            Argon2::default()
                .hash_password(b"no such user", &salt)
                .map(|h| h.to_string())
        };
        new_salt().ok().and_then(|salt| hash(salt).ok()).unwrap_or_default()
    })
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
