//! Amazon Resource Names: `arn:partition:service:region:account-id:resource`
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>).

use std::fmt;
use std::str::FromStr;

use crate::wildcard::{self, Atom, Pattern};

/// The partitions fedgate knows.
pub const PARTITIONS: [&str; 3] = ["aws", "aws-us-gov", "aws-cn"];

/// A concrete ARN: the resource of a request, or an ARN-typed context value.
///
/// The resource part may contain colons (`arn:aws:connect:…:instance/ID/user/AROA…:jdoe`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Arn {
    text: String,
    /// Byte offsets of the five colons that separate the six segments.
    colons: [usize; 5],
}

/// Why a string is not an [`Arn`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArnError {
    /// Fewer than six colon-separated segments, or not starting with `arn:`.
    #[error("`{0}` is not of the form arn:partition:service:region:account-id:resource")]
    Shape(String),
    /// A partition other than `aws`, `aws-us-gov` and `aws-cn`.
    #[error("unknown partition `{0}`")]
    Partition(String),
    /// An empty service or resource segment.
    #[error("`{0}` has an empty service or resource")]
    Empty(String),
}

impl Arn {
    /// Parses an ARN.
    pub fn parse(text: &str) -> Result<Arn, ArnError> {
        let shape = || ArnError::Shape(truncate(text));
        let colons = segment_colons(text).ok_or_else(shape)?;
        let arn = Arn {
            text: text.to_owned(),
            colons,
        };
        if arn.segment(0) != "arn" {
            return Err(shape());
        }
        if !PARTITIONS.contains(&arn.partition()) {
            return Err(ArnError::Partition(truncate(arn.partition())));
        }
        if arn.service().is_empty() || arn.resource().is_empty() {
            return Err(ArnError::Empty(truncate(text)));
        }
        Ok(arn)
    }

    /// `aws`, `aws-us-gov` or `aws-cn`.
    pub fn partition(&self) -> &str {
        self.segment(1)
    }

    /// The service namespace (`iam`, `sts`, `connect`, …).
    pub fn service(&self) -> &str {
        self.segment(2)
    }

    /// The region; empty for global services such as IAM.
    pub fn region(&self) -> &str {
        self.segment(3)
    }

    /// The 12-digit account ID; may be empty (S3 buckets).
    pub fn account(&self) -> &str {
        self.segment(4)
    }

    /// Everything after the fifth colon.
    pub fn resource(&self) -> &str {
        self.segment(5)
    }

    /// The whole ARN.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The six segments, `arn` first and the resource last.
    pub(crate) fn segments(&self) -> [&str; 6] {
        std::array::from_fn(|index| self.segment(index))
    }

    /// Segment `index` (0 = `arn`, 5 = resource).
    fn segment(&self, index: usize) -> &str {
        segment(&self.text, &self.colons, index)
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Arn {
    type Err = ArnError;

    fn from_str(text: &str) -> Result<Arn, ArnError> {
        Arn::parse(text)
    }
}

/// The byte offsets of the first five colons of `text`, if it has five.
fn segment_colons(text: &str) -> Option<[usize; 5]> {
    let mut colons = [0; 5];
    let mut found = text.match_indices(':').map(|(index, _)| index);
    for slot in &mut colons {
        *slot = found.next()?;
    }
    Some(colons)
}

/// Segment `index` of `text` split at `colons` (the last segment runs to the end).
fn segment<'t>(text: &'t str, colons: &[usize; 5], index: usize) -> &'t str {
    let start = match index.checked_sub(1) {
        None => 0,
        Some(previous) => colons.get(previous).map_or(text.len(), |colon| colon + 1),
    };
    let end = colons.get(index).copied().unwrap_or(text.len());
    text.get(start..end).unwrap_or_default()
}

/// Matches an ARN pattern (as wildcard atoms, variables already resolved) against an ARN,
/// segment by segment: a wildcard in the first five segments never crosses a colon
/// (IAM-OPS "ArnLike": "Each of the six colon-delimited components of the ARN is checked
/// separately"). A pattern with fewer than six segments matches nothing.
pub(crate) fn matches_segmentwise(pattern: &[Atom<'_>], arn: &str) -> bool {
    let Some(colons) = segment_colons(arn) else {
        return false;
    };
    let Some(pattern_segments) = split_atoms(pattern) else {
        return false;
    };
    pattern_segments
        .iter()
        .enumerate()
        .all(|(index, atoms)| wildcard::matches(atoms, segment(arn, &colons, index)))
}

/// An ARN pattern without variables split as [`matches_segmentwise`] splits it, each segment
/// compiled; `None` if it has fewer than six segments (it matches nothing).
pub(crate) fn split_pattern(pattern: &[Atom<'_>]) -> Option<[Pattern; 6]> {
    split_atoms(pattern).map(|segments| segments.each_ref().map(|atoms| Pattern::from_atoms(atoms)))
}

/// [`matches_segmentwise`] for a pattern split by [`split_pattern`].
pub(crate) fn matches_split(pattern: &[Pattern; 6], arn: &str) -> bool {
    let Some(colons) = segment_colons(arn) else {
        return false;
    };
    pattern
        .iter()
        .enumerate()
        .all(|(index, segment_pattern)| segment_pattern.matches(segment(arn, &colons, index)))
}

/// Splits atoms into six segments at the first five colons of their literal text.
fn split_atoms<'a>(pattern: &[Atom<'a>]) -> Option<[Vec<Atom<'a>>; 6]> {
    let mut segments: [Vec<Atom<'a>>; 6] = Default::default();
    let mut current = 0;
    for atom in pattern {
        let Atom::Text(mut text) = *atom else {
            segments.get_mut(current)?.push(*atom);
            continue;
        };
        while current < 5
            && let Some((head, tail)) = text.split_once(':')
        {
            if !head.is_empty() {
                segments.get_mut(current)?.push(Atom::Text(head));
            }
            current += 1;
            text = tail;
        }
        if !text.is_empty() {
            segments.get_mut(current)?.push(Atom::Text(text));
        }
    }
    (current == 5).then_some(segments)
}

/// User input in messages is cut to this many characters.
const SHOWN_CHARS: usize = 200;

fn truncate(text: &str) -> String {
    match text.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_the_six_segments() {
        let text = "arn:aws:connect:eu-west-2:123456789012:instance/ID/user/AROA1:jdoe";
        let arn = Arn::parse(text).unwrap();
        assert_eq!(arn.partition(), "aws");
        assert_eq!(arn.service(), "connect");
        assert_eq!(arn.region(), "eu-west-2");
        assert_eq!(arn.account(), "123456789012");
        assert_eq!(arn.resource(), "instance/ID/user/AROA1:jdoe");
        assert_eq!(arn.to_string(), text);
    }

    #[test]
    fn knows_three_partitions() {
        for partition in ["aws", "aws-us-gov", "aws-cn"] {
            let text = format!("arn:{partition}:iam::123456789012:role/R");
            assert_eq!(Arn::parse(&text).unwrap().partition(), partition);
        }
        assert_eq!(
            Arn::parse("arn:aws-iso:iam::1:role/R"),
            Err(ArnError::Partition("aws-iso".to_owned()))
        );
    }

    #[test]
    fn refuses_other_shapes() {
        for text in [
            "",
            "arn:aws:iam",
            "urn:aws:iam::1:role/R",
            "arn:aws:iam::1",
            "arn:aws:::1:x",
            "arn:aws:iam::1:",
        ] {
            assert!(Arn::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn wildcards_stay_inside_their_segment() {
        // IAM-OPS, "Amazon Resource Name (ARN) condition operators".
        let pattern = wildcard::parse("arn:aws:someservice:*:111122223333:finance/*");
        let value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
        assert!(!matches_segmentwise(&pattern, value));
        assert!(wildcard::matches(&pattern, value), "StringLike would match");
        assert!(matches_segmentwise(
            &pattern,
            "arn:aws:someservice:us-east-2:111122223333:finance/a:b"
        ));
    }

    #[test]
    fn short_patterns_match_nothing() {
        let pattern = wildcard::parse("arn:aws:*");
        assert!(!matches_segmentwise(&pattern, "arn:aws:s3:::bucket"));
    }
}
