//! Tree construction: [`crate::tokenize`]'s tokens in, a flat tree out.
//!
//! Browsers build the tree by the WHATWG algorithm. Its hard cases (the
//! adoption agency re-nesting misnested formatting tags, foster parenting of
//! text strayed into tables, formatting elements reopened in every new block)
//! move markup about but never change which block a run of text belongs to
//! or the order of the text. This builder keeps the rules that do decide
//! that: implied `<html>`, `<head>` and `<body>`, void elements, the implied
//! ends of `p`, `li`, `dd`/`dt`, headings, table rows and cells and options,
//! end tags matched within their scope, raw-text elements, and SVG/MathML
//! content with the tags that break out of it. What it leaves in place, lxml
//! (trafilatura's parser) leaves in place too.
//!
//! Nothing is ever moved once inserted, so nodes are appended in document
//! order: the tree comes out as a pre-order arena where a node's subtree is
//! the index range `i+1..end`, ready for [`crate::dom`] without a walk. Only
//! the attributes some rule reads are kept, and text lives in one buffer.

use std::borrow::Cow;

use crate::tokenize::Mode;

/// Deeper nesting than this is flattened: further start tags are dropped
/// (their text stays). Scope checks walk the open elements, so 100,000
/// nested `<div>`s would otherwise cost billions of steps; no page nests this deep.
pub const MAX_NESTING: usize = 256;
/// Nodes beyond this many are not created, bounding memory and every later pass.
pub const MAX_NODES: usize = 400_000;

/// The attribute `name` (lower-case) as a static string if some rule reads
/// it; the tokenizer skips the others without decoding them.
pub fn read_attr(name: &str) -> Option<&'static str> {
    const READ: &[&str] = &[
        "class",
        "id",
        "href",
        "src",
        "alt",
        "data-src",
        "data-lazy-src",
        "data-original",
        "style",
        "hidden",
        "aria-hidden",
        "role",
        "itemprop",
        "content",
        "property",
        "name",
        "http-equiv",
        "rel",
        "type",
        "lang",
        "xml:lang",
        "datetime",
    ];
    READ.iter().find(|r| **r == name).copied()
}

/// A kept attribute: its name and its decoded value.
pub(crate) type Attr<'h> = (&'static str, Cow<'h, str>);

/// An element: its name and the attributes some rule reads ([`read_attr`]).
#[derive(Debug)]
pub struct Element<'h> {
    name: Cow<'h, str>,
    attrs: Vec<Attr<'h>>,
    /// Lower-cased `class` then `id` values, each followed by a space.
    class_and_id: String,
}

impl<'h> Element<'h> {
    fn new(name: Cow<'h, str>, attrs: Vec<Attr<'h>>) -> Element<'h> {
        let mut e = Element {
            name,
            attrs,
            class_and_id: String::new(),
        };
        e.set_class_and_id();
        e
    }

    /// Adds the attributes not yet present (`<html>`/`<body>` repeats merge this way).
    fn add_missing(&mut self, attrs: Vec<Attr<'h>>) {
        for a in attrs {
            if self.attr(a.0).is_none() {
                self.attrs.push(a);
            }
        }
        self.set_class_and_id();
    }

    fn set_class_and_id(&mut self) {
        let (class, id) = (self.attr("class"), self.attr("id"));
        if class.is_none() && id.is_none() {
            return;
        }
        let mut names = String::with_capacity(class.map_or(0, |c| c.len() + 1) + id.map_or(0, |i| i.len() + 1));
        for v in [class, id].into_iter().flatten() {
            names.push_str(v);
            names.push(' ');
        }
        names.make_ascii_lowercase();
        self.class_and_id = names;
    }

    /// The lower-case local name (`div`, `svg`).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|a| a.0 == name).map(|a| &*a.1)
    }

    /// Lower-cased `class` and `id`, space-separated (each followed by a space).
    pub fn class_and_id(&self) -> &str {
        &self.class_and_id
    }
}

/// What a tree node holds.
#[derive(Debug)]
pub enum Data<'h> {
    Document,
    Element(Element<'h>),
    /// A byte range of [`Document::text`].
    Text(u32, u32),
}

#[derive(Debug)]
pub struct Node<'h> {
    /// The document's parent is itself.
    pub parent: u32,
    /// One past the last descendant.
    pub end: u32,
    pub data: Data<'h>,
}

/// The parsed page in pre-order, the document at index 0.
#[derive(Debug)]
pub struct Document<'h> {
    pub nodes: Vec<Node<'h>>,
    text: String,
}

impl Document<'_> {
    /// The characters of a text node.
    pub fn text(&self, start: u32, end: u32) -> &str {
        &self.text[start as usize..end as usize]
    }
}

/// Parses a whole page.
pub fn parse(html: &str) -> Document<'_> {
    let mut builder = Builder {
        doc: Document {
            nodes: vec![Node {
                parent: 0,
                end: 0,
                data: Data::Document,
            }],
            text: String::with_capacity(html.len() / 4),
        },
        stack: Vec::new(),
        in_body: false,
        skip_newline: false,
    };
    crate::tokenize::run(html, &mut builder);
    builder.finish()
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Ns {
    Html,
    Svg,
    MathMl,
}

#[derive(Clone, Copy)]
struct Open {
    node: u32,
    ns: Ns,
}

/// Builds the tree token by token (see the module doc for which rules it keeps).
pub(crate) struct Builder<'h> {
    doc: Document<'h>,
    /// Open elements, `<html>` first once there is one.
    stack: Vec<Open>,
    /// Whether `<body>` exists; before it, head content goes to `<head>`.
    in_body: bool,
    /// A newline right after `<pre>`, `<listing>` or `<textarea>` is not text.
    skip_newline: bool,
}

impl<'h> Builder<'h> {
    /// A start tag; returns how the tokenizer reads the text that follows.
    pub(crate) fn start_tag(&mut self, name: Cow<'h, str>, attrs: Vec<Attr<'h>>, self_closing: bool) -> Mode {
        self.skip_newline = false;
        if self.in_foreign_content() {
            if !breaks_out_of_foreign(&name) {
                if self_closing || self.stack.len() < MAX_NESTING {
                    let ns = self.current().ns;
                    self.insert_element(name, attrs, ns, !self_closing);
                }
                return Mode::Data;
            }
            while self.in_foreign_content() {
                self.pop();
            }
        }
        match &*name {
            "html" => return self.merge_attrs("html", attrs),
            "body" if self.in_body => return self.merge_attrs("body", attrs),
            "body" => {
                self.start_body(attrs);
                return Mode::Data;
            }
            "head" if !self.in_body => {
                self.ensure_head();
                return Mode::Data;
            }
            "head" | "frameset" | "frame" => return Mode::Data,
            _ => {}
        }
        if !self.in_body {
            if is_head_content(&name) {
                self.ensure_head();
            } else {
                self.start_body(Vec::new());
            }
        }
        self.html_start_tag(name, attrs, self_closing)
    }

    fn html_start_tag(&mut self, name: Cow<'h, str>, attrs: Vec<Attr<'h>>, self_closing: bool) -> Mode {
        let tag = &*name;
        let mode = raw_text_mode(tag);
        // Past the cap a tag that would open an element is dropped before any
        // scope walk, so a flood of them costs no more than text.
        if self.stack.len() >= MAX_NESTING && mode == Mode::Data && !is_void(tag) {
            return Mode::Data;
        }
        match tag {
            "li" => self.close_list_item(&["li"]),
            "dd" | "dt" => self.close_list_item(&["dd", "dt"]),
            _ => {}
        }
        if closes_p(tag) {
            self.close_in_scope(|n| n == "p", Scope::Button);
        }
        match tag {
            _ if is_heading(tag) && is_heading(self.current_name()) => self.pop(),
            "a" => self.close_open_link(),
            "button" => self.close_in_scope(|n| n == "button", Scope::Default),
            "td" | "th" => self.close_in_scope(|n| n == "td" || n == "th", Scope::Table),
            "tr" => self.close_in_scope(|n| n == "tr", Scope::Table),
            "tbody" | "thead" | "tfoot" => self.close_in_scope(is_table_section, Scope::Table),
            "option" | "optgroup" => {
                while matches!(self.current_name(), "option")
                    || (tag == "optgroup" && self.current_name() == "optgroup")
                {
                    self.pop();
                }
            }
            "form" if self.open_position(|n| n == "form").is_some() => return Mode::Data,
            "svg" => return self.insert_foreign(name, attrs, Ns::Svg, self_closing),
            "math" => return self.insert_foreign(name, attrs, Ns::MathMl, self_closing),
            _ => {}
        }
        let name = if tag == "image" { Cow::Borrowed("img") } else { name };
        let void = is_void(&name);
        self.skip_newline = matches!(&*name, "pre" | "listing" | "textarea");
        self.insert_element(name, attrs, Ns::Html, !void);
        mode
    }

    /// An end tag.
    pub(crate) fn end_tag(&mut self, name: &str) {
        self.skip_newline = false;
        // At an integration point only start tags and text follow the HTML rules.
        if self.current().ns != Ns::Html && self.end_foreign(name) {
            return;
        }
        if !self.in_body {
            if is_head_content(name) && self.current_name() == name {
                self.pop();
            } else if name == "br" {
                self.start_body(Vec::new());
                self.insert_element(Cow::Borrowed("br"), Vec::new(), Ns::Html, false);
            }
            return;
        }
        match name {
            "body" | "html" | "head" => {}
            "br" => self.insert_element(Cow::Borrowed("br"), Vec::new(), Ns::Html, false),
            "p" => self.close_in_scope(|n| n == "p", Scope::Button),
            "li" => self.close_in_scope(|n| n == "li", Scope::ListItem),
            _ if is_heading(name) => self.close_in_scope(is_heading, Scope::Default),
            "table" | "tbody" | "thead" | "tfoot" | "tr" | "td" | "th" => {
                self.close_in_scope(|n| n == name, Scope::Table)
            }
            _ if closes_in_scope(name) => self.close_in_scope(|n| n == name, Scope::Default),
            _ => self.close_nearest(name),
        }
    }

    /// Characters.
    pub(crate) fn text(&mut self, mut text: &str) {
        if std::mem::take(&mut self.skip_newline) {
            text = text.strip_prefix('\n').unwrap_or(text);
        }
        // Offsets are u32: callers cap the page far below that (see `MAX_INPUT_BYTES`).
        let room = u32::MAX as usize - self.doc.text.len();
        if text.is_empty() || self.doc.nodes.len() >= MAX_NODES || text.len() > room {
            return;
        }
        if !self.in_body && matches!(self.current_name(), "html" | "head" | "") {
            if text
                .bytes()
                .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r'))
            {
                return;
            }
            self.start_body(Vec::new());
        }
        let parent = self.current().node;
        let start = self.doc.text.len() as u32;
        self.doc.text.push_str(text);
        let end = self.doc.text.len() as u32;
        // Text right after text in the same element extends that node.
        let last = self.doc.nodes.len() - 1;
        let node = &mut self.doc.nodes[last];
        if let (Data::Text(_, e), true) = (&mut node.data, node.parent == parent) {
            *e = end;
            return;
        }
        self.push_node(parent, Data::Text(start, end));
    }

    /// Whether the tokenizer is in SVG or MathML content (where `<![CDATA[` is text).
    pub(crate) fn in_foreign_content(&self) -> bool {
        self.stack.last().is_some_and(|o| o.ns != Ns::Html) && !self.at_integration_point()
    }

    fn finish(mut self) -> Document<'h> {
        if !self.in_body {
            self.start_body(Vec::new());
        }
        while !self.stack.is_empty() {
            self.pop();
        }
        self.doc.nodes[0].end = self.doc.nodes.len() as u32;
        self.doc
    }

    /// Inside SVG's `foreignObject`, `desc`, `title` and MathML's text elements, tags are HTML again.
    fn at_integration_point(&self) -> bool {
        let Some(open) = self.stack.last() else { return false };
        match open.ns {
            Ns::Svg => matches!(self.name_of(open), "foreignobject" | "desc" | "title"),
            Ns::MathMl => matches!(self.name_of(open), "mi" | "mo" | "mn" | "ms" | "mtext"),
            Ns::Html => false,
        }
    }

    /// An end tag in foreign content closes the nearest foreign element of
    /// its name; at the first HTML element, the HTML rules take over (false).
    fn end_foreign(&mut self, name: &str) -> bool {
        for i in (1..self.stack.len()).rev() {
            let open = self.stack[i];
            if open.ns == Ns::Html {
                return false;
            }
            if self.name_of(&open).eq_ignore_ascii_case(name) {
                self.pop_to(i);
                return true;
            }
        }
        false
    }

    fn insert_foreign(&mut self, name: Cow<'h, str>, attrs: Vec<Attr<'h>>, ns: Ns, self_closing: bool) -> Mode {
        self.insert_element(name, attrs, ns, !self_closing);
        Mode::Data
    }

    fn current(&self) -> Open {
        self.stack.last().copied().unwrap_or(Open { node: 0, ns: Ns::Html })
    }

    fn current_name(&self) -> &str {
        self.stack.last().map_or("", |o| self.name_of(o))
    }

    fn name_of(&self, open: &Open) -> &str {
        match &self.doc.nodes[open.node as usize].data {
            Data::Element(e) => e.name(),
            _ => "",
        }
    }

    fn push_node(&mut self, parent: u32, data: Data<'h>) -> Option<u32> {
        if self.doc.nodes.len() >= MAX_NODES {
            return None;
        }
        let id = self.doc.nodes.len() as u32;
        self.doc.nodes.push(Node {
            parent,
            end: id + 1,
            data,
        });
        Some(id)
    }

    /// Appends an element to the current node, and opens it unless it is void.
    fn insert_element(&mut self, name: Cow<'h, str>, attrs: Vec<Attr<'h>>, ns: Ns, open: bool) {
        let parent = self.current().node;
        if let Some(node) = self.push_node(parent, Data::Element(Element::new(name, attrs))) {
            if open {
                self.stack.push(Open { node, ns });
            }
        }
    }

    fn pop(&mut self) {
        if let Some(open) = self.stack.pop() {
            self.doc.nodes[open.node as usize].end = self.doc.nodes.len() as u32;
        }
    }

    /// Closes the open element at stack index `i` and everything inside it.
    fn pop_to(&mut self, i: usize) {
        while self.stack.len() > i {
            self.pop();
        }
    }

    /// `<html>` comes first; every other token implies it.
    fn ensure_html(&mut self) {
        if self.stack.is_empty() {
            self.insert_element(Cow::Borrowed("html"), Vec::new(), Ns::Html, true);
        }
    }

    fn ensure_head(&mut self) {
        self.ensure_html();
        if !self.in_body && self.stack.len() == 1 {
            self.insert_element(Cow::Borrowed("head"), Vec::new(), Ns::Html, true);
        }
    }

    /// Closes the head and opens `<body>` (with `attrs`).
    fn start_body(&mut self, attrs: Vec<Attr<'h>>) {
        self.ensure_head();
        self.pop_to(1);
        self.insert_element(Cow::Borrowed("body"), attrs, Ns::Html, true);
        self.in_body = true;
    }

    /// A repeated `<html>` or `<body>` adds its attributes to the first one.
    fn merge_attrs(&mut self, name: &str, attrs: Vec<Attr<'h>>) -> Mode {
        self.ensure_html();
        let Some(i) = self.open_position(|n| n == name) else {
            return Mode::Data;
        };
        if let Data::Element(e) = &mut self.doc.nodes[self.stack[i].node as usize].data {
            e.add_missing(attrs);
        }
        Mode::Data
    }

    /// Stack index of the nearest open HTML element whose name passes `is`.
    fn open_position(&self, is: impl Fn(&str) -> bool) -> Option<usize> {
        (0..self.stack.len())
            .rev()
            .find(|&i| self.stack[i].ns == Ns::Html && is(self.name_of(&self.stack[i])))
    }

    /// Closes the nearest open element passing `is` if it is in `scope`.
    fn close_in_scope(&mut self, is: impl Fn(&str) -> bool, scope: Scope) {
        for i in (0..self.stack.len()).rev() {
            let open = self.stack[i];
            let name = self.name_of(&open);
            if open.ns == Ns::Html && is(name) {
                self.pop_to(i);
                return;
            }
            if scope.is_boundary(open.ns, name) {
                return;
            }
        }
    }

    /// A new `li` (or `dd`/`dt`) ends the open one, unless a block other
    /// than `address`, `div` or `p` lies between them.
    fn close_list_item(&mut self, names: &[&str]) {
        for i in (0..self.stack.len()).rev() {
            let open = self.stack[i];
            let name = self.name_of(&open);
            if open.ns == Ns::Html && names.contains(&name) {
                self.pop_to(i);
                return;
            }
            if is_special(open.ns, name) && !matches!(name, "address" | "div" | "p") {
                return;
            }
        }
    }

    /// Links do not nest: a new `<a>` ends one still open in the same block.
    fn close_open_link(&mut self) {
        for i in (0..self.stack.len()).rev() {
            let open = self.stack[i];
            let name = self.name_of(&open);
            if open.ns == Ns::Html && name == "a" {
                self.pop_to(i);
                return;
            }
            if is_special(open.ns, name) {
                return;
            }
        }
    }

    /// Any other end tag closes the nearest open element of its name, unless
    /// a block lies between them (a stray `</b>` cannot end a paragraph).
    fn close_nearest(&mut self, name: &str) {
        for i in (0..self.stack.len()).rev() {
            let open = self.stack[i];
            let open_name = self.name_of(&open);
            if open.ns == Ns::Html && open_name == name {
                self.pop_to(i);
                return;
            }
            if is_special(open.ns, open_name) {
                return;
            }
        }
    }
}

/// Where a search of the open elements for an end tag's element stops.
#[derive(Clone, Copy)]
enum Scope {
    Default,
    Button,
    ListItem,
    Table,
}

impl Scope {
    fn is_boundary(self, ns: Ns, name: &str) -> bool {
        match (self, ns) {
            (Scope::Table, Ns::Html) => matches!(name, "html" | "table" | "template"),
            (Scope::Table, _) => false,
            (_, Ns::Svg) => matches!(name, "foreignobject" | "desc" | "title"),
            (_, Ns::MathMl) => matches!(name, "mi" | "mo" | "mn" | "ms" | "mtext" | "annotation-xml"),
            (scope, Ns::Html) => {
                matches!(
                    name,
                    "applet" | "caption" | "html" | "table" | "td" | "th" | "marquee" | "object" | "template"
                ) || (matches!(scope, Scope::Button) && name == "button")
                    || (matches!(scope, Scope::ListItem) && matches!(name, "ol" | "ul"))
            }
        }
    }
}

fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

fn is_table_section(name: &str) -> bool {
    matches!(name, "tbody" | "thead" | "tfoot")
}

/// Elements that may only be in `<head>` before the body starts.
fn is_head_content(name: &str) -> bool {
    matches!(
        name,
        "meta" | "link" | "title" | "base" | "style" | "script" | "noscript" | "basefont" | "bgsound"
    )
}

fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "basefont"
            | "bgsound"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "keygen"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
            | "frame"
    )
}

/// Elements whose text the tokenizer reads raw, up to their end tag.
fn raw_text_mode(name: &str) -> Mode {
    match name {
        "title" | "textarea" => Mode::Rcdata,
        "style" | "script" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => Mode::Rawtext,
        "plaintext" => Mode::Plaintext,
        _ => Mode::Data,
    }
}

/// Start tags that end an open `<p>`.
fn closes_p(name: &str) -> bool {
    is_heading(name)
        || matches!(
            name,
            "address"
                | "article"
                | "aside"
                | "blockquote"
                | "center"
                | "details"
                | "dialog"
                | "dir"
                | "div"
                | "dl"
                | "fieldset"
                | "figcaption"
                | "figure"
                | "footer"
                | "header"
                | "hgroup"
                | "main"
                | "menu"
                | "nav"
                | "ol"
                | "p"
                | "search"
                | "section"
                | "summary"
                | "ul"
                | "pre"
                | "listing"
                | "form"
                | "plaintext"
                | "table"
                | "hr"
                | "xmp"
                | "li"
                | "dd"
                | "dt"
        )
}

/// End tags that close their element only if it is in scope (else they are ignored).
fn closes_in_scope(name: &str) -> bool {
    closes_p(name)
        || matches!(
            name,
            "button" | "applet" | "marquee" | "object" | "caption" | "select" | "template" | "dd" | "dt"
        )
}

/// Tags that end SVG or MathML content: markup authors forgot to close it.
fn breaks_out_of_foreign(name: &str) -> bool {
    is_heading(name)
        || matches!(
            name,
            "b" | "big"
                | "blockquote"
                | "body"
                | "br"
                | "center"
                | "code"
                | "dd"
                | "div"
                | "dl"
                | "dt"
                | "em"
                | "embed"
                | "head"
                | "hr"
                | "i"
                | "img"
                | "li"
                | "listing"
                | "menu"
                | "meta"
                | "nobr"
                | "ol"
                | "p"
                | "pre"
                | "ruby"
                | "s"
                | "small"
                | "span"
                | "strong"
                | "strike"
                | "sub"
                | "sup"
                | "table"
                | "tt"
                | "u"
                | "ul"
                | "var"
        )
}

/// The HTML standard's "special" elements: blocks an inline end tag cannot reach past.
fn is_special(ns: Ns, name: &str) -> bool {
    match ns {
        Ns::Svg => matches!(name, "foreignobject" | "desc" | "title"),
        Ns::MathMl => matches!(name, "mi" | "mo" | "mn" | "ms" | "mtext" | "annotation-xml"),
        Ns::Html => {
            closes_p(name)
                || is_void(name)
                || matches!(
                    name,
                    "applet"
                        | "body"
                        | "button"
                        | "caption"
                        | "colgroup"
                        | "frameset"
                        | "head"
                        | "html"
                        | "iframe"
                        | "marquee"
                        | "noembed"
                        | "noframes"
                        | "noscript"
                        | "object"
                        | "script"
                        | "select"
                        | "style"
                        | "tbody"
                        | "td"
                        | "template"
                        | "textarea"
                        | "tfoot"
                        | "th"
                        | "thead"
                        | "title"
                        | "tr"
                )
        }
    }
}

/// Elements with their attributes, text, and `.` for each element's end.
#[cfg(test)]
pub(crate) fn outline(doc: &Document) -> String {
    let mut out = String::new();
    let mut open: Vec<u32> = Vec::new();
    for (i, node) in doc.nodes.iter().enumerate().skip(1) {
        while open.last().is_some_and(|&end| end <= i as u32) {
            open.pop();
            out.push('.');
        }
        match &node.data {
            Data::Element(e) if e.attrs.is_empty() => out.push_str(&format!("<{}>", e.name())),
            Data::Element(e) => out.push_str(&format!("<{} {:?}>", e.name(), e.attrs)),
            Data::Text(s, e) => out.push_str(doc.text(*s, *e)),
            Data::Document => {}
        }
        if node.end > i as u32 + 1 || matches!(node.data, Data::Element(_)) {
            open.push(node.end);
        }
    }
    out.push_str(&".".repeat(open.len()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(html: &str) -> String {
        outline(&parse(html))
    }

    #[test]
    fn implies_html_head_and_body_and_sorts_head_content() {
        assert_eq!(tree(""), "<html><head>.<body>..");
        assert_eq!(
            tree("<!DOCTYPE html>\n<title>T &amp; U</title> <meta name=x>Text<link rel=y>"),
            "<html><head><title>T & U.<meta [(\"name\", \"x\")]>..<body>Text<link [(\"rel\", \"y\")]>..."
        );
        // A repeated <html> or <body> adds the attributes it brings.
        assert_eq!(
            tree("<html><body class=a><p>x</p><body id=b class=c></html>after"),
            "<html><head>.<body [(\"class\", \"a\"), (\"id\", \"b\")]><p>x.after.."
        );
    }

    #[test]
    fn implied_ends_and_void_elements() {
        assert_eq!(
            tree("<body><p>a<p>b<div>c</div>"),
            "<html><head>.<body><p>a.<p>b.<div>c..."
        );
        assert_eq!(
            tree("<body><ul><li>a<li>b<div>c<li>d</ul>"),
            "<html><head>.<body><ul><li>a.<li>b<div>c..<li>d...."
        );
        assert_eq!(tree("<body><h2>a<h3>b</h2>c"), "<html><head>.<body><h2>a.<h3>b.c..");
        assert_eq!(
            tree("<body><table><tr><td>a<td>b<tr><td>c</table>d"),
            "<html><head>.<body><table><tr><td>a.<td>b..<tr><td>c...d.."
        );
        assert_eq!(
            tree("<body><img src=a><br/>x<div/>y</div><image>"),
            "<html><head>.<body><img [(\"src\", \"a\")]>.<br>.x<div>y.<img>..."
        );
        assert_eq!(tree("<body><pre>\nkeep\n</pre>"), "<html><head>.<body><pre>keep\n...");
    }

    #[test]
    fn end_tags_close_only_within_their_scope() {
        // A stray </b> cannot end the paragraph; </div> closes what is inside it.
        assert_eq!(tree("<body><p>a</b>b</p>"), "<html><head>.<body><p>ab...");
        assert_eq!(
            tree("<body><div><span><i>x</div>y"),
            "<html><head>.<body><div><span><i>x...y.."
        );
        // </p> cannot reach out of a table cell; a new <a> ends the open link.
        assert_eq!(
            tree("<body><p><table><td>x</p>y</table><a href=1>one<a href=2>two"),
            "<html><head>.<body><p>.<table><td>xy..<a [(\"href\", \"1\")]>one.<a [(\"href\", \"2\")]>two..."
        );
    }

    #[test]
    fn foreign_content_ends_at_html_blocks() {
        assert_eq!(
            tree("<body><svg><path/><title>t</title><g><p>out</p>"),
            "<html><head>.<body><svg><path>.<title>t.<g>..<p>out..."
        );
        assert_eq!(
            tree("<body><svg><![CDATA[a<b]]></svg>c"),
            "<html><head>.<body><svg>a<b.c.."
        );
    }

    #[test]
    fn absurd_nesting_is_flattened_and_text_kept() {
        let page = format!("{}deep{}", "<div>".repeat(100_000), "</div>".repeat(100_000));
        let doc = parse(&page);
        let divs = doc
            .nodes
            .iter()
            .filter(|n| matches!(&n.data, Data::Element(e) if e.name() == "div"))
            .count();
        assert_eq!(divs, MAX_NESTING - 2);
        assert!(outline(&doc).contains("deep"));
        // SVG content is capped too: stray end tags then walk a short stack.
        let page = format!("<svg>{}deep{}", "<g>".repeat(100_000), "</x>".repeat(100_000));
        let doc = parse(&page);
        assert!(doc.nodes.len() < MAX_NESTING + 10, "{}", doc.nodes.len());
    }

    #[test]
    fn keeps_only_read_attributes_and_lowercases_names() {
        let doc = parse("<div ID=Main class='Article Body' data-x=1 onclick=y href=/z class=dup>t</div>");
        let e = doc
            .nodes
            .iter()
            .find_map(|n| match &n.data {
                Data::Element(e) if e.name() == "div" => Some(e),
                _ => None,
            })
            .unwrap();
        assert_eq!(e.class_and_id(), "article body main ");
        assert_eq!(e.attr("href"), Some("/z"));
        assert_eq!((e.attr("data-x"), e.attr("onclick")), (None, None));
    }
}
