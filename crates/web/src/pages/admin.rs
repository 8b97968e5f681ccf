//! The admins' feed page: subscriptions with their health, add, remove,
//! OPML import and export.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use maud::{html, Markup};
use serde::Deserialize;

use super::{layout, store_call};
use crate::session::Visitor;
use crate::{timefmt, AppState, WebError};

fn require_admin(visitor: &Visitor) -> Result<(), WebError> {
    match &visitor.user {
        Some(u) if u.role.is_admin() => Ok(()),
        Some(_) => Err(WebError::Forbidden("Only admins can manage feeds.")),
        None => Err(WebError::Unauthorized),
    }
}

pub async fn feeds(State(state): State<AppState>, visitor: Visitor) -> Result<Markup, WebError> {
    require_admin(&visitor)?;
    feeds_page(&state, &visitor, None).await
}

async fn feeds_page(state: &AppState, visitor: &Visitor, notice: Option<String>) -> Result<Markup, WebError> {
    let (sources, feeds) = store_call(state, |s| Ok((s.sources()?, s.feeds()?))).await?;
    let now = Utc::now();
    let csrf = layout::csrf_field(visitor);
    let body = html! {
        h1 { "Feeds" }
        @if let Some(n) = &notice { p.notice role="status" { (n) } }
        form.stacked method="post" action="/admin/feeds/add" {
            (csrf)
            label for="feed-url" { "Feed or site URL" }
            input #feed-url name="url" type="url" required;
            label for="feed-source" { "Source name (optional)" }
            input #feed-source name="source";
            button type="submit" { "Add feed" }
        }
        table.queue {
            thead { tr { th { "Feed" } th { "Source" } th { "Health" } th { "" } } }
            tbody {
                @for f in &feeds {
                    tr {
                        td { code { (f.url) } }
                        td { (sources.iter().find(|s| s.id == f.source_id).map_or("?", |s| s.name.as_str())) }
                        td {
                            @match (&f.last_error, f.last_checked_at) {
                                (Some(e), _) => span.error { "failing (" (f.error_count) "×): " (e) },
                                (None, Some(t)) => { "ok, checked " (timefmt::relative(t, now)) },
                                (None, None) => "not checked yet",
                            }
                        }
                        td {
                            form.inline method="post" action="/admin/feeds/remove" {
                                (csrf)
                                input type="hidden" name="url" value=(f.url);
                                button type="submit" { "Remove" }
                            }
                        }
                    }
                }
            }
        }
        h2 { "OPML" }
        p { a href="/admin/feeds.opml" download="newsdesk.opml" { "Export subscriptions as OPML" } }
        form.stacked method="post" action="/admin/feeds/import" {
            (csrf)
            label for="opml" { "Paste an OPML document to import" }
            textarea #opml name="opml" rows="6" required {}
            button type="submit" { "Import" }
        }
    };
    Ok(layout::page(visitor, "Feeds", body))
}

#[derive(Deserialize)]
pub struct AddForm {
    url: String,
    source: Option<String>,
}

pub async fn add(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<AddForm>,
) -> Result<Markup, WebError> {
    require_admin(&visitor)?;
    let source = form.source.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let notice = match state.admin.add_feed(form.url.trim().to_string(), source).await {
        Ok(url) => format!("Subscribed to {url}."),
        Err(e) => format!("Could not add that feed: {e}"),
    };
    feeds_page(&state, &visitor, Some(notice)).await
}

#[derive(Deserialize)]
pub struct RemoveForm {
    url: String,
}

pub async fn remove(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<RemoveForm>,
) -> Result<Redirect, WebError> {
    require_admin(&visitor)?;
    store_call(&state, move |s| s.remove_feed(&form.url)).await?;
    Ok(Redirect::to("/admin/feeds"))
}

#[derive(Deserialize)]
pub struct ImportForm {
    opml: String,
}

pub async fn import(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<ImportForm>,
) -> Result<Markup, WebError> {
    require_admin(&visitor)?;
    let notice = match state.admin.import_opml(form.opml).await {
        Ok(n) => format!("Imported {n} feeds."),
        Err(e) => format!("Could not import: {e}"),
    };
    feeds_page(&state, &visitor, Some(notice)).await
}

pub async fn export(State(state): State<AppState>, visitor: Visitor) -> Result<Response, WebError> {
    require_admin(&visitor)?;
    let xml = state.admin.export_opml().await.map_err(WebError::Unavailable)?;
    Ok(([(header::CONTENT_TYPE, "text/x-opml; charset=utf-8")], xml).into_response())
}
