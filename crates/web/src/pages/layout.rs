//! The page frame shared by every page: header with the site name, site
//! navigation, search box and account links; main landmark; footer.

use maud::{html, Markup, DOCTYPE};
use newsdesk_domain::Section;

use crate::session::{Visitor, CSRF_FIELD};

/// A full page for `visitor`.
pub fn page(visitor: &Visitor, title: &str, body: Markup) -> Markup {
    frame(title, account_nav(visitor), body)
}

/// A page without account links, for errors raised before we know who asks.
pub fn bare_page(title: &str, body: Markup) -> Markup {
    frame(title, html! {}, body)
}

fn frame(title: &str, account: Markup, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · newsdesk" }
                link rel="stylesheet" href="/static/style.css";
                link rel="alternate" type="application/atom+xml" title="Top stories" href="/feeds/top.atom";
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    a.brand href="/" { "newsdesk" }
                    nav aria-label="Site" {
                        a href="/" { "Latest" }
                        a href="/sources" { "Sources" }
                    }
                    form.search method="get" action="/search" role="search" {
                        label.visually-hidden for="site-search" { "Search articles" }
                        input #site-search type="search" name="q" placeholder="Search";
                    }
                    (account)
                    nav.sections aria-label="Sections" {
                        @for section in Section::ALL {
                            a href={ "/section/" (section.as_str()) } { (section.label()) }
                        }
                    }
                }
                main #main { (body) }
                footer.site {
                    p { "Articles belong to their publishers; every page links to the original." }
                }
            }
        }
    }
}

fn account_nav(visitor: &Visitor) -> Markup {
    html! {
        nav.account aria-label="Account" {
            @match &visitor.user {
                Some(user) => {
                    a href="/for-you" { "For you" }
                    a href="/me/saved" { "Saved" }
                    a href="/me/account" { (user.username) }
                    @if user.role.can_moderate() { a href="/moderation" { "Moderation" } }
                    @if user.role.is_admin() { a href="/admin/feeds" { "Feeds" } }
                    form.inline method="post" action="/logout" {
                        (csrf_field(visitor))
                        button.link type="submit" { "Log out" }
                    }
                }
                None => {
                    a href="/login" { "Log in" }
                    a href="/register" { "Register" }
                }
            }
        }
    }
}

/// The hidden field every form must carry.
pub fn csrf_field(visitor: &Visitor) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf); }
}

pub fn message(text: &str) -> Markup {
    html! { p.message { (text) } }
}
