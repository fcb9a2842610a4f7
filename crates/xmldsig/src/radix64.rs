//! Strict standard base64 (RFC 4648 §4), as XML-DSig values and the SAML POST binding carry it.
//!
//! Exactly what the `base64` crate's `STANDARD` engine accepts: the alphabet `A–Z a–z 0–9 + /`,
//! padded with `=` to a multiple of four characters, no other byte anywhere (no whitespace
//! either), and the bits of the last character that encode nothing all zero, so each byte
//! string has one encoding. Decoded with tables, eight characters to six bytes at a time: a
//! SAML response is thousands of characters, decoded on every sign-in.

/// What [`PLACED`] holds for a byte outside the alphabet (`=` included): a bit that no
/// character inside it sets.
const INVALID: u32 = 1 << 31;

/// For each of the four places of a character in a quantum, what each byte contributes to the
/// quantum's 24 bits: its 6-bit value shifted to that place, or [`INVALID`]. A quantum is then
/// four lookups OR-ed together, and one test of the OR of many quanta says whether any
/// character was outside the alphabet.
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of bounds fails the build"
)]
static PLACED: [[u32; 256]; 4] = {
    let mut table = [[INVALID; 256]; 4];
    let mut place = 0;
    while place < 4 {
        let mut byte = 0;
        while byte < 256 {
            if let Some(sextet) = sextet_of(byte as u8) {
                table[place][byte] = (sextet as u32) << (18 - 6 * place);
            }
            byte += 1;
        }
        place += 1;
    }
    table
};

const fn sextet_of(byte: u8) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes `text`, or `None` when it is not strict standard base64.
pub fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let Some((body, last)) = text.split_last_chunk::<4>() else {
        return Some(Vec::new());
    };
    let padding = match last {
        [_, _, b'=', b'='] => 2,
        [_, _, _, b'='] => 1,
        _ => 0,
    };
    let mut out = vec![0; text.len() / 4 * 3 - padding];
    let (body_out, last_out) = out.split_at_mut(body.len() / 4 * 3);

    // The body holds no padding: two quanta (eight characters) are six bytes. Whether a
    // character was outside the alphabet is tested once, at the end; the bytes written
    // meanwhile are dropped with the vector.
    let mut invalid = 0;
    let (pairs, quad) = body.as_chunks::<8>();
    let (pairs_out, quad_out) = body_out.as_chunks_mut::<6>();
    for (pair, pair_out) in pairs.iter().zip(pairs_out) {
        let [a, b, c, d, e, f, g, h] = *pair;
        let first = quantum([a, b, c, d]);
        let second = quantum([e, f, g, h]);
        invalid |= first | second;
        let [_, _, bytes @ ..] = (u64::from(first) << 24 | u64::from(second)).to_be_bytes();
        *pair_out = bytes;
    }
    // Four characters may be left: three bytes.
    if let Ok(&quad) = <&[u8; 4]>::try_from(quad) {
        let bits = quantum(quad);
        invalid |= bits;
        let [_, bytes @ ..] = bits.to_be_bytes();
        quad_out.copy_from_slice(&bytes);
    }

    // The last quantum: `=` only as padding, and the bits that encode nothing zero.
    let [a, b, c, d] = *last;
    let (bits, unused) = match padding {
        2 => (quantum([a, b, b'A', b'A']), 16),
        1 => (quantum([a, b, c, b'A']), 8),
        _ => (quantum([a, b, c, d]), 0),
    };
    invalid |= bits;
    if invalid & INVALID != 0 || bits & ((1 << unused) - 1) != 0 {
        return None;
    }
    let [_, bytes @ ..] = bits.to_be_bytes();
    last_out.copy_from_slice(bytes.get(..last_out.len()).unwrap_or_default());
    Some(out)
}

/// The 24 bits of four characters, with [`INVALID`] set if any is outside the alphabet.
fn quantum(characters: [u8; 4]) -> u32 {
    let [a, b, c, d] = characters;
    placed(0, a) | placed(1, b) | placed(2, c) | placed(3, d)
}

fn placed(place: usize, character: u8) -> u32 {
    PLACED
        .get(place)
        .and_then(|table| table.get(usize::from(character)))
        .copied()
        .unwrap_or(INVALID)
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use proptest::prelude::*;

    use super::*;

    fn standard(text: &[u8]) -> Option<Vec<u8>> {
        base64::engine::general_purpose::STANDARD.decode(text).ok()
    }

    /// Characters from the alphabet, padding, whitespace and a few bytes just outside it.
    fn near_base64() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop::sample::select(b"AQgwBCDZazq09+/==== \n\r\t-_.:@[`{\x00\xff\xc3".to_vec());
        prop::collection::vec(byte, 0..40)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn accepts_and_decodes_as_the_standard_engine(text in near_base64()) {
            prop_assert_eq!(decode_base64(&text), standard(&text));
        }

        #[test]
        fn decodes_every_encoding(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
            let text = base64::engine::general_purpose::STANDARD.encode(&bytes);
            prop_assert_eq!(decode_base64(text.as_bytes()), Some(bytes));
        }

        #[test]
        fn refuses_what_the_standard_engine_refuses_after_one_change(
            bytes in prop::collection::vec(any::<u8>(), 0..40),
            at in any::<prop::sample::Index>(),
            to in any::<u8>(),
        ) {
            let mut text = base64::engine::general_purpose::STANDARD.encode(&bytes).into_bytes();
            if !text.is_empty() {
                let at = at.index(text.len());
                text[at] = to;
            }
            prop_assert_eq!(decode_base64(&text), standard(&text));
        }
    }

    #[test]
    fn every_last_quantum_decides_as_the_standard_engine() {
        let symbols = b"AQgwB/+9=";
        for &a in symbols {
            for &b in symbols {
                for &c in symbols {
                    for &d in symbols {
                        for prefix in [&b""[..], b"QUJD", b"QUJDREVG"] {
                            let text = [prefix, &[a, b, c, d]].concat();
                            assert_eq!(decode_base64(&text), standard(&text), "{text:?}");
                        }
                    }
                }
            }
        }
    }
}
