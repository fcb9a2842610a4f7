//! The proof of verification: the signed element exactly as canonicalised and hashed.

use roxmltree::NodeType;

use crate::algorithm::{DigestAlgorithm, SignatureAlgorithm};
use crate::document::Document;
use crate::error::DsigError;
use crate::key::TrustedKey;

/// An element whose signature verified, read back from the canonical bytes that were digested.
///
/// Only [`crate::verify`] builds one. It gives access to the signed element and nothing else of
/// the document it came from: no sibling, no ancestor, no enveloped signature, no comment.
#[derive(Clone, Debug)]
pub struct Signed<'k> {
    id: String,
    canonical: Vec<u8>,
    element: SignedElement,
    key: &'k TrustedKey,
    signature_algorithm: SignatureAlgorithm,
    digest_algorithm: DigestAlgorithm,
}

impl<'k> Signed<'k> {
    /// INVARIANT: `canonical` are the bytes whose digest matched the verified DigestValue.
    pub(crate) fn new(
        id: &str,
        canonical: Vec<u8>,
        key: &'k TrustedKey,
        signature_algorithm: SignatureAlgorithm,
        digest_algorithm: DigestAlgorithm,
    ) -> Result<Self, DsigError> {
        // SECURITY: the element is re-read by the same parser from the hashed bytes (R8): what
        // the caller reads is what was hashed, so no wrapping or comment trick can separate them.
        let document = Document::parse_canonical(&canonical)?;
        let element = SignedElement::from_node(document.root_element());
        Ok(Self {
            id: id.to_owned(),
            canonical,
            element,
            key,
            signature_algorithm,
            digest_algorithm,
        })
    }

    /// The `ID` of the signed element.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The signed element.
    pub fn element(&self) -> &SignedElement {
        &self.element
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

/// An element of a signed subtree: name, attributes and children, owned.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct SignedElement {
    namespace: String,
    name: String,
    attributes: Vec<SignedAttribute>,
    children: Vec<SignedNode>,
}

/// An attribute of a [`SignedElement`].
#[derive(Clone, Debug, Eq, PartialEq)]
pub(crate) struct SignedAttribute {
    namespace: String,
    name: String,
    value: String,
}

/// A child of a [`SignedElement`]. Comments are not kept; adjacent text is one node.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum SignedNode {
    /// A child element.
    Element(SignedElement),
    /// Character data (text and CDATA, joined across comments and processing instructions).
    Text(String),
}

impl SignedElement {
    /// The namespace URI (`""` for none).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The local name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this element is `{namespace}name`.
    pub fn is(&self, namespace: &str, name: &str) -> bool {
        self.namespace == namespace && self.name == name
    }

    /// The value of the unqualified attribute `name`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attribute_ns("", name)
    }

    /// The value of the attribute `{namespace}name`.
    pub fn attribute_ns(&self, namespace: &str, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.namespace == namespace && a.name == name)
            .map(|a| a.value.as_str())
    }

    /// All attributes, in canonical order.
    pub fn attributes(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.attributes
            .iter()
            .map(|a| (a.namespace.as_str(), a.name.as_str(), a.value.as_str()))
    }

    /// The children, elements and text.
    pub fn nodes(&self) -> &[SignedNode] {
        &self.children
    }

    /// The child elements.
    pub fn children(&self) -> impl Iterator<Item = &SignedElement> {
        self.children.iter().filter_map(|node| match node {
            SignedNode::Element(element) => Some(element),
            SignedNode::Text(_) => None,
        })
    }

    /// The child elements named `{namespace}name`.
    pub fn children_named<'a>(
        &'a self,
        namespace: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a SignedElement> {
        self.children()
            .filter(move |child| child.is(namespace, name))
    }

    /// All of the element's own character data, concatenated: a comment or processing
    /// instruction inside a value never truncates it.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for node in &self.children {
            if let SignedNode::Text(part) = node {
                text.push_str(part);
            }
        }
        text
    }

    /// Builds the owned tree iteratively (the input depth is bounded by [`crate::Limits`], but the
    /// conversion does not rely on it).
    fn from_node(root: roxmltree::Node<'_, '_>) -> Self {
        let mut stack = vec![Self::shallow(root)];
        for edge in crate::traverse::traverse(root).skip(1) {
            match edge {
                crate::traverse::Edge::Open(node) => match node.node_type() {
                    NodeType::Element => stack.push(Self::shallow(node)),
                    NodeType::Text => {
                        if let Some(parent) = stack.last_mut() {
                            parent.push_text(node.text().unwrap_or_default());
                        }
                    }
                    NodeType::Comment | NodeType::PI | NodeType::Root => {}
                },
                crate::traverse::Edge::Close(node) if node.is_element() => {
                    if stack.len() > 1
                        && let Some(done) = stack.pop()
                        && let Some(parent) = stack.last_mut()
                    {
                        parent.children.push(SignedNode::Element(done));
                    }
                }
                crate::traverse::Edge::Close(_) => {}
            }
        }
        stack.pop().unwrap_or_else(|| Self::shallow(root))
    }

    fn shallow(node: roxmltree::Node<'_, '_>) -> Self {
        Self {
            namespace: node.tag_name().namespace().unwrap_or_default().to_owned(),
            name: node.tag_name().name().to_owned(),
            attributes: node
                .attributes()
                .map(|a| SignedAttribute {
                    namespace: a.namespace().unwrap_or_default().to_owned(),
                    name: a.name().to_owned(),
                    value: a.value().to_owned(),
                })
                .collect(),
            children: Vec::new(),
        }
    }

    fn push_text(&mut self, text: &str) {
        if let Some(SignedNode::Text(last)) = self.children.last_mut() {
            last.push_str(text);
        } else {
            self.children.push(SignedNode::Text(text.to_owned()));
        }
    }
}
