//! Percent-encoding as SigV4 and `application/x-www-form-urlencoded` need it.
//!
//! One decoder serves both the SigV4 canonical query string and the awsQuery parameters, so
//! that the bytes the signature covers and the values the handlers read cannot disagree.

/// Decodes `%XX` escapes and `+` (as a space, as HTML forms and botocore's `urlencode` mean
/// it). `None` on a truncated or non-hex escape: malformed input is refused, never guessed at.
pub(crate) fn decode(input: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len());
    let mut rest = input.as_bytes();
    // Runs without escapes (most of a base64 SAMLResponse) are copied whole.
    while let Some(at) = next_escape(rest) {
        let (run, tail) = rest.split_at(at);
        out.extend_from_slice(run);
        rest = match tail {
            [b'%', high, low, tail @ ..] => {
                out.push(hex_value(*high)? << 4 | hex_value(*low)?);
                tail
            }
            [b'+', tail @ ..] => {
                out.push(b' ');
                tail
            }
            _ => return None,
        };
    }
    out.extend_from_slice(rest);
    Some(out)
}

/// Appends `input` with every byte except the unreserved ones (`A-Z a-z 0-9 - . _ ~`, and `/`
/// when `keep_slash`) written as `%XX` with uppercase hex: SigV4's `UriEncode`.
pub(crate) fn encode_into(out: &mut Vec<u8>, input: &[u8], keep_slash: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in input {
        if byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && byte == b'/')
        {
            out.push(byte);
        } else {
            out.push(b'%');
            out.push(HEX.get(usize::from(byte >> 4)).copied().unwrap_or(b'0'));
            out.push(HEX.get(usize::from(byte & 0x0f)).copied().unwrap_or(b'0'));
        }
    }
}

/// The offset of the first `%` or `+` in `bytes`. Eight bytes are tested at a time: a form body
/// is mostly a base64 SAML response, with an escape every few dozen bytes.
fn next_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    const PERCENTS: u64 = u64::from_le_bytes([b'%'; 8]);
    const PLUSES: u64 = u64::from_le_bytes([b'+'; 8]);
    // The high bit of each zero byte of `word` (the classic test). Bytes after a zero one may
    // be flagged as well, never bytes before it: read little-endian, the lowest flag is the
    // first zero byte.
    let zero_bytes = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    let mut start = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let found = zero_bytes(word ^ PERCENTS) | zero_bytes(word ^ PLUSES);
        if found != 0 {
            let byte = usize::try_from(found.trailing_zeros() / 8).unwrap_or(0);
            return Some(start + byte);
        }
        start += 8;
    }
    let tail = bytes.get(start..)?;
    let at = tail.iter().position(|&b| b == b'%' || b == b'+')?;
    Some(start + at)
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_plus() {
        assert_eq!(
            decode("a%20b+c%2Bd%e1%88%B4").unwrap(),
            "a b c+d\u{1234}".as_bytes()
        );
    }

    #[test]
    fn refuses_truncated_and_non_hex_escapes() {
        assert_eq!(decode("%"), None);
        assert_eq!(decode("%4"), None);
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("a%g0"), None);
    }

    #[test]
    fn encodes_all_but_unreserved_with_uppercase_hex() {
        let mut out = Vec::new();
        encode_into(&mut out, "a-._~/ b+%\u{1234}".as_bytes(), false);
        assert_eq!(out, b"a-._~%2F%20b%2B%25%E1%88%B4");
        out.clear();
        encode_into(&mut out, b"/x y/", true);
        assert_eq!(out, b"/x%20y/");
    }

    proptest::proptest! {
        #[test]
        fn escapes_are_found_where_a_byte_by_byte_search_finds_them(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b'%', b'+', b'*', b'$', b'\x80', 0, 0xff]),
                0..80,
            ),
        ) {
            let expected = bytes.iter().position(|&b| b == b'%' || b == b'+');
            proptest::prop_assert_eq!(next_escape(&bytes), expected);
            for start in 0..bytes.len() {
                let rest = bytes.get(start..).unwrap_or_default();
                let expected = rest.iter().position(|&b| b == b'%' || b == b'+');
                proptest::prop_assert_eq!(next_escape(rest), expected);
            }
        }

        #[test]
        fn decoding_undoes_encoding(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let mut encoded = Vec::new();
            encode_into(&mut encoded, &bytes, false);
            let encoded = String::from_utf8(encoded).unwrap();
            proptest::prop_assert_eq!(decode(&encoded), Some(bytes));
        }

        #[test]
        fn the_next_escape_is_the_first_percent_or_plus(text in "[a-zA-Z0-9/=%+\\x00\\x7f-\\xff]{0,40}") {
            let bytes = text.as_bytes();
            let expected = bytes.iter().position(|&b| b == b'%' || b == b'+');
            proptest::prop_assert_eq!(next_escape(bytes), expected);
        }

        #[test]
        fn a_percent_without_two_hex_digits_is_refused(text in "[a-z+]{0,8}%[g-z]?[0-9]?") {
            proptest::prop_assert_eq!(decode(&text), None);
        }
    }
}
