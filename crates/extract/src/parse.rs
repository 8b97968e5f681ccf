//! html5ever's tree builder feeding a lean arena of our own.
//!
//! A general-purpose DOM (scraper's) copies, sorts and keeps every
//! attribute of every element, and a news page carries dozens per element
//! (`data-*` tracking, `srcset`, inline SVG paths) that extraction never
//! reads. This sink keeps the few attributes the heuristics ask about, and
//! computes an element's lower-cased `class id` string once, as the
//! boilerplate and scoring rules ask for it of most elements. The tree
//! builder's decisions (implicit ends, foster parenting, adoption agency) are
//! html5ever's, unchanged.

use std::borrow::Cow;
use std::cell::{Ref, RefCell};

use html5ever::interface::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::StrTendril;
use html5ever::tree_builder::{TreeBuilder, TreeBuilderOpts};
use html5ever::{local_name, ns, Attribute, QualName};

/// Whether some rule reads the attribute `name` (lower-case); the tokenizer
/// skips the others (see [`crate::tokenize`]).
pub fn is_read_attr(name: &str) -> bool {
    matches!(
        name,
        "class"
            | "id"
            | "href"
            | "src"
            | "alt"
            | "data-src"
            | "data-lazy-src"
            | "data-original"
            | "style"
            | "hidden"
            | "aria-hidden"
            | "itemprop"
            | "content"
            | "property"
            | "name"
            | "http-equiv"
            | "rel"
            | "type"
            | "lang"
            | "xml:lang"
            | "datetime"
    )
}

/// A plain (no namespace) attribute some rule reads.
fn is_kept(a: &Attribute) -> bool {
    a.name.ns == ns!() && a.name.prefix.is_none() && is_read_attr(&a.name.local)
}

/// An element: its name and the attributes some rule reads ([`is_read_attr`]).
#[derive(Debug)]
pub struct Element {
    name: QualName,
    attrs: Vec<Attribute>,
    /// Lower-cased `class` then `id` values, each followed by a space.
    class_and_id: String,
}

impl Element {
    fn new(name: QualName, mut attrs: Vec<Attribute>) -> Element {
        // The token's list is kept (no copy); the tokenizer has already
        // skipped unread attributes and duplicates, except on formatting tags.
        attrs.retain(is_kept);
        let mut e = Element {
            name,
            attrs,
            class_and_id: String::new(),
        };
        e.set_class_and_id();
        e
    }

    /// Adds the kept attributes not yet present (`<html>`/`<body>` repeats merge this way).
    fn add_missing(&mut self, attrs: Vec<Attribute>) {
        for a in attrs {
            if is_kept(&a) && !self.attrs.iter().any(|b| b.name.local == a.name.local) {
                self.attrs.push(a);
            }
        }
        self.set_class_and_id();
    }

    fn set_class_and_id(&mut self) {
        let (class, id) = (self.attr("class"), self.attr("id"));
        let mut names = String::with_capacity(class.map_or(0, |c| c.len() + 1) + id.map_or(0, |i| i.len() + 1));
        for v in [class, id].into_iter().flatten() {
            names.push_str(v);
            names.push(' ');
        }
        names.make_ascii_lowercase();
        self.class_and_id = names;
    }

    /// The local name (`div`, `svg`).
    pub fn name(&self) -> &str {
        &self.name.local
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|a| &*a.name.local == name).map(|a| &*a.value)
    }

    /// Lower-cased `class` and `id`, space-separated (each followed by a space).
    pub fn class_and_id(&self) -> &str {
        &self.class_and_id
    }
}

/// What a tree node holds.
#[derive(Debug)]
pub enum Data {
    Document,
    Element(Element),
    Text(StrTendril),
    /// Doctypes, comments, processing instructions and template contents.
    Other,
}

const NONE: u32 = u32::MAX;

#[derive(Debug)]
struct Node {
    parent: u32,
    prev: u32,
    next: u32,
    first: u32,
    last: u32,
    data: Data,
}

/// The parsed page: an arena of linked nodes, the document at index 0.
#[derive(Debug)]
pub struct Document {
    nodes: Vec<Node>,
}

/// Parses a whole page as browsers do.
pub fn parse(html: &str) -> Document {
    let sink = Sink(RefCell::new(Document {
        nodes: vec![Node::new(Data::Document)],
    }));
    let builder = TreeBuilder::new(sink, TreeBuilderOpts::default());
    crate::tokenize::run(html, &builder);
    builder.sink.finish()
}

impl Node {
    fn new(data: Data) -> Node {
        Node {
            parent: NONE,
            prev: NONE,
            next: NONE,
            first: NONE,
            last: NONE,
            data,
        }
    }
}

/// One step of a pre-order walk.
pub enum Edge<'a> {
    Open(&'a Data),
    Close,
}

impl Document {
    /// How many nodes the arena holds (detached ones included).
    pub(crate) fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Every node in document order, as open and close events, without recursion.
    pub fn traverse(&self) -> impl Iterator<Item = Edge<'_>> {
        let mut next = Some((0u32, true));
        std::iter::from_fn(move || {
            let (i, opening) = next?;
            let node = &self.nodes[i as usize];
            if opening {
                next = Some(if node.first == NONE {
                    (i, false)
                } else {
                    (node.first, true)
                });
                return Some(Edge::Open(&node.data));
            }
            next = match (node.next, node.parent) {
                _ if i == 0 => None,
                (NONE, parent) => Some((parent, false)),
                (sibling, _) => Some((sibling, true)),
            };
            Some(Edge::Close)
        })
    }

    fn push(&mut self, data: Data) -> u32 {
        self.nodes.push(Node::new(data));
        (self.nodes.len() - 1) as u32
    }

    fn detach(&mut self, i: u32) {
        let Node { parent, prev, next, .. } = self.nodes[i as usize];
        if parent == NONE {
            return;
        }
        match prev {
            NONE => self.nodes[parent as usize].first = next,
            p => self.nodes[p as usize].next = next,
        }
        match next {
            NONE => self.nodes[parent as usize].last = prev,
            n => self.nodes[n as usize].prev = prev,
        }
        let node = &mut self.nodes[i as usize];
        (node.parent, node.prev, node.next) = (NONE, NONE, NONE);
    }

    fn append(&mut self, parent: u32, child: u32) {
        self.detach(child);
        let last = self.nodes[parent as usize].last;
        match last {
            NONE => self.nodes[parent as usize].first = child,
            l => self.nodes[l as usize].next = child,
        }
        self.nodes[parent as usize].last = child;
        let node = &mut self.nodes[child as usize];
        (node.parent, node.prev) = (parent, last);
    }

    fn insert_before(&mut self, sibling: u32, child: u32) {
        self.detach(child);
        let Node { parent, prev, .. } = self.nodes[sibling as usize];
        match prev {
            NONE => self.nodes[parent as usize].first = child,
            p => self.nodes[p as usize].next = child,
        }
        self.nodes[sibling as usize].prev = child;
        let node = &mut self.nodes[child as usize];
        (node.parent, node.prev, node.next) = (parent, prev, sibling);
    }

    /// Appends `text` to the text node at `i` if there is one there.
    fn merge_text(&mut self, i: u32, text: &StrTendril) -> bool {
        match self.nodes.get_mut(i as usize).map(|n| &mut n.data) {
            Some(Data::Text(t)) => {
                t.push_tendril(text);
                true
            }
            _ => false,
        }
    }
}

struct Sink(RefCell<Document>);

impl TreeSink for Sink {
    type Handle = u32;
    type Output = Document;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Document {
        self.0.into_inner()
    }

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> u32 {
        0
    }

    fn elem_name<'a>(&'a self, target: &'a u32) -> Ref<'a, QualName> {
        Ref::map(self.0.borrow(), |d| match &d.nodes[*target as usize].data {
            Data::Element(e) => &e.name,
            // The tree builder only asks elements for their names.
            _ => unreachable!("elem_name of a non-element"),
        })
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, _flags: ElementFlags) -> u32 {
        let template = name.ns == ns!(html) && name.local == local_name!("template");
        let mut doc = self.0.borrow_mut();
        let id = doc.push(Data::Element(Element::new(name, attrs)));
        if template {
            let contents = doc.push(Data::Other);
            doc.append(id, contents);
        }
        id
    }

    fn create_comment(&self, _text: StrTendril) -> u32 {
        self.0.borrow_mut().push(Data::Other)
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> u32 {
        self.0.borrow_mut().push(Data::Other)
    }

    fn append(&self, parent: &u32, child: NodeOrText<u32>) {
        let mut doc = self.0.borrow_mut();
        match child {
            NodeOrText::AppendNode(id) => doc.append(*parent, id),
            NodeOrText::AppendText(text) => {
                let last = doc.nodes[*parent as usize].last;
                if !doc.merge_text(last, &text) {
                    let id = doc.push(Data::Text(text));
                    doc.append(*parent, id);
                }
            }
        }
    }

    fn append_based_on_parent_node(&self, element: &u32, prev_element: &u32, child: NodeOrText<u32>) {
        let has_parent = self.0.borrow().nodes[*element as usize].parent != NONE;
        if has_parent {
            self.append_before_sibling(element, child)
        } else {
            self.append(prev_element, child)
        }
    }

    fn append_doctype_to_document(&self, _name: StrTendril, _public: StrTendril, _system: StrTendril) {
        let mut doc = self.0.borrow_mut();
        let id = doc.push(Data::Other);
        doc.append(0, id);
    }

    fn get_template_contents(&self, target: &u32) -> u32 {
        self.0.borrow().nodes[*target as usize].first
    }

    fn same_node(&self, x: &u32, y: &u32) -> bool {
        x == y
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, sibling: &u32, new_node: NodeOrText<u32>) {
        let mut doc = self.0.borrow_mut();
        if let NodeOrText::AppendNode(id) = new_node {
            doc.detach(id);
        }
        if doc.nodes[*sibling as usize].parent == NONE {
            return;
        }
        match new_node {
            NodeOrText::AppendNode(id) => doc.insert_before(*sibling, id),
            NodeOrText::AppendText(text) => {
                let prev = doc.nodes[*sibling as usize].prev;
                if !doc.merge_text(prev, &text) {
                    let id = doc.push(Data::Text(text));
                    doc.insert_before(*sibling, id);
                }
            }
        }
    }

    fn add_attrs_if_missing(&self, target: &u32, attrs: Vec<Attribute>) {
        if let Data::Element(e) = &mut self.0.borrow_mut().nodes[*target as usize].data {
            e.add_missing(attrs);
        }
    }

    fn remove_from_parent(&self, target: &u32) {
        self.0.borrow_mut().detach(*target);
    }

    fn reparent_children(&self, node: &u32, new_parent: &u32) {
        let mut doc = self.0.borrow_mut();
        let mut child = doc.nodes[*node as usize].first;
        while child != NONE {
            let next = doc.nodes[child as usize].next;
            doc.append(*new_parent, child);
            child = next;
        }
    }
}

/// The same tree built with html5ever's own tokenizer, to test ours against.
#[cfg(test)]
pub(crate) fn parse_with_html5ever_tokenizer(html: &str) -> Document {
    use html5ever::tendril::TendrilSink;
    let sink = Sink(RefCell::new(Document {
        nodes: vec![Node::new(Data::Document)],
    }));
    html5ever::parse_document(sink, Default::default()).one(html)
}

/// Elements with their attributes, text, other nodes as `_`, and `.` for each close.
#[cfg(test)]
pub(crate) fn outline(doc: &Document) -> String {
    let mut out = String::new();
    for edge in doc.traverse() {
        match edge {
            Edge::Open(Data::Element(e)) => out.push_str(&format!("<{} {:?}>", e.name(), e.attrs)),
            Edge::Open(Data::Text(t)) => out.push_str(t),
            Edge::Open(_) => out.push('_'),
            Edge::Close => out.push('.'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(doc: &Document) -> String {
        let mut out = String::new();
        for edge in doc.traverse() {
            match edge {
                Edge::Open(Data::Element(e)) => out.push_str(&format!("<{}>", e.name())),
                Edge::Open(Data::Text(t)) => out.push_str(t),
                Edge::Open(_) => out.push('_'),
                Edge::Close => out.push('.'),
            }
        }
        out
    }

    #[test]
    fn tree_builder_fixes_markup_and_text_merges() {
        // Implicit <p> end, <b> reopened in the next <p>, table text foster-parented
        // before the table and merged into "d" (no doctype: quirks mode keeps the table in <p>).
        let doc = parse("<p>a<b>b<p>c</b>d<table>x<tr><td>y</table>");
        assert_eq!(
            tags(&doc),
            "_<html><head>.<body><p>a.<b>b...<p><b>c..dx.<table><tbody><tr><td>y........."
        );
    }

    #[test]
    fn keeps_only_read_attributes_and_lowercases_names() {
        let doc = parse("<div ID=Main class='Article Body' data-x=1 onclick=y href=/z>t</div>");
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
