//! Drops what the page header repeats at the top of the article body.
//!
//! Publishers print the headline, the byline, the date line ("Published
//! November 20th, 2019 - 07:29 GMT") and a reading time above the first
//! paragraph, inside the same container as the text. The metadata already
//! carries the headline, authors and time, so these lines are echoes. Only
//! blocks before the first paragraph of prose are looked at, and a date line
//! must name the page's own publication date, so a short subheading that
//! happens to hold a year is kept.

use chrono::{DateTime, Datelike, FixedOffset};

use crate::metadata::without_site_name;
use crate::segment::{lower_words, Block};

/// A block of more words than this is prose, not a header line.
const MAX_HEADER_WORDS: usize = 15;
/// Date lines are short: a weekday, the date, a time and a zone at most.
const MAX_DATE_LINE_WORDS: usize = 12;

/// What the metadata says the header holds.
pub struct Header<'a> {
    /// The headline's words, as the title gives it and without the site
    /// name titles often carry after it.
    headlines: Vec<Vec<String>>,
    byline: Option<&'a str>,
    published: Option<DateTime<FixedOffset>>,
}

/// Removes the header's echoes from the blocks before the first prose. The
/// headline itself may be long enough to pass for prose, so echoes are
/// removed as they are met.
pub fn drop_echoes(blocks: &mut Vec<Block>, header: &Header) {
    let mut past_header = false;
    blocks.retain(|b| {
        if past_header {
            return true;
        }
        let w = lower_words(&b.text);
        if header.echoes(&b.text, &w) {
            return false;
        }
        past_header = w.len() > MAX_HEADER_WORDS;
        true
    });
}

impl<'a> Header<'a> {
    pub fn new(
        title: Option<&str>,
        site_name: Option<&str>,
        byline: Option<&'a str>,
        published: Option<DateTime<FixedOffset>>,
    ) -> Header<'a> {
        let headlines = title
            .map(|t| vec![lower_words(t), lower_words(without_site_name(t, site_name))])
            .unwrap_or_default();
        Header {
            headlines,
            byline,
            published,
        }
    }

    /// Whether `text` is the headline.
    pub fn is_headline(&self, text: &str) -> bool {
        let w = lower_words(text);
        !w.is_empty() && self.headlines.contains(&w)
    }

    /// Whether `text`, whose lower-cased words are `w`, repeats the header.
    fn echoes(&self, text: &str, w: &[String]) -> bool {
        if w.is_empty() {
            return false;
        }
        if self.headlines.iter().any(|h| h == w) {
            return true;
        }
        w.len() <= MAX_HEADER_WORDS
            && (text.starts_with("By ")
                || text.starts_with("by ")
                || self.byline.is_some_and(|b| !b.is_empty() && text.contains(b))
                || self.is_date_line(w))
    }

    /// A short line naming the publication date: its year, its day (or the
    /// day beside it, as zones differ) and its month by name or number.
    fn is_date_line(&self, w: &[String]) -> bool {
        let Some(t) = self.published else { return false };
        if w.len() > MAX_DATE_LINE_WORDS {
            return false;
        }
        let year = t.year().to_string();
        let day = |d: u32| {
            let d = d.to_string();
            move |word: &String| word.strip_prefix(d.as_str()).is_some_and(is_ordinal_suffix)
        };
        let mut near_days = (t.day().saturating_sub(1)..=t.day() + 1).filter(|&d| d >= 1);
        let month = t.month0() as usize;
        w.contains(&year) && near_days.any(|d| w.iter().any(day(d))) && w.iter().any(|word| names_month(word, month))
    }
}

fn is_ordinal_suffix(rest: &str) -> bool {
    matches!(rest, "" | "st" | "nd" | "rd" | "th" | "er" | "e" | "o" | "º")
}

/// Whether `word` (lower-case) is month `m` (0-based) by name, short name or number.
fn names_month(word: &str, m: usize) -> bool {
    MONTHS
        .iter()
        .any(|names| names[m] == word || (names[m].len() > 3 && names[m].get(..3) == Some(word)))
        || word.parse::<usize>().is_ok_and(|n| n == m + 1)
}

/// Month names in the languages news pages most often print dates in.
const MONTHS: &[[&str; 12]] = &[
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ],
    [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    [
        "januar",
        "februar",
        "märz",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "dezember",
    ],
    [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    [
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ],
    [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ],
    [
        "januari",
        "februari",
        "maret",
        "april",
        "mei",
        "juni",
        "juli",
        "agustus",
        "september",
        "oktober",
        "november",
        "desember",
    ],
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::BlockKind;
    use std::collections::HashSet;

    fn body(html: &str, header: &Header) -> Vec<String> {
        let doc = crate::parse::parse(html);
        let dom = crate::dom::Dom::build(&doc);
        let captions = HashSet::new();
        let mut blocks = crate::clutter::clean(&dom, crate::segment::blocks(&dom, dom.body()), &captions, false);
        drop_echoes(&mut blocks, header);
        blocks
            .into_iter()
            .filter(|b| b.kind != BlockKind::Image)
            .map(|b| b.text)
            .collect()
    }

    const PROSE: &str = "The premier promised relief payments to every family displaced by the flooding along the river this week, officials said.";

    #[test]
    fn drops_headline_byline_and_date_line_but_not_later_mentions() {
        let header = Header::new(
            Some("Premier pledges “relief” | The Courier"),
            Some("The Courier"),
            Some("Dana Oyelaran"),
            crate::metadata::parse_time("2019-11-20T07:29:00Z"),
        );
        let html = format!(
            "<h1>Premier pledges \"relief\"</h1><p>Dana Oyelaran, Staff Writer</p><p>Published November 20th, 2019 - 07:29 GMT</p>\
             <p>{PROSE}</p><p>By noon, Dana Oyelaran said, it rained.</p><p>Wednesday, 20 November 2019</p>"
        );
        assert_eq!(
            body(&html, &header),
            vec![
                PROSE,
                "By noon, Dana Oyelaran said, it rained.",
                "Wednesday, 20 November 2019"
            ]
        );
    }

    #[test]
    fn a_long_headline_is_still_an_echo_and_other_dates_stay() {
        let title = "Dear Abby: Husband springs for a business class flight to India but leaves his wife in economy";
        let header = Header::new(
            Some(title),
            None,
            None,
            crate::metadata::parse_time("2019-11-20T07:29:00Z"),
        );
        let html = format!("<h1>{title}</h1><p>18 NOV 2019</p><p>The 2019 budget, due 20 May</p><p>{PROSE}</p>");
        // Neither names the publication date (20 November 2019).
        assert_eq!(
            body(&html, &header),
            vec!["18 NOV 2019", "The 2019 budget, due 20 May", PROSE]
        );
        let html = format!("<h1>{title}</h1><p>sexta-feira, 19 de novembro de 2019 às 20:13</p><p>{PROSE}</p>");
        assert_eq!(body(&html, &header), vec![PROSE]);
    }
}
