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
        while let Some(offset) = find_byte(self.rest(), b'<') {
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
            if name.bytes.is_empty() {
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
            let value_len = find_byte(self.rest(), quote).unwrap_or(self.rest().len());
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

    /// The name at the cursor, up to whitespace, `=`, `>`, `/` or `<`, and whether XML
    /// Namespaces forbids it, found in the same pass over its bytes.
    fn name(&mut self) -> Name<'a> {
        let rest: &'a [u8] = self.bytes.get(self.pos..).unwrap_or_default();
        let mut colon = None;
        let mut colons = 0_usize;
        let mut len = rest.len();
        for (index, &byte) in rest.iter().enumerate() {
            if is_name_end(byte) {
                len = index;
                break;
            }
            if byte == b':' {
                colon = colon.or(Some(index));
                colons += 1;
            }
        }
        self.pos += len;
        // SECURITY: an empty prefix or local part (`<:a>`, `<a:>`) or a second colon.
        let forbidden = colon.is_some_and(|colon| colon == 0 || colon + 1 == len || colons > 1);
        Name {
            bytes: rest.get(..len).unwrap_or_default(),
            forbidden,
        }
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

/// A name as the scanner found it: its bytes, and whether XML Namespaces forbids it.
#[derive(Clone, Copy, Debug)]
struct Name<'a> {
    bytes: &'a [u8],
    forbidden: bool,
}

/// Whether `byte` ends a name: ASCII whitespace, `=`, `>`, `/` or `<`. All of them are below
/// 64, so the test is one comparison and one bit of a mask.
fn is_name_end(byte: u8) -> bool {
    const ENDS: u64 = (1 << b' ')
        | (1 << b'\t')
        | (1 << b'\n')
        | (1 << 0x0c)
        | (1 << b'\r')
        | (1 << b'=')
        | (1 << b'>')
        | (1 << b'/')
        | (1 << b'<');
    byte < 64 && ENDS & (1 << byte) != 0
}

/// SECURITY: XML Namespaces forbids an empty prefix or local part (`<:a>`, `<a:>`), which
/// roxmltree does not refuse everywhere; two parsers disagreeing on a name is how parser
/// differentials start.
fn check_qname(name: Name<'_>) -> Result<(), DsigError> {
    if name.forbidden {
        return Err(DsigError::ForbiddenNamespace(truncated(
            &String::from_utf8_lossy(name.bytes),
        )));
    }
    Ok(())
}

/// SECURITY: `xmlns:p=""` (undeclaring a prefix) is forbidden by XML Namespaces 1.0.
fn check_attribute(name: Name<'_>, value_len: usize) -> Result<(), DsigError> {
    check_qname(name)?;
    if name.bytes.starts_with(b"xmlns:") && value_len == 0 {
        return Err(DsigError::ForbiddenNamespace(format!(
            "{}=\"\"",
            truncated(&String::from_utf8_lossy(name.bytes))
        )));
    }
    Ok(())
}

/// The offset of the first occurrence of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, tail) = needle.split_first()?;
    let mut from = 0;
    while let Some(offset) = find_byte(haystack.get(from..)?, first) {
        let at = from + offset;
        if haystack.get(at + 1..)?.starts_with(tail) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The offset of the first `needle` in `haystack`, eight bytes at a time: most of a document is
/// text and attribute values (base64 certificates and signatures) that the scan only skips.
fn find_byte(haystack: &[u8], needle: u8) -> Option<usize> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let pattern = LOW * u64::from(needle);
    let mut words = haystack.chunks_exact(8);
    let mut offset = 0;
    for word in &mut words {
        let word = u64::from_le_bytes(word.try_into().unwrap_or_default()) ^ pattern;
        // A byte equal to `needle` is zero in `word`. The lowest high bit set here is the first
        // zero byte: a borrow only reaches bytes above a zero one.
        let zeros = word.wrapping_sub(LOW) & !word & HIGH;
        if zeros != 0 {
            return Some(offset + (zeros.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    let tail = words.remainder();
    tail.iter().position(|b| *b == needle).map(|i| offset + i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The scan as first written, a byte at a time with a separate pass for each name's colons:
    /// the faster one must decide exactly as it did.
    mod reference {
        use crate::document::Limits;
        use crate::error::{DsigError, truncated};

        /// Checks `bytes` against `limits`; `Ok` says nothing about well-formedness.
        pub(super) fn scan(bytes: &[u8], limits: &Limits) -> Result<(), DsigError> {
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
                    let Some(&quote) = self.rest().first().filter(|q| **q == b'"' || **q == b'\'')
                    else {
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
    }

    /// Markup-heavy text: every delimiter the scan looks at, names with colons, and runs long
    /// enough to span several eight-byte words.
    fn markup() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "<",
            ">",
            "/",
            "=",
            "\"",
            "'",
            ":",
            "!",
            "?",
            "-",
            "[",
            "]",
            " ",
            "\t",
            "\n",
            "\r",
            "\u{c}",
            "a",
            "p:b",
            ":c",
            "d:",
            "e:f:g",
            "xmlns:p",
            "xmlns",
            "<!--",
            "-->",
            "<![CDATA[",
            "]]>",
            "<?",
            "?>",
            "</",
            "/>",
            "<!DOCTYPE",
            "é",
            "text of a run",
            "MIIDZzCCAk+gAwIBAgIUXDkhSY1oyLyIVniT9FSN71mxifQwDQYJKoZIhvcNAQEL",
        ]);
        prop::collection::vec(piece, 0..64).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn decides_as_the_byte_at_a_time_scan(text in markup(), max in 1_usize..8) {
            let limits = Limits {
                max_bytes: usize::MAX,
                max_depth: max,
                max_attributes: max,
                max_nodes: max * 4,
            };
            prop_assert_eq!(
                scan(text.as_bytes(), &limits),
                reference::scan(text.as_bytes(), &limits)
            );
            let limits = Limits::default();
            prop_assert_eq!(
                scan(text.as_bytes(), &limits),
                reference::scan(text.as_bytes(), &limits)
            );
        }

        #[test]
        fn find_byte_finds_the_first(bytes in prop::collection::vec(0_u8..8, 0..40), needle in 0_u8..8) {
            prop_assert_eq!(
                find_byte(&bytes, needle),
                bytes.iter().position(|b| *b == needle)
            );
        }
    }

    #[test]
    fn find_byte_reads_every_byte_value() {
        let bytes: Vec<u8> = (0..=255).chain((0..=255).rev()).collect();
        for needle in 0..=255 {
            assert_eq!(
                find_byte(&bytes, needle),
                bytes.iter().position(|b| *b == needle)
            );
            assert_eq!(
                find_byte(&bytes[1..], needle),
                bytes[1..].iter().position(|b| *b == needle)
            );
        }
    }
}
