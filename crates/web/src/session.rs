//! Who is asking, and proof that a form came from our own page.
//!
//! Sessions: a random token in an HttpOnly, SameSite=Lax cookie (Secure
//! when the site is served over https); the store keeps only its SHA-256,
//! so a leaked database does not leak live sessions.
//!
//! CSRF: every visitor gets a random `nd_csrf` cookie (SameSite=Strict) and
//! every form carries the same value in a hidden field. [`verify_csrf`]
//! refuses any form post whose field does not match the cookie, before any
//! handler runs, so no form can forget the check. A cross-site page can
//! neither read nor set our cookie, so it cannot forge the field.

use axum::body::{to_bytes, Body};
use axum::extract::{FromRef, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Utc;
use newsdesk_domain::User;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{AppState, WebError};

pub const SESSION_COOKIE: &str = "nd_session";
const CSRF_COOKIE: &str = "nd_csrf";
pub const CSRF_FIELD: &str = "csrf";
/// Form posts are small; anything bigger is refused before parsing.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// The visitor: signed-in user (if any) and the CSRF token for their forms.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub user: Option<User>,
    pub csrf: String,
}

/// The CSRF token of this request, put in the request by [`verify_csrf`].
#[derive(Debug, Clone)]
struct CsrfToken(String);

/// 32 random bytes, hex-encoded.
pub fn random_token() -> Result<String, WebError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| WebError::Unavailable(format!("no randomness: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Ensures the visitor has a CSRF cookie and refuses form posts without
/// the matching field.
pub async fn verify_csrf(State(state): State<AppState>, jar: CookieJar, req: Request, next: Next) -> Response {
    let (cookie_token, fresh) = match jar.get(CSRF_COOKIE).map(|c| c.value().to_string()) {
        Some(t) if t.len() == 64 => (t, false),
        _ => match random_token() {
            Ok(t) => (t, true),
            Err(e) => return e.into_response(),
        },
    };
    let req = if req.method() == Method::POST {
        match check_form(req, &cookie_token).await {
            Ok(req) => req,
            Err(e) => return e.into_response(),
        }
    } else {
        req
    };
    let mut req = req;
    req.extensions_mut().insert(CsrfToken(cookie_token.clone()));
    let mut response = next.run(req).await;
    if fresh {
        let cookie = Cookie::build((CSRF_COOKIE, cookie_token))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(state.secure_cookies)
            .build();
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Reads the form body, checks its CSRF field, and hands the body back.
async fn check_form(req: Request, expected: &str) -> Result<Request, WebError> {
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| WebError::BadRequest("form too large".into()))?;
    let sent = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.into_owned());
    let valid = sent.is_some_and(|s| s.as_bytes().ct_eq(expected.as_bytes()).into());
    if !valid {
        return Err(WebError::Forbidden(
            "This form has expired or did not come from this site. Reload the page and try again.",
        ));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

impl<S> FromRequestParts<S> for Visitor
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) else {
            return Ok(Visitor { user: None, csrf });
        };
        let community = state.community.clone();
        let user = tokio::task::spawn_blocking(move || community.session_user(&token_hash(&token), Utc::now()))
            .await
            .map_err(|e| WebError::Unavailable(format!("session lookup failed: {e}")))??;
        Ok(Visitor { user, csrf })
    }
}

/// A session cookie for `token`, or its removal when `token` is `None`.
pub fn session_cookie(token: Option<String>, secure: bool) -> Cookie<'static> {
    let mut cookie = Cookie::build((SESSION_COOKIE, token.clone().unwrap_or_default()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build();
    if token.is_none() {
        cookie.make_removal();
    }
    cookie
}
