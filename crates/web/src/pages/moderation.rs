//! The moderators' queue: reported comments, most reported first.

use axum::extract::State;
use chrono::Utc;
use maud::{html, Markup};

use super::{blocking_community, layout};
use crate::session::Visitor;
use crate::{timefmt, AppState, WebError};

pub async fn queue(State(state): State<AppState>, visitor: Visitor) -> Result<Markup, WebError> {
    let user = visitor.user.as_ref().ok_or(WebError::Unauthorized)?;
    if !user.role.can_moderate() {
        return Err(WebError::Forbidden("Only moderators can see the moderation queue."));
    }
    let reported = blocking_community(&state, |c| c.reported_comments(200)).await?;
    let now = Utc::now();
    let body = html! {
        h1 { "Moderation" }
        @if reported.is_empty() { (layout::message("No reported comments.")) }
        table.queue {
            thead { tr { th { "Reports" } th { "Comment" } th { "On" } th { "Action" } } }
            tbody {
                @for item in &reported {
                    @let c = &item.comment;
                    tr {
                        td { (c.reports) }
                        td {
                            strong { (c.username) } " · " (timefmt::relative(c.created_at, now)) br;
                            @if c.deleted { em { "[deleted]" } } @else { (c.body) }
                        }
                        td { a href={ "/article/" (c.article_id.0) "#comment-" (c.id.0) } { (item.article_title) } }
                        td {
                            form.inline method="post" action={ "/comments/" (c.id.0) "/hide" } {
                                (layout::csrf_field(&visitor))
                                input type="hidden" name="hidden" value=(if c.hidden { "0" } else { "1" });
                                button type="submit" { @if c.hidden { "Unhide" } @else { "Hide" } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(&visitor, "Moderation", body))
}
