//! `*` and `?` matching without regex and without backtracking.
//!
//! A pattern is a list of [`Atom`]s: literal text, `?` (exactly one character) and `*` (any
//! run of characters, possibly empty). Literal text never contains wildcards: a `*` that came
//! from `${*}` or from a variable's value is literal (see `variables.rs`).
//!
//! The algorithm: split the pattern at its `*`s into groups; the first group must match at the
//! start, the last at the end, and each middle group is matched at its leftmost possible
//! position. Taking the leftmost position is always safe, because whatever follows a group
//! starts with a `*` that can absorb any text a later choice would have skipped. So the time
//! is O(n) for each group without `?` (a substring search) and O(n·k) for a group of k atoms
//! with `?`, never exponential.

/// One piece of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Atom<'a> {
    /// Text that must appear as written.
    Text(&'a str),
    /// `?`: exactly one character.
    AnyChar,
    /// `*`: any run of characters, possibly empty.
    AnyRun,
}

/// Whether `input` matches the whole `pattern`.
pub(crate) fn matches(pattern: &[Atom<'_>], input: &str) -> bool {
    matches_groups(pattern.split(|atom| *atom == Atom::AnyRun), input)
}

/// Whether `input` matches the whole `pattern`, a text in which `*` and `?` are wildcards and
/// every other character is literal. Allocates nothing.
pub(crate) fn matches_text(pattern: &str, input: &str) -> bool {
    matches_groups(pattern.split('*').map(TextGroup), input)
}

/// The algorithm of the module documentation, over the groups between the `*`s.
fn matches_groups<G: Group>(mut groups: impl DoubleEndedIterator<Item = G>, input: &str) -> bool {
    let Some(first) = groups.next() else {
        return input.is_empty();
    };
    let Some(last) = groups.next_back() else {
        // No `*` at all: the single group must cover the whole input.
        return first.match_at(input, 0) == Some(input.len());
    };
    let Some(after_first) = first.match_at(input, 0) else {
        return false;
    };
    let Some(last_start) = last.match_at_end(input, after_first) else {
        return false;
    };
    let mut position = after_first;
    for group in groups {
        match group.find_leftmost(input, position, last_start) {
            Some(end) => position = end,
            None => return false,
        }
    }
    true
}

/// Needles up to this many bytes are searched by comparing at each position: linear, since
/// the needle is this short, and much cheaper to start than `str::find`'s two-way searcher,
/// which finds longer ones in linear time.
const SHORT_NEEDLE_BYTES: usize = 16;

/// The byte offset of the first occurrence of `needle` in `haystack`.
fn find(haystack: &str, needle: &str) -> Option<usize> {
    if needle.len() > SHORT_NEEDLE_BYTES {
        return haystack.find(needle);
    }
    let needle = needle.as_bytes();
    let Some(&first) = needle.first() else {
        return Some(0);
    };
    // A match of UTF-8 text starts at a character boundary, so byte positions are safe.
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|window| window.first() == Some(&first) && window == needle)
}

/// A run of a pattern without `*`: literal text and `?`.
trait Group {
    /// Matches the group at byte `start`; the end of the match.
    fn match_at(&self, input: &str, start: usize) -> Option<usize>;

    /// Matches the group so that it ends at the end of `input` and starts at or after
    /// `floor`; the start of the match.
    fn match_at_end(&self, input: &str, floor: usize) -> Option<usize>;

    /// The literal text, if the group has no `?` (then a substring search finds it).
    fn as_text(&self) -> Option<&str>;

    /// The end of the leftmost match inside `input[from..limit]`.
    fn find_leftmost(&self, input: &str, from: usize, limit: usize) -> Option<usize> {
        let window = input.get(..limit)?;
        if let Some(text) = self.as_text() {
            let found = find(window.get(from..)?, text)?;
            return Some(from + found + text.len());
        }
        let mut start = from;
        loop {
            if let Some(end) = self.match_at(window, start) {
                return Some(end);
            }
            start += window.get(start..)?.chars().next()?.len_utf8();
        }
    }
}

impl Group for &[Atom<'_>] {
    fn match_at(&self, input: &str, start: usize) -> Option<usize> {
        let mut position = start;
        for atom in *self {
            let rest = input.get(position..)?;
            match atom {
                Atom::Text(text) => {
                    if !rest.starts_with(text) {
                        return None;
                    }
                    position += text.len();
                }
                Atom::AnyChar => position += rest.chars().next()?.len_utf8(),
                Atom::AnyRun => return None,
            }
        }
        Some(position)
    }

    fn match_at_end(&self, input: &str, floor: usize) -> Option<usize> {
        let mut end = input.len();
        for atom in self.iter().rev() {
            let head = input.get(floor..end)?;
            match atom {
                Atom::Text(text) => {
                    if !head.ends_with(text) {
                        return None;
                    }
                    end -= text.len();
                }
                Atom::AnyChar => end -= head.chars().next_back()?.len_utf8(),
                Atom::AnyRun => return None,
            }
        }
        Some(end)
    }

    fn as_text(&self) -> Option<&str> {
        match self {
            [Atom::Text(text)] => Some(text),
            _ => None,
        }
    }
}

/// A run of a text pattern without `*`, in which `?` is a wildcard.
struct TextGroup<'p>(&'p str);

impl Group for TextGroup<'_> {
    fn match_at(&self, input: &str, start: usize) -> Option<usize> {
        let rest = input.get(start..)?;
        if let Some(text) = self.as_text() {
            return rest.starts_with(text).then_some(start + text.len());
        }
        let mut characters = rest.char_indices();
        for expected in self.0.chars() {
            let (_, actual) = characters.next()?;
            if expected != '?' && expected != actual {
                return None;
            }
        }
        Some(start + characters.next().map_or(rest.len(), |(offset, _)| offset))
    }

    fn match_at_end(&self, input: &str, floor: usize) -> Option<usize> {
        let head = input.get(floor..)?;
        if let Some(text) = self.as_text() {
            return head.ends_with(text).then(|| input.len() - text.len());
        }
        let mut characters = head.char_indices().rev();
        let mut start = input.len();
        for expected in self.0.chars().rev() {
            let (offset, actual) = characters.next()?;
            if expected != '?' && expected != actual {
                return None;
            }
            start = floor + offset;
        }
        Some(start)
    }

    fn as_text(&self) -> Option<&str> {
        (!self.0.contains('?')).then_some(self.0)
    }
}

/// Parses a pattern in which `*` and `?` are wildcards and every other character is literal.
#[cfg(test)]
pub(crate) fn parse(pattern: &str) -> Vec<Atom<'_>> {
    let mut atoms = Vec::new();
    let mut literal_start = 0;
    for (index, character) in pattern.char_indices() {
        let wildcard = match character {
            '*' => Atom::AnyRun,
            '?' => Atom::AnyChar,
            _ => continue,
        };
        if let Some(text) = pattern.get(literal_start..index).filter(|t| !t.is_empty()) {
            atoms.push(Atom::Text(text));
        }
        atoms.push(wildcard);
        literal_start = index + 1;
    }
    if let Some(text) = pattern.get(literal_start..).filter(|t| !t.is_empty()) {
        atoms.push(Atom::Text(text));
    }
    atoms
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn like(pattern: &str, input: &str) -> bool {
        let by_text = matches_text(pattern, input);
        assert_eq!(
            matches(&parse(pattern), input),
            by_text,
            "{pattern} / {input}"
        );
        by_text
    }

    /// The obvious recursive definition: exponential, but correct by inspection.
    fn oracle(pattern: &[char], input: &[char]) -> bool {
        match pattern.split_first() {
            None => input.is_empty(),
            Some(('*', rest)) => (0..=input.len()).any(|skip| oracle(rest, &input[skip..])),
            Some(('?', rest)) => !input.is_empty() && oracle(rest, &input[1..]),
            Some((c, rest)) => input.first() == Some(c) && oracle(rest, &input[1..]),
        }
    }

    #[test]
    fn matches_documented_examples() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
        let pattern = "DOC-EXAMPLE-BUCKET/*/test/*";
        for object in [
            "DOC-EXAMPLE-BUCKET/1/test/object.jpg",
            "DOC-EXAMPLE-BUCKET/1/2/test/3/object.jpg",
            "DOC-EXAMPLE-BUCKET/1///test///object.jpg",
            "DOC-EXAMPLE-BUCKET//test/object.jpg",
            "DOC-EXAMPLE-BUCKET/1/test/",
        ] {
            assert!(like(pattern, object), "{object}");
        }
        for object in [
            "DOC-EXAMPLE-BUCKET/1-test/object.jpg",
            "DOC-EXAMPLE-BUCKET/test/object.jpg",
            "DOC-EXAMPLE-BUCKET/1/2/test.jpg",
        ] {
            assert!(!like(pattern, object), "{object}");
        }
    }

    #[test]
    fn question_mark_is_exactly_one_character() {
        assert!(like("a?c", "abc"));
        assert!(like("a?c", "aéc"));
        assert!(!like("a?c", "ac"));
        assert!(!like("a?c", "abbc"));
        assert!(like("*?", "x"));
        assert!(!like("*?", ""));
    }

    #[test]
    fn literal_text_is_never_a_wildcard() {
        let atoms = [Atom::Text("a*"), Atom::AnyRun];
        assert!(matches(&atoms, "a*bc"));
        assert!(!matches(&atoms, "abc"));
    }

    #[test]
    fn prefix_and_suffix_groups_do_not_overlap() {
        assert!(!like("ab*ba", "aba"));
        assert!(like("ab*ba", "abba"));
        assert!(like("a*a*a", "aaa"));
        assert!(!like("a*a*a", "aa"));
    }

    #[test]
    fn short_and_long_needles_are_found_alike() {
        let haystack = "instance/ID/user/AROA:jdoe/user/x";
        for needle in [
            "",
            "/user/",
            "jdoe",
            "x",
            "absent",
            "/user/AROA:jdoe/user/x",
            "é",
        ] {
            assert_eq!(find(haystack, needle), haystack.find(needle), "{needle}");
        }
        assert_eq!(find("aéb", "b"), Some(3));
    }

    #[test]
    fn long_adversarial_input_is_fast() {
        let input = "a".repeat(100_000);
        let pattern = format!("{}b", "*a".repeat(50));
        assert!(!like(&pattern, &input));
    }

    proptest! {
        #[test]
        fn agrees_with_the_oracle(pattern in "[ab*?é]{0,10}", input in "[abé]{0,12}") {
            let expected = oracle(
                &pattern.chars().collect::<Vec<_>>(),
                &input.chars().collect::<Vec<_>>(),
            );
            prop_assert_eq!(like(&pattern, &input), expected);
        }
    }
}
