//! Exclusive XML Canonicalization 1.0 (<https://www.w3.org/TR/xml-exc-c14n/>), with and without
//! comments, with the InclusiveNamespaces PrefixList, of a whole document or of one element's
//! subtree, optionally leaving out one descendant (the enveloped signature).
//!
//! The walk is iterative (roxmltree's `traverse`), so input depth never becomes stack depth.

use std::borrow::Cow;

use roxmltree::{Node, NodeType};

use crate::document::{Document, element_prefix};
use crate::signed::{View, ViewBuilder};
use crate::traverse::{Edge, traverse};

/// Options of exclusive canonicalisation.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct C14nOptions {
    /// Keep comments (`…xml-exc-c14n#WithComments`).
    pub with_comments: bool,
    /// The InclusiveNamespaces PrefixList: prefixes treated as in inclusive C14N (`#default`
    /// names the default namespace).
    pub inclusive_prefixes: Vec<String>,
}

impl C14nOptions {
    /// Options from a PrefixList attribute value (whitespace-separated prefixes).
    pub fn with_prefix_list(with_comments: bool, prefix_list: &str) -> Self {
        Self {
            with_comments,
            inclusive_prefixes: prefix_list
                .split_ascii_whitespace()
                .map(str::to_owned)
                .collect(),
        }
    }
}

/// Canonicalises `apex` (or the whole document when `None`), leaving out the subtree of
/// `exclude` (the enveloped-signature transform).
pub(crate) fn canonicalize(
    doc: &Document<'_>,
    apex: Option<Node<'_, '_>>,
    exclude: Option<Node<'_, '_>>,
    options: &C14nOptions,
) -> Vec<u8> {
    walk(doc, apex, exclude, options, None)
}

/// Canonicalises the subtree of `apex` without `exclude`, and builds the [`View`] of exactly
/// what was written, in the same walk.
pub(crate) fn canonicalize_with_view(
    doc: &Document<'_>,
    apex: Node<'_, '_>,
    exclude: Option<Node<'_, '_>>,
    options: &C14nOptions,
) -> (Vec<u8>, View) {
    let mut view = ViewBuilder::with_capacity(apex.range().len());
    let bytes = walk(doc, Some(apex), exclude, options, Some(&mut view));
    (bytes, view.finish())
}

fn walk(
    doc: &Document<'_>,
    apex: Option<Node<'_, '_>>,
    exclude: Option<Node<'_, '_>>,
    options: &C14nOptions,
    view: Option<&mut ViewBuilder>,
) -> Vec<u8> {
    let input = doc.input_text();
    let mut out = Vec::with_capacity(input.len());
    let mut writer = Writer {
        input,
        options,
        out: &mut out,
        view,
        // Sized for SAML (a handful of namespaces and attributes, about 8 levels), so that
        // they are allocated once and do not grow.
        rendered: Vec::with_capacity(8),
        frames: Vec::with_capacity(16),
        namespaces: Vec::with_capacity(8),
        attributes: Vec::with_capacity(8),
    };
    match apex {
        Some(element) => writer.subtree(element, exclude),
        None => writer.document(doc.root(), exclude),
    }
    out
}

struct Writer<'w, 'input> {
    input: &'input str,
    options: &'w C14nOptions,
    out: &'w mut Vec<u8>,
    /// The view of what is written, when one is wanted.
    view: Option<&'w mut ViewBuilder>,
    /// Namespace declarations in effect in the output: (prefix, URI), "" for the default.
    rendered: Vec<(&'w str, &'w str)>,
    /// For each open element: the length of `rendered` when it started, and its prefix.
    frames: Vec<(usize, Option<&'input str>)>,
    /// Scratch buffers reused across elements.
    namespaces: Vec<(&'w str, &'w str)>,
    attributes: Vec<roxmltree::Attribute<'w, 'input>>,
}

impl<'w, 'input> Writer<'w, 'input> {
    fn document(&mut self, root: Node<'w, 'input>, exclude: Option<Node<'_, '_>>) {
        let mut after_root = false;
        for child in root.children() {
            match child.node_type() {
                NodeType::Element => {
                    self.subtree(child, exclude);
                    after_root = true;
                }
                NodeType::Comment | NodeType::PI => {
                    if child.is_comment() && !self.options.with_comments {
                        continue;
                    }
                    // Outside the root, each comment or PI is separated from it by a newline.
                    if after_root {
                        self.out.push(b'\n');
                    }
                    self.leaf(child);
                    if !after_root {
                        self.out.push(b'\n');
                    }
                }
                NodeType::Root | NodeType::Text => {}
            }
        }
    }

    fn subtree(&mut self, apex: Node<'w, 'input>, exclude: Option<Node<'_, '_>>) {
        let excluded = exclude.map(|node| node.id());
        let mut skipping = false;
        for edge in traverse(apex) {
            match edge {
                Edge::Open(node) if Some(node.id()) == excluded => skipping = true,
                Edge::Close(node) if Some(node.id()) == excluded => skipping = false,
                _ if skipping => {}
                Edge::Open(node) if node.is_element() => self.start_tag(node),
                Edge::Close(node) if node.is_element() => self.end_tag(node),
                Edge::Open(node) => self.leaf(node),
                Edge::Close(_) => {}
            }
        }
    }

    fn start_tag(&mut self, element: Node<'w, 'input>) {
        let prefix = element_prefix(self.input, element);
        self.frames.push((self.rendered.len(), prefix));
        if let Some(view) = self.view.as_deref_mut() {
            view.open(
                element.tag_name().namespace().unwrap_or_default(),
                element.tag_name().name(),
            );
        }

        // Namespaces: the visibly utilised ones, plus the InclusiveNamespaces prefixes in scope,
        // each only where the output does not already have the same declaration in effect.
        // The URI a visibly utilised prefix is bound to is the one the parser resolved the
        // element's or attribute's name with, so only an InclusiveNamespaces prefix is looked
        // up among the namespaces in scope.
        self.namespaces.clear();
        self.consider_namespace(
            prefix.unwrap_or(""),
            element.tag_name().namespace().unwrap_or(""),
        );
        for attribute in element.attributes() {
            if let Some(attribute_prefix) = self.attribute_prefix(&attribute) {
                self.consider_namespace(attribute_prefix, attribute.namespace().unwrap_or(""));
            }
        }
        for inclusive in &self.options.inclusive_prefixes {
            let prefix = if inclusive == "#default" {
                ""
            } else {
                inclusive.as_str()
            };
            if let Some(prefix) = self.in_scope_prefix(element, prefix) {
                self.consider_namespace(prefix, in_scope_uri(element, prefix));
            }
        }
        self.namespaces.sort_unstable_by(|a, b| a.0.cmp(b.0));

        self.out.push(b'<');
        self.qname(prefix, element.tag_name().name());
        for index in 0..self.namespaces.len() {
            let Some(&(ns_prefix, uri)) = self.namespaces.get(index) else {
                continue;
            };
            if ns_prefix.is_empty() {
                self.out.extend_from_slice(b" xmlns=\"");
            } else {
                self.out.extend_from_slice(b" xmlns:");
                self.out.extend_from_slice(ns_prefix.as_bytes());
                self.out.extend_from_slice(b"=\"");
            }
            escape_attribute(self.out, uri);
            self.out.push(b'"');
            self.rendered.push((ns_prefix, uri));
        }

        self.attributes.clear();
        self.attributes.extend(element.attributes());
        self.attributes.sort_unstable_by(attribute_order);
        for index in 0..self.attributes.len() {
            let Some(attribute) = self.attributes.get(index).cloned() else {
                continue;
            };
            self.out.push(b' ');
            let attribute_prefix = self.attribute_prefix(&attribute);
            self.qname(attribute_prefix, attribute.name());
            self.out.extend_from_slice(b"=\"");
            escape_attribute(self.out, attribute.value());
            self.out.push(b'"');
            if let Some(view) = self.view.as_deref_mut() {
                view.attribute(
                    attribute.namespace().unwrap_or_default(),
                    attribute.name(),
                    attribute.value(),
                );
            }
        }
        self.out.push(b'>');
    }

    fn end_tag(&mut self, element: Node<'w, 'input>) {
        let Some((rendered, prefix)) = self.frames.pop() else {
            return;
        };
        self.rendered.truncate(rendered);
        self.out.extend_from_slice(b"</");
        self.qname(prefix, element.tag_name().name());
        self.out.push(b'>');
        if let Some(view) = self.view.as_deref_mut() {
            view.close();
        }
    }

    fn leaf(&mut self, node: Node<'w, 'input>) {
        match node.node_type() {
            NodeType::Text => {
                let text = character_data(self.input, node);
                escape_text(self.out, &text);
                if let Some(view) = self.view.as_deref_mut() {
                    view.text(&text);
                }
            }
            NodeType::Comment if self.options.with_comments => {
                self.out.extend_from_slice(b"<!--");
                push_normalized(self.out, node.text().unwrap_or_default());
                self.out.extend_from_slice(b"-->");
            }
            NodeType::PI => {
                if let Some(pi) = node.pi() {
                    self.out.extend_from_slice(b"<?");
                    self.out.extend_from_slice(pi.target.as_bytes());
                    if let Some(value) = pi.value.filter(|v| !v.is_empty()) {
                        self.out.push(b' ');
                        push_normalized(self.out, value);
                    }
                    self.out.extend_from_slice(b"?>");
                }
            }
            NodeType::Comment | NodeType::Element | NodeType::Root => {}
        }
    }

    /// Adds the declaration of `prefix`, bound to `in_scope` on the element (`""` for none), if
    /// the output lacks it.
    fn consider_namespace(&mut self, prefix: &'w str, in_scope: &'w str) {
        if prefix == "xml" || self.namespaces.iter().any(|(p, _)| *p == prefix) {
            return;
        }
        let rendered = self
            .rendered
            .iter()
            .rev()
            .find(|(p, _)| *p == prefix)
            .map(|(_, uri)| *uri);
        // An absent default namespace and `xmlns=""` are the same thing: only a rendered
        // non-empty default needs undeclaring.
        if in_scope != rendered.unwrap_or("") {
            self.namespaces.push((prefix, in_scope));
        }
    }

    /// The prefix `prefix` as a string borrowed from the input, if it is in scope on `element`.
    fn in_scope_prefix(&self, element: Node<'w, 'input>, prefix: &str) -> Option<&'input str> {
        if prefix.is_empty() {
            return Some("");
        }
        element
            .namespaces()
            .find(|ns| ns.name() == Some(prefix))
            .and_then(|ns| ns.name())
    }

    fn attribute_prefix(
        &self,
        attribute: &roxmltree::Attribute<'w, 'input>,
    ) -> Option<&'input str> {
        attribute.namespace()?;
        let qname = self.input.get(attribute.range_qname())?;
        qname.split_once(':').map(|(prefix, _)| prefix)
    }

    fn qname(&mut self, prefix: Option<&str>, local: &str) {
        if let Some(prefix) = prefix {
            self.out.extend_from_slice(prefix.as_bytes());
            self.out.push(b':');
        }
        self.out.extend_from_slice(local.as_bytes());
    }
}

/// The URI `prefix` (`""` for the default namespace) is bound to on `element`, `""` for none.
fn in_scope_uri<'w>(element: Node<'w, '_>, prefix: &str) -> &'w str {
    let in_scope = if prefix.is_empty() {
        element
            .namespaces()
            .find(|ns| ns.name().is_none())
            .map(|ns| ns.uri())
    } else {
        element
            .namespaces()
            .find(|ns| ns.name() == Some(prefix))
            .map(|ns| ns.uri())
    };
    in_scope.unwrap_or("")
}

/// Canonical attribute order: by namespace URI (none first), then local name, comparing bytes
/// as libxml2 does. Unqualified attributes, the common case, compare by name alone.
fn attribute_order(
    a: &roxmltree::Attribute<'_, '_>,
    b: &roxmltree::Attribute<'_, '_>,
) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a.namespace(), b.namespace()) {
        (None, None) => a.name().cmp(b.name()),
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(y).then_with(|| a.name().cmp(b.name())),
    }
}

/// The character data of a text node, with line ends normalised as XML 1.0 §2.11 requires
/// *before* parsing: a raw CR (alone or before LF) is an LF, while a CR written as `&#13;` stays.
/// roxmltree misses raw CRs next to references, so text holding a CR is decoded again from its
/// source, where the two can still be told apart.
fn character_data<'a>(input: &str, node: Node<'a, '_>) -> Cow<'a, str> {
    let text = node.text().unwrap_or_default();
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    // roxmltree joins text, references and CDATA sections into one node whose range covers only
    // the first part: the source of the whole run ends where the next node (or the parent's end
    // tag) starts.
    let start = node.range().start;
    let end = match node.next_sibling() {
        Some(next) => Some(next.range().start),
        None => node
            .parent()
            .and_then(|parent| input.get(..parent.range().end)?.rfind('<')),
    };
    let Some(mut rest) = end.and_then(|end| input.get(start..end)) else {
        return Cow::Borrowed(text);
    };
    let mut decoded = Vec::with_capacity(rest.len());
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let (data, tail) = after.split_once("]]>").unwrap_or((after, ""));
            push_normalized(&mut decoded, data);
            rest = tail;
        } else if let Some(after) = rest.strip_prefix('&') {
            let (reference, tail) = after.split_once(';').unwrap_or((after, ""));
            if let Some(c) = decode_reference(reference) {
                let mut buffer = [0; 4];
                decoded.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            }
            rest = tail;
        } else {
            let end = rest.find(['&', '<']).unwrap_or(rest.len());
            let (chunk, tail) = rest.split_at(end);
            push_normalized(&mut decoded, chunk);
            rest = tail;
        }
    }
    String::from_utf8(decoded).map_or(Cow::Borrowed(text), Cow::Owned)
}

/// The character a predefined entity or character reference (without `&` and `;`) stands for.
fn decode_reference(reference: &str) -> Option<char> {
    match reference {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let number = reference.strip_prefix('#')?;
            let code = match number.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// Appends `text` with raw CR LF and lone CR turned into LF (comments and PIs hold no references,
/// so every CR in them is a raw one).
fn push_normalized(out: &mut Vec<u8>, text: &str) {
    let mut bytes = text.bytes().peekable();
    while let Some(byte) = bytes.next() {
        if byte == b'\r' {
            if bytes.peek() == Some(&b'\n') {
                bytes.next();
            }
            out.push(b'\n');
        } else {
            out.push(byte);
        }
    }
}

fn escape_text(out: &mut Vec<u8>, text: &str) {
    if is_clean(text, |byte| matches!(byte, b'&' | b'<' | b'>' | b'\r')) {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    escape(out, text, |byte| match byte {
        b'&' => Some(b"&amp;"),
        b'<' => Some(b"&lt;"),
        b'>' => Some(b"&gt;"),
        b'\r' => Some(b"&#xD;"),
        _ => None,
    });
}

fn escape_attribute(out: &mut Vec<u8>, value: &str) {
    if is_clean(value, |byte| {
        matches!(byte, b'&' | b'<' | b'"' | b'\t' | b'\n' | b'\r')
    }) {
        out.extend_from_slice(value.as_bytes());
        return;
    }
    escape(out, value, |byte| match byte {
        b'&' => Some(b"&amp;"),
        b'<' => Some(b"&lt;"),
        b'"' => Some(b"&quot;"),
        b'\t' => Some(b"&#x9;"),
        b'\n' => Some(b"&#xA;"),
        b'\r' => Some(b"&#xD;"),
        _ => None,
    });
}

/// Whether no byte of `text` is `special`. Most names, URIs, values and text runs need no
/// escaping: testing every byte without stopping at the first hit has no branch per byte, so
/// the compiler tests many bytes at once, and such a string is then copied whole.
fn is_clean(text: &str, special: impl Fn(u8) -> bool) -> bool {
    !text
        .as_bytes()
        .iter()
        .fold(false, |found, byte| found | special(*byte))
}

/// Copies `text` to `out`, replacing the bytes `replacement` names; runs of plain bytes are
/// copied at once (this is most of canonicalisation's time).
fn escape(out: &mut Vec<u8>, text: &str, replacement: impl Fn(u8) -> Option<&'static [u8]>) {
    let bytes = text.as_bytes();
    let mut plain_from = 0;
    for (index, byte) in bytes.iter().enumerate() {
        if let Some(escaped) = replacement(*byte) {
            out.extend_from_slice(bytes.get(plain_from..index).unwrap_or_default());
            out.extend_from_slice(escaped);
            plain_from = index + 1;
        }
    }
    out.extend_from_slice(bytes.get(plain_from..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;

    fn c14n(xml: &str) -> String {
        let doc = Document::parse(xml.as_bytes(), &Limits::default()).unwrap();
        String::from_utf8(doc.canonicalize(&C14nOptions::default())).unwrap()
    }

    #[test]
    fn drops_unused_namespaces_and_sorts_attributes() {
        assert_eq!(
            c14n(r#"<a xmlns:u="urn:u" xmlns:b="urn:b" z="1" b:y="2" a="3"><b:c/></a>"#),
            r#"<a xmlns:b="urn:b" a="3" z="1" b:y="2"><b:c></b:c></a>"#
        );
    }

    #[test]
    fn undeclares_default_namespace_only_when_rendered() {
        assert_eq!(
            c14n(r#"<a xmlns="urn:a"><b xmlns=""><c/></b></a>"#),
            r#"<a xmlns="urn:a"><b xmlns=""><c></c></b></a>"#
        );
        assert_eq!(c14n(r#"<a><b xmlns=""/></a>"#), r#"<a><b></b></a>"#);
    }

    #[test]
    fn escapes_text_and_attributes() {
        assert_eq!(
            c14n("<a t=\"&lt;&amp;&quot;&#9;&#10;&#13;>\">&lt;&amp;&gt;&#13;\"</a>"),
            "<a t=\"&lt;&amp;&quot;&#x9;&#xA;&#xD;>\">&lt;&amp;&gt;&#xD;\"</a>"
        );
    }

    #[test]
    fn subtree_declares_namespaces_from_ancestors() {
        let xml = r#"<r xmlns:p="urn:p" xmlns:q="urn:q"><p:e ID="x" q:a="1"><p:f/></p:e></r>"#;
        let doc = Document::parse(xml.as_bytes(), &Limits::default()).unwrap();
        let e = doc.element_by_id("x").unwrap();
        let out = doc.canonicalize_element(e, &C14nOptions::default());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<p:e xmlns:p="urn:p" xmlns:q="urn:q" ID="x" q:a="1"><p:f></p:f></p:e>"#
        );
    }
}
