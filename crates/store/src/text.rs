//! Small text helpers: URL slugs for sources and listing excerpts.

/// The longest slug we derive; long enough to stay readable in URLs.
const MAX_SLUG_LEN: usize = 60;

/// Derives a URL-safe slug: lowercase ASCII letters, digits and single
/// dashes. Latin diacritics are transliterated ("Ü" → "u"), other non-ASCII
/// letters are dropped. Never empty: falls back to `"source"`.
pub(crate) fn slugify(name: &str) -> String {
    let mut out = String::new();
    let mut pending_dash = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        if is_combining_mark(c) {
            continue;
        }
        match transliterate(c) {
            Some(ascii) => {
                for a in ascii.chars() {
                    if pending_dash && !out.is_empty() {
                        out.push('-');
                    }
                    pending_dash = false;
                    out.push(a);
                }
            }
            // Unknown scripts are dropped rather than split, so a word
            // stays one word; punctuation and spaces separate words.
            None if c.is_alphanumeric() => {}
            None => pending_dash = true,
        }
    }
    out.truncate(MAX_SLUG_LEN);
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "source".to_owned()
    } else {
        out.to_owned()
    }
}

/// Lowercase ASCII alphanumerics map to themselves; common Latin letters
/// with diacritics map to their base letters.
fn transliterate(c: char) -> Option<&'static str> {
    const ASCII: &str = "0123456789abcdefghijklmnopqrstuvwxyz";
    if c.is_ascii_alphanumeric() {
        let i = ASCII.find(c)?;
        return Some(&ASCII[i..i + 1]);
    }
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// Combining diacritics (e.g. from decomposed text, or `'İ'.to_lowercase()`)
/// belong to the previous letter, so they must not split a word.
fn is_combining_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036f}').contains(&c)
}

/// A single-line excerpt of at most `max_chars` characters (plus an
/// ellipsis when shortened), cut at a word boundary. `None` for blank text.
pub(crate) fn excerpt(text: &str, max_chars: usize) -> Option<String> {
    let mut out = String::new();
    let mut len = 0;
    let mut truncated = false;
    for word in text.split_whitespace() {
        let sep = usize::from(!out.is_empty());
        let word_len = word.chars().count();
        if len + sep + word_len > max_chars {
            truncated = true;
            break;
        }
        if sep == 1 {
            out.push(' ');
        }
        out.push_str(word);
        len += sep + word_len;
    }
    if out.is_empty() && truncated {
        // One giant "word" (a URL, CJK text without spaces): hard cut.
        out = text.split_whitespace().next()?.chars().take(max_chars).collect();
    }
    if out.is_empty() {
        return None;
    }
    if truncated {
        let kept = out.trim_end_matches([',', ';', ':', '-', '–', '—', '(']).len();
        out.truncate(kept);
        out.push('…');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Le Monde"), "le-monde");
        assert_eq!(slugify("le monde!"), "le-monde");
        assert_eq!(slugify("Ünïcode"), "unicode");
        assert_eq!(slugify("  Süddeutsche Zeitung  "), "suddeutsche-zeitung");
        assert_eq!(slugify("Straße & Œuvre"), "strasse-oeuvre");
        assert_eq!(slugify("東京新聞"), "source");
        assert_eq!(slugify("東京 News"), "news");
        assert_eq!(slugify("!!!"), "source");
        assert_eq!(slugify(""), "source");
        assert_eq!(slugify("İstanbul"), "istanbul");
        assert!(slugify(&"a b ".repeat(100)).len() <= MAX_SLUG_LEN);
        assert!(!slugify(&"a b ".repeat(100)).ends_with('-'));
    }

    #[test]
    fn excerpts() {
        assert_eq!(excerpt("  ", 10), None);
        assert_eq!(excerpt("short  text\n\nhere", 300).as_deref(), Some("short text here"));
        assert_eq!(excerpt("one two three four", 10).as_deref(), Some("one two…"));
        assert_eq!(excerpt("one, two three", 9).as_deref(), Some("one, two…"));
        assert_eq!(excerpt("one, two three", 7).as_deref(), Some("one…"));
        assert_eq!(excerpt("ééééééééé", 3).as_deref(), Some("ééé…"));
    }
}
