//! Who is asking, and proof that a form came from our own page.
//!
//! Sessions: a random token in an HttpOnly, SameSite=Lax cookie (Secure
//! when the site is served over https); the store keeps only its SHA-256,
//! so a leaked database does not leak live sessions.
//!
//! CSRF, checked by [`verify_csrf`] on every form post before any handler
//! runs, so no form can forget it:
//! - A signed-in reader's forms carry a token derived from their session
//!   token, which lives only in an HttpOnly cookie. A page elsewhere on the
//!   same host can plant cookies, but cannot learn the session, so it cannot
//!   compute the token.
//! - Anonymous forms (login, registration) carry the value of a random
//!   `nd_csrf` cookie (SameSite=Strict): a planted cookie can pass this, so
//! - as defence in depth, a browser's own word on where a post comes from
//!   (`Sec-Fetch-Site`, `Origin`) must name this site.

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
/// Keeps the session-bound form token apart from any other hash of the session token.
const CSRF_DOMAIN: &[u8] = b"newsdesk form token v1\0";
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
    Ok(hex(&bytes))
}

pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Lowercase hex, for tokens, hashes and signatures.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Ensures the visitor has a CSRF cookie and refuses form posts from
/// elsewhere or without the token their session expects.
pub async fn verify_csrf(State(state): State<AppState>, jar: CookieJar, req: Request, next: Next) -> Response {
    let (visitor_cookie, fresh) = match jar.get(CSRF_COOKIE).map(|c| c.value().to_string()) {
        Some(t) if t.len() == 64 => (t, false),
        _ => match random_token() {
            Ok(t) => (t, true),
            Err(e) => return e.into_response(),
        },
    };
    let session = jar.get(SESSION_COOKIE).map(|c| c.value()).filter(|t| !t.is_empty());
    let token = match session {
        Some(session) => session_form_token(session),
        None => visitor_cookie.clone(),
    };
    let mut req = req;
    if req.method() == Method::POST {
        if from_elsewhere(&req, state.server.public_url.as_deref()) {
            return WebError::Forbidden("This form was sent from another site.").into_response();
        }
        req = match check_form(req, &token).await {
            Ok(req) => req,
            Err(e) => return e.into_response(),
        };
    }
    req.extensions_mut().insert(CsrfToken(token));
    let mut response = next.run(req).await;
    if fresh {
        let cookie = Cookie::build((CSRF_COOKIE, visitor_cookie))
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

/// The form token of a signed-in session: a hash of its secret token.
fn session_form_token(session: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(CSRF_DOMAIN);
    hasher.update(session.as_bytes());
    hex(&hasher.finalize())
}

/// Whether the browser says the post comes from another origin.
/// `Sec-Fetch-Site` decides where sent. Otherwise `Origin` must name this
/// site, except "null", which browsers also send for our own forms under
/// our `no-referrer` policy; clients that send neither (old browsers,
/// scripts) are judged by the token alone.
fn from_elsewhere(req: &Request, public_origin: Option<&str>) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let origin = match headers.get(header::ORIGIN).map(HeaderValue::to_str) {
        None | Some(Ok("null")) => return false,
        Some(origin) => origin.ok().and_then(|o| url::Url::parse(o).ok()),
    };
    let Some(origin) = origin else {
        return true;
    };
    match public_origin {
        Some(public) => url::Url::parse(public).map_or(true, |p| p.origin() != origin.origin()),
        None => request_host(req).is_none_or(|host| !host.eq_ignore_ascii_case(&authority_of(&origin))),
    }
}

/// The host the client asked for: HTTP/2's authority, else the Host header.
fn request_host(req: &Request) -> Option<String> {
    let authority = req.uri().authority().map(|a| a.as_str().to_string());
    authority.or_else(|| {
        req.headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(String::from)
    })
}

/// `host[:port]` as a Host header carries it (no port when it is the scheme's default).
fn authority_of(url: &url::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        _ => String::new(),
    }
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
