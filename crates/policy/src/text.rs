//! Equality, prefix and suffix tests of short texts, compared in place, eight bytes at a time.
//!
//! Why not `==` and `str::starts_with`: for slices of unknown length they call the C library's
//! `memcmp`, whose vectorised versions are made for long buffers. Policy evaluation compares
//! many short texts (action names, ARN segments, the runs of a pattern, condition values), and
//! `perf` on an AMD EPYC showed glibc's AVX-512 `memcmp` (`__memcmp_evex_movbe`) taking from a
//! third to two thirds of the time of a 100-statement evaluation, depending on where the texts
//! happened to lie in memory. These loops are as fast on short texts, and their cost does not
//! depend on addresses.

use std::cmp::Ordering;

/// Whether `a` and `b` are the same text.
pub(crate) fn equal(a: &str, b: &str) -> bool {
    same_bytes(a.as_bytes(), b.as_bytes())
}

/// Whether `text` starts with `prefix`.
pub(crate) fn starts_with(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| same_bytes(head, prefix.as_bytes()))
}

/// Whether `text` ends with `suffix`.
pub(crate) fn ends_with(text: &str, suffix: &str) -> bool {
    text.len()
        .checked_sub(suffix.len())
        .and_then(|start| text.as_bytes().get(start..))
        .is_some_and(|tail| same_bytes(tail, suffix.as_bytes()))
}

/// `a` and `b` in the order of `str`'s `Ord` (bytes, then length).
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    while let (Some((a_word, a_rest)), Some((b_word, b_rest))) =
        (a.split_first_chunk::<8>(), b.split_first_chunk::<8>())
    {
        if a_word != b_word {
            // Big-endian: the first differing byte decides, as it does for bytes.
            return u64::from_be_bytes(*a_word).cmp(&u64::from_be_bytes(*b_word));
        }
        a = a_rest;
        b = b_rest;
    }
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

/// `text` without `prefix`, if it starts with it.
pub(crate) fn strip_prefix<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    if starts_with(text, prefix) {
        // A valid UTF-8 prefix ends at a character boundary of `text`.
        text.get(prefix.len()..)
    } else {
        None
    }
}

/// Whole words first; the rest by one word (or half, quarter word) covering the last bytes,
/// overlapping what was already compared, so that no byte loop remains.
fn same_bytes(mut a: &[u8], mut b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() < 8 {
        return match a.len() {
            4.. => {
                a.first_chunk::<4>() == b.first_chunk::<4>()
                    && a.last_chunk::<4>() == b.last_chunk::<4>()
            }
            2.. => {
                a.first_chunk::<2>() == b.first_chunk::<2>()
                    && a.last_chunk::<2>() == b.last_chunk::<2>()
            }
            _ => a.first() == b.first(),
        };
    }
    let (a_last, b_last) = (a.last_chunk::<8>(), b.last_chunk::<8>());
    while let (Some((a_word, a_rest)), Some((b_word, b_rest))) =
        (a.split_first_chunk::<8>(), b.split_first_chunk::<8>())
    {
        if a_word != b_word {
            return false;
        }
        a = a_rest;
        b = b_rest;
    }
    a_last == b_last
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn agrees_with_the_standard_library(a in "[ab/é]{0,20}", b in "[ab/é]{0,20}") {
            prop_assert_eq!(same_bytes(a.as_bytes(), b.as_bytes()), a.as_bytes() == b.as_bytes());
            prop_assert_eq!(equal(&a, &b), a == b);
            prop_assert_eq!(starts_with(&a, &b), a.starts_with(b.as_str()));
            prop_assert_eq!(ends_with(&a, &b), a.ends_with(b.as_str()));
            prop_assert_eq!(strip_prefix(&a, &b), a.strip_prefix(b.as_str()));
            prop_assert_eq!(compare(&a, &b), a.cmp(&b));
        }
    }

    #[test]
    fn compares_words_and_tails() {
        assert!(equal("arn:aws:connect:eu", "arn:aws:connect:eu"));
        assert!(!equal("arn:aws:connect:eu", "arn:aws:connect:eU"));
        assert!(!equal("arn:aws:connect:eu", "arX:aws:connect:eu"));
        assert!(starts_with("connect:getfederationtoken", "connect:get"));
        assert!(!starts_with("s3", "s3:get"));
        assert!(ends_with("instance/ID/queue/17", "/queue/17"));
        assert!(!ends_with("instance/ID/user/x", "/queue/17"));
        assert!(equal("", ""));
        assert!(starts_with("x", "") && ends_with("x", ""));
        for length in 0..40 {
            let a: Vec<u8> = (0..length).map(|i| i as u8).collect();
            for flipped in 0..length {
                let mut b = a.clone();
                b[flipped] ^= 1;
                assert!(!same_bytes(&a, &b), "{length} {flipped}");
            }
            assert!(same_bytes(&a, &a.clone()));
        }
    }
}
