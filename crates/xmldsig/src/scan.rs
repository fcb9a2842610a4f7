//! A linear pre-scan of the raw bytes that enforces [`Limits`] before any tree is built.
//!
//! It is not a parser: it only finds markup boundaries well enough to count depth, attributes
//! and nodes and to refuse a DOCTYPE and names that XML Namespaces forbids. Anything it does not
//! understand is left for roxmltree to reject as not well-formed.

use crate::document::Limits;
use crate::error::{DsigError, truncated};

/// Checks `bytes` against `limits`; `Ok` says nothing about well-formedness.
pub(crate) fn scan(bytes: &[u8], limits: &Limits) -> Result<(), DsigError> {
    let mut scanner = Scanner {
        bytes,
        pos: 0,
        depth: 0,
        nodes: 0,
        limits,
    };
    scanner.run()
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    nodes: usize,
    limits: &'a Limits,
}

impl<'a> Scanner<'a> {
    fn run(&mut self) -> Result<(), DsigError> {
        while let Some(offset) = find(self.rest(), b"<") {
            if offset > 0 {
                self.count_node()?;
            }
            self.pos += offset;
            let rest = self.rest();
            if rest.starts_with(b"<!--") {
                self.count_node()?;
                self.skip_past(b"-->");
            } else if rest.starts_with(b"<![CDATA[") {
                self.count_node()?;
                self.skip_past(b"]]>");
            } else if rest.starts_with(b"<!") {
                // SECURITY: DOCTYPE (and any other declaration) is refused: no entities, no
                // ATTLIST defaults injecting attributes, no DTD-declared IDs.
                return Err(DsigError::Doctype);
            } else if rest.starts_with(b"<?") {
                self.count_node()?;
                self.skip_past(b"?>");
            } else if rest.starts_with(b"</") {
                self.depth = self.depth.saturating_sub(1);
                self.skip_past(b">");
            } else {
                self.start_tag()?;
            }
        }
        if !self.rest().is_empty() {
            self.count_node()?;
        }
        Ok(())
    }

    fn start_tag(&mut self) -> Result<(), DsigError> {
        self.pos += 1; // '<'
        self.count_node()?;
        // SECURITY: a nesting bomb is refused here, before the tree or any recursion sees it.
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(DsigError::TooDeep {
                limit: self.limits.max_depth,
            });
        }
        let name = self.name();
        check_qname(name)?;
        let mut attributes = 0usize;
        loop {
            self.skip_whitespace();
            match self.rest().first() {
                None => return Ok(()),
                Some(b'>') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'/') => {
                    self.pos += 1;
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(());
                }
                Some(_) => {}
            }
            let name = self.name();
            if name.is_empty() {
                // Not well-formed; roxmltree says where.
                return Ok(());
            }
            attributes += 1;
            if attributes > self.limits.max_attributes {
                return Err(DsigError::TooManyAttributes {
                    limit: self.limits.max_attributes,
                });
            }
            self.skip_whitespace();
            if self.rest().first() != Some(&b'=') {
                return Ok(());
            }
            self.pos += 1;
            self.skip_whitespace();
            let Some(&quote) = self.rest().first().filter(|q| **q == b'"' || **q == b'\'') else {
                return Ok(());
            };
            self.pos += 1;
            let value_len = find(self.rest(), &[quote]).unwrap_or(self.rest().len());
            check_attribute(name, value_len)?;
            self.pos += value_len + 1;
        }
    }

    fn count_node(&mut self) -> Result<(), DsigError> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(DsigError::TooManyNodes {
                limit: self.limits.max_nodes,
            });
        }
        Ok(())
    }

    fn name(&mut self) -> &'a [u8] {
        let rest: &'a [u8] = self.bytes.get(self.pos..).unwrap_or_default();
        let len = rest
            .iter()
            .position(|b| b.is_ascii_whitespace() || matches!(b, b'=' | b'>' | b'/' | b'<'))
            .unwrap_or(rest.len());
        self.pos += len;
        rest.get(..len).unwrap_or_default()
    }

    fn skip_whitespace(&mut self) {
        let rest = self.rest();
        self.pos += rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
    }

    fn skip_past(&mut self, terminator: &[u8]) {
        self.pos = match find(self.rest(), terminator) {
            Some(offset) => self.pos + offset + terminator.len(),
            None => self.bytes.len(),
        };
    }

    fn rest(&self) -> &[u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }
}

/// SECURITY: XML Namespaces forbids an empty prefix or local part (`<:a>`, `<a:>`), which
/// roxmltree does not refuse everywhere; two parsers disagreeing on a name is how parser
/// differentials start.
fn check_qname(name: &[u8]) -> Result<(), DsigError> {
    let bad = match name.iter().position(|b| *b == b':') {
        Some(colon) => {
            let (prefix, local) = name.split_at(colon);
            prefix.is_empty()
                || local.len() <= 1
                || local.get(1..).is_some_and(|l| l.contains(&b':'))
        }
        None => false,
    };
    if bad {
        return Err(DsigError::ForbiddenNamespace(truncated(
            &String::from_utf8_lossy(name),
        )));
    }
    Ok(())
}

/// SECURITY: `xmlns:p=""` (undeclaring a prefix) is forbidden by XML Namespaces 1.0.
fn check_attribute(name: &[u8], value_len: usize) -> Result<(), DsigError> {
    check_qname(name)?;
    if name.starts_with(b"xmlns:") && value_len == 0 {
        return Err(DsigError::ForbiddenNamespace(format!(
            "{}=\"\"",
            truncated(&String::from_utf8_lossy(name))
        )));
    }
    Ok(())
}

/// The offset of the first occurrence of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, tail) = needle.split_first()?;
    let mut from = 0;
    while let Some(offset) = haystack.get(from..)?.iter().position(|b| *b == first) {
        let at = from + offset;
        if haystack.get(at + 1..)?.starts_with(tail) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}
