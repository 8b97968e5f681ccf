//! Comments on an article: threaded display, posting, replying, editing
//! and deleting one's own (within a window), reporting, and hiding by
//! moderators. All of it works with plain HTML forms.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::Form;
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use newsdesk_domain::{ArticleId, Comment, CommentId, User};
use newsdesk_store::NewComment;
use serde::Deserialize;

use super::{blocking_community, layout};
use crate::session::Visitor;
use crate::{timefmt, AppState, ClientIp, WebError};

/// Authors may edit or delete a comment this long after posting it.
pub const EDIT_WINDOW: chrono::Duration = chrono::Duration::minutes(15);
const MAX_BODY_CHARS: usize = 5_000;
/// Deeper replies are shown at this depth, so a long chain cannot nest forever.
const MAX_DEPTH: usize = 6;
/// More links than this reads as spam.
const MAX_LINKS: usize = 2;

/// The comments section of an article page.
pub fn section(visitor: &Visitor, article: ArticleId, comments: &[Comment], now: DateTime<Utc>) -> Markup {
    let mut children: HashMap<Option<CommentId>, Vec<&Comment>> = HashMap::new();
    for c in comments {
        children.entry(c.parent_id).or_default().push(c);
    }
    let view = ThreadView {
        visitor,
        article,
        children: &children,
        now,
    };
    html! {
        section.comments aria-labelledby="comments-heading" {
            h2 #comments-heading { "Comments" }
            @if comments.is_empty() { p.message { "No comments yet..." } }
            (view.thread(None, 0))
            @match &visitor.user {
                Some(_) => (comment_form(visitor, article, None, "Post comment")),
                None => p { a href={ "/login?next=/article/" (article.0) "%23comments-heading" } { "Log in" } " to comment." },
            }
        }
    }
}

struct ThreadView<'a> {
    visitor: &'a Visitor,
    article: ArticleId,
    children: &'a HashMap<Option<CommentId>, Vec<&'a Comment>>,
    now: DateTime<Utc>,
}

impl ThreadView<'_> {
    fn thread(&self, parent: Option<CommentId>, depth: usize) -> Markup {
        let Some(kids) = self.children.get(&parent) else {
            return html! {};
        };
        html! {
            ol.thread {
                @for c in kids {
                    li #{ "comment-" (c.id.0) } {
                        (self.one(c))
                        @if depth < MAX_DEPTH { (self.thread(Some(c.id), depth + 1)) }
                    }
                    @if depth >= MAX_DEPTH { (self.thread(Some(c.id), depth)) }
                }
            }
        }
    }

    fn one(&self, c: &Comment) -> Markup {
        let user = self.visitor.user.as_ref();
        let moderator = user.is_some_and(|u| u.role.can_moderate());
        html! {
            article.comment {
                p.meta {
                    strong { (c.username) } " · "
                    time datetime=(c.created_at.to_rfc3339()) { (timefmt::relative(c.created_at, self.now)) }
                    @if c.edited_at.is_some() { " · edited" }
                    @if c.hidden && moderator { " · " span.error { "hidden" } }
                }
                @if c.deleted { p.message { "[deleted]" } }
                @else if c.hidden && !moderator { p.message { "This comment was hidden by a moderator." } }
                @else { @for para in c.body.split("\n\n") { p { (para) } } }
                @if !c.deleted { (self.actions(c, user, moderator)) }
            }
        }
    }

    fn actions(&self, c: &Comment, user: Option<&User>, moderator: bool) -> Markup {
        let Some(user) = user else { return html! {} };
        let own = user.id == c.user_id;
        let v = self.visitor;
        html! {
            div.actions {
                details { summary { "Reply" } (comment_form(v, self.article, Some(c.id), "Post reply")) }
                @if own && can_still_edit(c, self.now) {
                    details {
                        summary { "Edit" }
                        form.stacked method="post" action={ "/comments/" (c.id.0) "/edit" } {
                            (layout::csrf_field(v))
                            label for={ "edit-" (c.id.0) } { "Your comment" }
                            textarea #{ "edit-" (c.id.0) } name="body" required maxlength=(MAX_BODY_CHARS) { (c.body) }
                            button type="submit" { "Save" }
                        }
                    }
                    (small_form(v, c.id, "delete", "Delete", None))
                }
                @if !own { (small_form(v, c.id, "report", "Report", Some(("reason", "Reported by a reader")))) }
                @if moderator {
                    @let (label, value) = if c.hidden { ("Unhide", "0") } else { ("Hide", "1") };
                    (small_form(v, c.id, "hide", label, Some(("hidden", value))))
                }
            }
        }
    }
}

fn small_form(v: &Visitor, id: CommentId, action: &str, label: &str, field: Option<(&str, &str)>) -> Markup {
    html! {
        form.inline method="post" action={ "/comments/" (id.0) "/" (action) } {
            (layout::csrf_field(v))
            @if let Some((name, value)) = field { input type="hidden" name=(name) value=(value); }
            button.link type="submit" { (label) }
        }
    }
}

fn comment_form(v: &Visitor, article: ArticleId, parent: Option<CommentId>, label: &str) -> Markup {
    let id = format!("comment-body-{}", parent.map_or(0, |p| p.0));
    html! {
        form.stacked method="post" action={ "/article/" (article.0) "/comments" } {
            (layout::csrf_field(v))
            @if let Some(p) = parent { input type="hidden" name="parent" value=(p.0); }
            label for=(id) { @if parent.is_some() { "Your reply" } @else { "Your comment" } }
            textarea #(id) name="body" required maxlength=(MAX_BODY_CHARS) rows="4" {}
            button type="submit" { (label) }
        }
    }
}

fn can_still_edit(c: &Comment, now: DateTime<Utc>) -> bool {
    now - c.created_at <= EDIT_WINDOW
}

#[derive(Deserialize)]
pub struct CommentForm {
    body: String,
    parent: Option<i64>,
}

/// Why a comment is refused, or its cleaned body.
fn clean_body(body: &str) -> Result<String, WebError> {
    let body = body.replace("\r\n", "\n").trim().to_string();
    if body.is_empty() {
        return Err(WebError::BadRequest("A comment cannot be empty.".into()));
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(WebError::BadRequest(format!(
            "Comments are limited to {MAX_BODY_CHARS} characters."
        )));
    }
    let lower = body.to_lowercase();
    let links = ["http://", "https://", "www."]
        .iter()
        .map(|p| lower.matches(p).count())
        .sum::<usize>();
    if links > MAX_LINKS {
        return Err(WebError::BadRequest("Comments may carry at most two links.".into()));
    }
    Ok(body)
}

fn signed_in(visitor: &Visitor) -> Result<&User, WebError> {
    visitor.user.as_ref().ok_or(WebError::Unauthorized)
}

pub async fn post(
    State(state): State<AppState>,
    visitor: Visitor,
    ip: ClientIp,
    Path(article): Path<i64>,
    Form(form): Form<CommentForm>,
) -> Result<Redirect, WebError> {
    let user = signed_in(&visitor)?.clone();
    let body = clean_body(&form.body)?;
    let window = Duration::from_secs(600);
    if !state.limits.allow(&format!("comment-user:{}", user.id.0), 10, window)
        || !state
            .limits
            .allow(&format!("comment-ip:{}", ip.limit_key()), 30, window)
    {
        return Err(WebError::TooMany("You are commenting too fast. Wait a few minutes."));
    }
    let new = NewComment {
        article_id: ArticleId(article),
        user_id: user.id,
        parent_id: form.parent.map(CommentId),
        body,
        at: Utc::now(),
    };
    let comment = blocking_community(&state, move |c| {
        let since = new.at - chrono::Duration::days(1);
        let recent = c.comments_of_user(new.user_id, 50)?;
        if recent
            .iter()
            .any(|r| r.comment.created_at > since && r.comment.body == new.body)
        {
            return Err(newsdesk_store::StoreError::Invalid(
                "You already posted this comment.".into(),
            ));
        }
        c.add_comment(&new)
    })
    .await?;
    Ok(Redirect::to(&format!("/article/{article}#comment-{}", comment.id.0)))
}

/// Loads a comment and checks the visitor may change it.
async fn own_editable(state: &AppState, visitor: &Visitor, id: i64) -> Result<Comment, WebError> {
    let user = signed_in(visitor)?.clone();
    let comment = blocking_community(state, move |c| c.comment(CommentId(id)))
        .await?
        .ok_or(WebError::NotFound)?;
    if comment.user_id != user.id {
        return Err(WebError::Forbidden("You can only change your own comments."));
    }
    if !can_still_edit(&comment, Utc::now()) || comment.deleted {
        return Err(WebError::Forbidden(
            "Comments can only be changed in the first 15 minutes.",
        ));
    }
    Ok(comment)
}

fn back_to(c: &Comment) -> Redirect {
    Redirect::to(&format!("/article/{}#comment-{}", c.article_id.0, c.id.0))
}

#[derive(Deserialize)]
pub struct EditForm {
    body: String,
}

pub async fn edit(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<EditForm>,
) -> Result<Redirect, WebError> {
    let comment = own_editable(&state, &visitor, id).await?;
    let body = clean_body(&form.body)?;
    blocking_community(&state, move |c| c.edit_comment(CommentId(id), &body, Utc::now())).await?;
    Ok(back_to(&comment))
}

pub async fn delete(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
) -> Result<Redirect, WebError> {
    let comment = own_editable(&state, &visitor, id).await?;
    blocking_community(&state, move |c| c.delete_comment(CommentId(id))).await?;
    Ok(back_to(&comment))
}

#[derive(Deserialize)]
pub struct ReportForm {
    reason: Option<String>,
}

pub async fn report(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<ReportForm>,
) -> Result<Redirect, WebError> {
    let user = signed_in(&visitor)?.clone();
    if !state
        .limits
        .allow(&format!("report:{}", user.id.0), 20, Duration::from_secs(3600))
    {
        return Err(WebError::TooMany(
            "You have reported a lot recently. Thank you; try again later.",
        ));
    }
    let reason: String = form.reason.unwrap_or_default().chars().take(500).collect();
    let comment = blocking_community(&state, move |c| {
        c.report_comment(CommentId(id), user.id, &reason, Utc::now())?;
        c.comment(CommentId(id))
    })
    .await?
    .ok_or(WebError::NotFound)?;
    Ok(back_to(&comment))
}

#[derive(Deserialize)]
pub struct HideForm {
    hidden: String,
}

pub async fn hide(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<HideForm>,
) -> Result<Redirect, WebError> {
    if !signed_in(&visitor)?.role.can_moderate() {
        return Err(WebError::Forbidden("Only moderators can hide comments."));
    }
    let hidden = form.hidden == "1";
    let comment = blocking_community(&state, move |c| {
        c.set_comment_hidden(CommentId(id), hidden)?;
        c.comment(CommentId(id))
    })
    .await?
    .ok_or(WebError::NotFound)?;
    Ok(back_to(&comment))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_trimmed_bounded_and_link_limited() {
        assert_eq!(clean_body("  hi\r\nthere ").unwrap(), "hi\nthere");
        assert!(clean_body("   ").is_err());
        assert!(clean_body(&"x".repeat(MAX_BODY_CHARS + 1)).is_err());
        assert!(clean_body("see https://a.example and http://b.example").is_ok());
        assert!(clean_body("https://a.example http://b.example www.c.example").is_err());
    }
}
