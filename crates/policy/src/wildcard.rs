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

use crate::text;

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

/// A `*`/`?` pattern compiled once, when the policy is parsed: the runs between its `*`s,
/// each either plain text (found by a substring search) or text with `?`s. Matching it
/// allocates nothing and re-reads nothing of the pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    /// The runs between the `*`s, in order: exactly one when the pattern has no `*`.
    runs: Vec<Run>,
    /// The fewest bytes a matching input has: its literal text, and one per `?`.
    min_bytes: usize,
}

/// A run of a pattern without `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Run {
    /// Literal text only (possibly empty).
    Text(String),
    /// Literal text and at least one `?`.
    Mixed(Vec<Part>),
}

/// A piece of a [`Run::Mixed`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    AnyChar,
}

impl Pattern {
    /// Compiles a pattern text in which `*` and `?` are wildcards and every other character
    /// is literal.
    pub(crate) fn new(text: &str) -> Pattern {
        Pattern::from_atoms(&parse(text))
    }

    /// Compiles a pattern given as atoms (whose text is literal, `*` and `?` included).
    pub(crate) fn from_atoms(atoms: &[Atom<'_>]) -> Pattern {
        let runs: Vec<Run> = atoms
            .split(|atom| *atom == Atom::AnyRun)
            .map(|group| {
                if group.contains(&Atom::AnyChar) {
                    Run::Mixed(
                        group
                            .iter()
                            .filter_map(|atom| match atom {
                                Atom::Text(text) => Some(Part::Text((*text).to_owned())),
                                Atom::AnyChar => Some(Part::AnyChar),
                                Atom::AnyRun => None,
                            })
                            .collect(),
                    )
                } else {
                    let mut text = String::new();
                    for atom in group {
                        if let Atom::Text(part) = atom {
                            text.push_str(part);
                        }
                    }
                    Run::Text(text)
                }
            })
            .collect();
        let min_bytes = atoms
            .iter()
            .map(|atom| match atom {
                Atom::Text(text) => text.len(),
                Atom::AnyChar => 1,
                Atom::AnyRun => 0,
            })
            .sum();
        Pattern { runs, min_bytes }
    }

    /// Whether `input` matches the whole pattern.
    pub(crate) fn matches(&self, input: &str) -> bool {
        // Each `?` takes at least one byte and literal text its own: a shorter input fails
        // whatever the `*`s absorb.
        input.len() >= self.min_bytes && matches_groups(self.runs.iter(), input)
    }
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

/// Needles up to this many bytes are searched by finding their first character (with
/// `memchr`) and comparing there: linear, since the needle is this short, and much cheaper to
/// start than `str::find`'s two-way searcher, which finds longer ones in linear time.
const SHORT_NEEDLE_BYTES: usize = 16;

/// The byte offset of the first occurrence of `needle` in `haystack`.
fn find(haystack: &str, needle: &str) -> Option<usize> {
    if needle.len() > SHORT_NEEDLE_BYTES {
        return haystack.find(needle);
    }
    let Some(first) = needle.chars().next() else {
        return Some(0);
    };
    let mut from = 0;
    loop {
        let candidate = from + haystack.get(from..)?.find(first)?;
        if text::starts_with(haystack.get(candidate..)?, needle) {
            return Some(candidate);
        }
        from = candidate + first.len_utf8();
    }
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
                    if !text::starts_with(rest, text) {
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
                    if !text::ends_with(head, text) {
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

impl Group for &Run {
    fn match_at(&self, input: &str, start: usize) -> Option<usize> {
        match self {
            Run::Text(literal) => {
                text::starts_with(input.get(start..)?, literal).then_some(start + literal.len())
            }
            Run::Mixed(parts) => {
                let mut position = start;
                for part in parts {
                    let rest = input.get(position..)?;
                    match part {
                        Part::Text(literal) => {
                            if !text::starts_with(rest, literal) {
                                return None;
                            }
                            position += literal.len();
                        }
                        Part::AnyChar => position += rest.chars().next()?.len_utf8(),
                    }
                }
                Some(position)
            }
        }
    }

    fn match_at_end(&self, input: &str, floor: usize) -> Option<usize> {
        match self {
            Run::Text(literal) => {
                text::ends_with(input.get(floor..)?, literal).then(|| input.len() - literal.len())
            }
            Run::Mixed(parts) => {
                let mut end = input.len();
                for part in parts.iter().rev() {
                    let head = input.get(floor..end)?;
                    match part {
                        Part::Text(literal) => {
                            if !text::ends_with(head, literal) {
                                return None;
                            }
                            end -= literal.len();
                        }
                        Part::AnyChar => end -= head.chars().next_back()?.len_utf8(),
                    }
                }
                Some(end)
            }
        }
    }

    fn as_text(&self) -> Option<&str> {
        match self {
            Run::Text(text) => Some(text),
            Run::Mixed(_) => None,
        }
    }
}

/// Parses a pattern in which `*` and `?` are wildcards and every other character is literal.
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
        let by_text = Pattern::new(pattern).matches(input);
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
