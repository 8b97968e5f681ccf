//! The page frame shared by every page: header with the site name, main
//! landmark, footer.

use maud::{html, Markup, DOCTYPE};

pub fn page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · newsdesk" }
                link rel="stylesheet" href="/static/style.css";
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    a.brand href="/" { "newsdesk" }
                    nav aria-label="Site" {
                        a href="/" { "Latest" }
                        a href="/sources" { "Sources" }
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

pub fn message(text: &str) -> Markup {
    html! { p.message { (text) } }
}
