//! A read-only XML tree over roxmltree, with the limits and refusals that roxmltree alone lacks.

use std::collections::HashMap;

use roxmltree::{Node, NodeId, ParsingOptions};

use crate::error::{DsigError, truncated};

/// Resource limits, checked by a linear pre-scan before the parser builds anything.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Limits {
    /// Largest document, in bytes.
    pub max_bytes: usize,
    /// Deepest element nesting (the root element is at depth 1).
    pub max_depth: usize,
    /// Most attributes (namespace declarations included) on one element.
    pub max_attributes: usize,
    /// Most nodes (elements, text runs, comments, processing instructions) in the document.
    pub max_nodes: usize,
}

/// A SAML response is at most 100,000 base64 characters (75,000 bytes) at AWS; IdP metadata
/// with many keys and endpoints is larger, so the default leaves room for both.
pub const DEFAULT_MAX_BYTES: usize = 1024 * 1024;
/// Real SAML nests about 8 levels deep; 64 leaves room for extensions.
pub const DEFAULT_MAX_DEPTH: usize = 64;
/// SAML elements carry a handful of attributes and namespace declarations.
pub const DEFAULT_MAX_ATTRIBUTES: usize = 64;
/// Generous for metadata aggregates of a few IdPs, small enough to bound memory.
pub const DEFAULT_MAX_NODES: usize = 50_000;

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_BYTES,
            max_depth: DEFAULT_MAX_DEPTH,
            max_attributes: DEFAULT_MAX_ATTRIBUTES,
            max_nodes: DEFAULT_MAX_NODES,
        }
    }
}

/// A parsed, well-formed, namespace-valid XML document without DTD and with unique NCName IDs.
///
/// The tree is *untrusted*: use it to find the element to verify, never to read what the
/// identity provider said. What was signed is read from [`crate::Signed`].
pub struct Document<'input> {
    tree: roxmltree::Document<'input>,
    ids: HashMap<&'input str, NodeId>,
}

impl std::fmt::Debug for Document<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("bytes", &self.tree.input_text().len())
            .field("ids", &self.ids.len())
            .finish()
    }
}

impl<'input> Document<'input> {
    /// Parses UTF-8 bytes (a UTF-8 byte order mark is skipped), after checking `limits`.
    pub fn parse(bytes: &'input [u8], limits: &Limits) -> Result<Self, DsigError> {
        // SECURITY: size first, so no later step does work that grows with an oversized input.
        if bytes.len() > limits.max_bytes {
            return Err(DsigError::TooLarge {
                limit: limits.max_bytes,
            });
        }
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = std::str::from_utf8(bytes).map_err(|_| DsigError::NotUtf8)?;
        check_declaration(text)?;
        // SECURITY: depth, attribute and node bombs, DOCTYPE, and names that roxmltree lets
        // through are refused by one linear pass before the parser allocates anything.
        crate::scan::scan(text.as_bytes(), limits)?;
        Self::build(text, limits.max_nodes)
    }

    /// Re-reads bytes this crate canonicalised from a [`Document`] that passed its limits: the
    /// canonical form has the same elements, depth and attributes, so the pre-scan is not run
    /// again; the parser and its refusals are the same.
    pub(crate) fn parse_canonical(bytes: &'input [u8]) -> Result<Self, DsigError> {
        let text = std::str::from_utf8(bytes).map_err(|_| DsigError::NotUtf8)?;
        Self::build(text, DEFAULT_MAX_NODES)
    }

    fn build(text: &'input str, max_nodes: usize) -> Result<Self, DsigError> {
        let options = ParsingOptions {
            allow_dtd: false,
            nodes_limit: u32::try_from(max_nodes.saturating_mul(2)).unwrap_or(u32::MAX),
            ..ParsingOptions::default()
        };
        let tree = roxmltree::Document::parse_with_options(text, options).map_err(|e| match e {
            roxmltree::Error::DtdDetected => DsigError::Doctype,
            roxmltree::Error::NodesLimitReached => DsigError::TooManyNodes { limit: max_nodes },
            other => DsigError::Malformed(truncated(&other.to_string())),
        })?;
        let ids = collect_ids(&tree)?;
        Ok(Self { tree, ids })
    }

    /// The root element.
    pub fn root_element(&self) -> Node<'_, 'input> {
        self.tree.root_element()
    }

    /// The document node (parent of the root element, comments and PIs outside it).
    pub fn root(&self) -> Node<'_, 'input> {
        self.tree.root()
    }

    /// The element whose unqualified `ID` attribute is `id`.
    pub fn element_by_id(&self, id: &str) -> Option<Node<'_, 'input>> {
        self.ids.get(id).and_then(|node| self.tree.get_node(*node))
    }

    /// The whole document in exclusive canonical form.
    pub fn canonicalize(&self, options: &crate::C14nOptions) -> Vec<u8> {
        crate::c14n::canonicalize(self, None, None, options)
    }

    /// The subtree of `element` in exclusive canonical form.
    pub fn canonicalize_element(
        &self,
        element: Node<'_, 'input>,
        options: &crate::C14nOptions,
    ) -> Vec<u8> {
        crate::c14n::canonicalize(self, Some(element), None, options)
    }

    /// The source text the tree was parsed from.
    pub(crate) fn input_text(&self) -> &'input str {
        self.tree.input_text()
    }
}

/// The prefix of an element as written in the source (`None` when unprefixed).
pub(crate) fn element_prefix<'input>(
    input: &'input str,
    element: Node<'_, 'input>,
) -> Option<&'input str> {
    let start = element.range().start.checked_add(1)?;
    // Every delimiter is ASCII, so a byte search finds the same end as a search by character
    // and the slice below ends on a character boundary; this runs for every canonicalised
    // element.
    let tag = input.as_bytes().get(start..)?;
    let end = tag
        .iter()
        .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/' | b':'))?;
    if tag.get(end) == Some(&b':') {
        input.get(start..start + end)
    } else {
        None
    }
}

/// Refuses an XML declaration that names an encoding other than UTF-8, or a version other than
/// 1.0. roxmltree ignores both, so a UTF-16 or Latin-1 document whose bytes happen to be valid
/// UTF-8 would otherwise be read differently from how its author (and every other parser) reads
/// it, and XML 1.1 has other line-end and name rules than the ones canonicalisation applies.
fn check_declaration(text: &str) -> Result<(), DsigError> {
    let Some(rest) = text.strip_prefix("<?xml") else {
        return Ok(());
    };
    let declaration = rest.split_once("?>").map_or(rest, |(decl, _)| decl);
    if pseudo_attribute(declaration, "version").is_some_and(|version| version != "1.0") {
        return Err(DsigError::Malformed("only XML 1.0 is accepted".into()));
    }
    match pseudo_attribute(declaration, "encoding") {
        None => Ok(()),
        Some(name) if name.eq_ignore_ascii_case("utf-8") || name.eq_ignore_ascii_case("utf8") => {
            Ok(())
        }
        Some(_) => Err(DsigError::NotUtf8),
    }
}

/// The value of `name="…"` (or `'…'`) in an XML declaration.
fn pseudo_attribute<'a>(declaration: &'a str, name: &str) -> Option<&'a str> {
    let (_, after) = declaration.split_once(name)?;
    let value = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = value.chars().next()?;
    value.get(1..)?.split_once(quote).map(|(value, _)| value)
}

/// Builds the ID table. Only the unqualified `ID` attribute counts (SAML's ID type).
fn collect_ids<'input>(
    tree: &roxmltree::Document<'input>,
) -> Result<HashMap<&'input str, NodeId>, DsigError> {
    let mut ids = HashMap::new();
    for node in tree.descendants().filter(Node::is_element) {
        let Some(attribute) = node
            .attributes()
            .find(|a| a.namespace().is_none() && a.name() == "ID")
        else {
            continue;
        };
        let roxmltree::StringStorage::Borrowed(id) = *attribute.value_storage() else {
            // SECURITY: an ID written with character or entity references is not what a
            // Reference URI compares against byte for byte; refuse it rather than guess.
            return Err(DsigError::InvalidId(truncated(attribute.value())));
        };
        if !is_ncname(id) {
            return Err(DsigError::InvalidId(truncated(id)));
        }
        // SECURITY: duplicate IDs are how XSW7/XSW8 make a reference resolve to another copy.
        if ids.insert(id, node.id()).is_some() {
            return Err(DsigError::DuplicateId(truncated(id)));
        }
    }
    Ok(ids)
}

/// An XML NCName: a Name without colons.
pub(crate) fn is_ncname(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    is_name_start(first) && chars.all(|c| is_name_start(c) || is_name_char(c))
}

fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_other_encodings_and_xml_1_1_in_the_declaration() {
        let parse = |xml: &str| Document::parse(xml.as_bytes(), &Limits::default()).map(|_| ());
        assert_eq!(
            parse("<?xml version=\"1.0\" encoding='UTF-8'?><a/>"),
            Ok(())
        );
        assert_eq!(parse("<?xml version=\"1.0\"?><a/>"), Ok(()));
        assert_eq!(
            parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>"),
            Err(DsigError::NotUtf8)
        );
        assert!(matches!(
            parse("<?xml version=\"1.1\"?><a/>"),
            Err(DsigError::Malformed(_))
        ));
    }
}
