//! The proof of verification: the signed element exactly as canonicalised and hashed.

use std::ops::Range;

use crate::algorithm::{DigestAlgorithm, SignatureAlgorithm};
use crate::key::TrustedKey;

/// An element whose signature verified, with a view of exactly what was digested.
///
/// Only [`crate::verify`] builds one. It gives access to the signed element and nothing else of
/// the document it came from: no sibling, no ancestor, no enveloped signature, no comment.
///
/// INVARIANT: the view and the canonical bytes are two renderings of one walk: every name,
/// attribute value and text run of the view is exactly what was escaped into the digested bytes
/// at that place, so re-reading those bytes with the document parser gives the same tree (a test
/// and the fuzz target check this over every vector).
#[derive(Clone, Debug)]
pub struct Signed<'k> {
    id: String,
    canonical: Vec<u8>,
    view: View,
    key: &'k TrustedKey,
    signature_algorithm: SignatureAlgorithm,
    digest_algorithm: DigestAlgorithm,
}

impl<'k> Signed<'k> {
    /// INVARIANT: `canonical` are the bytes whose digest matched the verified DigestValue, and
    /// `view` was built by the walk that produced them.
    pub(crate) fn new(
        id: &str,
        canonical: Vec<u8>,
        view: View,
        key: &'k TrustedKey,
        signature_algorithm: SignatureAlgorithm,
        digest_algorithm: DigestAlgorithm,
    ) -> Self {
        Self {
            id: id.to_owned(),
            canonical,
            view,
            key,
            signature_algorithm,
            digest_algorithm,
        }
    }

    /// The `ID` of the signed element.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The signed element.
    pub fn element(&self) -> SignedElement<'_> {
        SignedElement {
            view: &self.view,
            index: 0,
        }
    }

    /// The canonical bytes that were digested.
    pub fn canonical_bytes(&self) -> &[u8] {
        &self.canonical
    }

    /// The trusted key that verified the signature.
    pub fn key(&self) -> &'k TrustedKey {
        self.key
    }

    /// The signature algorithm.
    pub fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.signature_algorithm
    }

    /// The digest algorithm.
    pub fn digest_algorithm(&self) -> DigestAlgorithm {
        self.digest_algorithm
    }
}

/// An element of a signed subtree.
#[derive(Clone, Copy)]
pub struct SignedElement<'s> {
    view: &'s View,
    index: u32,
}

/// A child of a [`SignedElement`]. Comments are not kept; adjacent text is one node.
#[derive(Clone, Copy, Debug)]
pub enum SignedNode<'s> {
    /// A child element.
    Element(SignedElement<'s>),
    /// Character data (text and CDATA, joined across comments and processing instructions).
    Text(&'s str),
}

impl<'s> SignedElement<'s> {
    /// The namespace URI (`""` for none).
    pub fn namespace(self) -> &'s str {
        self.element().map_or("", |e| self.view.str(&e.namespace))
    }

    /// The local name.
    pub fn name(self) -> &'s str {
        self.element().map_or("", |e| self.view.str(&e.name))
    }

    /// Whether this element is `{namespace}name`.
    pub fn is(self, namespace: &str, name: &str) -> bool {
        // Siblings mostly share a namespace, a long URI, and differ in their short names.
        self.element()
            .is_some_and(|e| self.view.eq(&e.name, name) && self.view.eq(&e.namespace, namespace))
    }

    /// The value of the unqualified attribute `name`.
    pub fn attribute(self, name: &str) -> Option<&'s str> {
        self.attribute_ns("", name)
    }

    /// The value of the attribute `{namespace}name`.
    pub fn attribute_ns(self, namespace: &str, name: &str) -> Option<&'s str> {
        // The local name tells attributes apart far more often than the namespace, and the
        // value is looked up only for the match: this runs for every attribute SAML reads.
        let view = self.view;
        self.attribute_data()
            .iter()
            .find(|a| view.eq(&a.name, name) && view.eq(&a.namespace, namespace))
            .map(|a| view.str(&a.value))
    }

    /// All attributes as (namespace, local name, value), in canonical order.
    pub fn attributes(self) -> impl Iterator<Item = (&'s str, &'s str, &'s str)> {
        let view = self.view;
        self.attribute_data().iter().map(move |a| {
            (
                view.str(&a.namespace),
                view.str(&a.name),
                view.str(&a.value),
            )
        })
    }

    /// The children, elements and text, in document order.
    pub fn nodes(self) -> impl Iterator<Item = SignedNode<'s>> {
        let view = self.view;
        let first = view
            .nodes
            .get(self.index as usize)
            .and_then(|n| n.first_child);
        std::iter::successors(first.and_then(|i| view.node(i)), move |(_, node)| {
            node.next_sibling.and_then(|i| view.node(i))
        })
        .map(move |(index, node)| match &node.kind {
            Kind::Element(_) => SignedNode::Element(SignedElement { view, index }),
            Kind::Text(span) => SignedNode::Text(view.str(span)),
        })
    }

    /// The child elements.
    pub fn children(self) -> impl Iterator<Item = SignedElement<'s>> {
        self.nodes().filter_map(|node| match node {
            SignedNode::Element(element) => Some(element),
            SignedNode::Text(_) => None,
        })
    }

    /// The child elements named `{namespace}name`.
    pub fn children_named<'a>(
        self,
        namespace: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = SignedElement<'s>> + 'a
    where
        's: 'a,
    {
        self.children()
            .filter(move |child| child.is(namespace, name))
    }

    /// All of the element's own character data, concatenated: a comment or processing
    /// instruction inside a value never truncates it.
    pub fn text(self) -> String {
        self.nodes()
            .filter_map(|node| match node {
                SignedNode::Text(text) => Some(text),
                SignedNode::Element(_) => None,
            })
            .collect()
    }

    fn attribute_data(self) -> &'s [AttributeData] {
        let range = self.element().map_or(0..0, |e| e.attributes.clone());
        self.view
            .attributes
            .get(range.start as usize..range.end as usize)
            .unwrap_or_default()
    }

    fn element(self) -> Option<&'s ElementData> {
        match &self.view.nodes.get(self.index as usize)?.kind {
            Kind::Element(element) => Some(element),
            Kind::Text(_) => None,
        }
    }
}

impl std::fmt::Debug for SignedElement<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignedElement({{{}}}{})", self.namespace(), self.name())
    }
}

/// A compact tree: every string lives in one buffer, nodes are linked by index.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub(crate) struct View {
    strings: String,
    nodes: Vec<NodeData>,
    attributes: Vec<AttributeData>,
}

#[derive(Clone, Debug, Eq, PartialEq)]
struct NodeData {
    kind: Kind,
    first_child: Option<u32>,
    next_sibling: Option<u32>,
}

#[derive(Clone, Debug, Eq, PartialEq)]
enum Kind {
    Element(ElementData),
    Text(Range<u32>),
}

#[derive(Clone, Debug, Eq, PartialEq)]
struct ElementData {
    namespace: Range<u32>,
    name: Range<u32>,
    attributes: Range<u32>,
}

#[derive(Clone, Debug, Eq, PartialEq)]
struct AttributeData {
    namespace: Range<u32>,
    name: Range<u32>,
    value: Range<u32>,
}

impl View {
    /// The root element.
    pub(crate) fn root(&self) -> SignedElement<'_> {
        SignedElement {
            view: self,
            index: 0,
        }
    }

    fn str(&self, span: &Range<u32>) -> &str {
        self.strings
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
    }

    /// Whether the string at `span` is `text`: lengths first, then bytes, without slicing a
    /// string for a comparison that the lengths already decide (every span is one pushed
    /// string, so its ends are character boundaries).
    fn eq(&self, span: &Range<u32>, text: &str) -> bool {
        span.end.saturating_sub(span.start) as usize == text.len()
            && self
                .strings
                .as_bytes()
                .get(span.start as usize..span.end as usize)
                == Some(text.as_bytes())
    }

    fn node(&self, index: u32) -> Option<(u32, &NodeData)> {
        self.nodes.get(index as usize).map(|node| (index, node))
    }

    /// The view of the root element of a parsed document, built from the parser's tree: the
    /// reference the walk-built view is checked against (tests and the fuzz target).
    pub(crate) fn of_document(doc: &crate::Document<'_>) -> Self {
        use crate::traverse::{Edge, traverse};
        let mut builder = ViewBuilder::default();
        for edge in traverse(doc.root_element()) {
            match edge {
                Edge::Open(node) if node.is_element() => {
                    builder.open(
                        node.tag_name().namespace().unwrap_or_default(),
                        node.tag_name().name(),
                    );
                    let mut attributes: Vec<_> = node.attributes().collect();
                    attributes.sort_by(|a, b| {
                        (a.namespace().unwrap_or(""), a.name())
                            .cmp(&(b.namespace().unwrap_or(""), b.name()))
                    });
                    for a in attributes {
                        builder.attribute(a.namespace().unwrap_or_default(), a.name(), a.value());
                    }
                }
                Edge::Open(node) if node.is_text() => builder.text(node.text().unwrap_or_default()),
                Edge::Close(node) if node.is_element() => builder.close(),
                Edge::Open(_) | Edge::Close(_) => {}
            }
        }
        builder.finish()
    }
}

/// Builds a [`View`] during a canonicalisation walk.
#[derive(Debug, Default)]
pub(crate) struct ViewBuilder {
    view: View,
    /// Open elements: (node index, index of its last child so far).
    open: Vec<(u32, Option<u32>)>,
    /// Whether the last thing added to the open element was text (comments are skipped, so
    /// text around a comment joins).
    after_text: bool,
}

impl ViewBuilder {
    /// A builder sized for a subtree of about `source_bytes` bytes of source.
    pub(crate) fn with_capacity(source_bytes: usize) -> Self {
        let mut builder = Self::default();
        builder.view.strings.reserve(source_bytes);
        builder.view.nodes.reserve(source_bytes / 32);
        builder.view.attributes.reserve(source_bytes / 64);
        builder
    }

    pub(crate) fn open(&mut self, namespace: &str, name: &str) {
        let namespace = self.push_str(namespace);
        let name = self.push_str(name);
        let attributes = self.len(self.view.attributes.len());
        let index = self.link(Kind::Element(ElementData {
            namespace,
            name,
            attributes: attributes..attributes,
        }));
        self.open.push((index, None));
        self.after_text = false;
    }

    pub(crate) fn attribute(&mut self, namespace: &str, name: &str, value: &str) {
        let attribute = AttributeData {
            namespace: self.push_str(namespace),
            name: self.push_str(name),
            value: self.push_str(value),
        };
        self.view.attributes.push(attribute);
        let end = self.len(self.view.attributes.len());
        if let Some(&(index, _)) = self.open.last()
            && let Some(NodeData {
                kind: Kind::Element(element),
                ..
            }) = self.view.nodes.get_mut(index as usize)
        {
            element.attributes.end = end;
        }
    }

    pub(crate) fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let span = self.push_str(text);
        if self.after_text
            && let Some(&(_, Some(last))) = self.open.last()
            && let Some(NodeData {
                kind: Kind::Text(previous),
                ..
            }) = self.view.nodes.get_mut(last as usize)
            && previous.end == span.start
        {
            previous.end = span.end;
            return;
        }
        self.link(Kind::Text(span));
        self.after_text = true;
    }

    pub(crate) fn close(&mut self) {
        self.open.pop();
        self.after_text = false;
    }

    pub(crate) fn finish(self) -> View {
        self.view
    }

    /// Appends a node as the next child of the open element.
    fn link(&mut self, kind: Kind) -> u32 {
        let index = self.len(self.view.nodes.len());
        self.view.nodes.push(NodeData {
            kind,
            first_child: None,
            next_sibling: None,
        });
        if let Some((parent, last)) = self.open.last_mut() {
            let previous = last.replace(index);
            let slot = match previous {
                Some(previous) => self
                    .view
                    .nodes
                    .get_mut(previous as usize)
                    .map(|n| &mut n.next_sibling),
                None => self
                    .view
                    .nodes
                    .get_mut(*parent as usize)
                    .map(|n| &mut n.first_child),
            };
            if let Some(slot) = slot {
                *slot = Some(index);
            }
        }
        index
    }

    fn push_str(&mut self, text: &str) -> Range<u32> {
        let start = self.len(self.view.strings.len());
        self.view.strings.push_str(text);
        start..self.len(self.view.strings.len())
    }

    /// INVARIANT: documents are at most `Limits::max_bytes` (far below 4 GiB), so every length
    /// of the view fits in a `u32`.
    fn len(&self, len: usize) -> u32 {
        u32::try_from(len).unwrap_or(u32::MAX)
    }
}
