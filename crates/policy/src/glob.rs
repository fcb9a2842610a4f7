//! A wildcard pattern without variables, with fast paths for the common shapes
//! (`*`, `exact`, `prefix*`), which is what `Action` values and most ARN segments are.

use crate::text;
use crate::wildcard::Pattern;

/// A `*`/`?` pattern, compiled once at parse time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Glob {
    /// `*`.
    Any,
    /// No wildcard.
    Exact(String),
    /// `text*`, with no other wildcard.
    Prefix(String),
    /// Anything else, compiled.
    Pattern(Pattern),
}

impl Glob {
    pub(crate) fn new(text: &str) -> Glob {
        let wildcards = text.matches(['*', '?']).count();
        if text == "*" {
            Glob::Any
        } else if wildcards == 0 {
            Glob::Exact(text.to_owned())
        } else if wildcards == 1
            && let Some(prefix) = text.strip_suffix('*')
        {
            Glob::Prefix(prefix.to_owned())
        } else {
            Glob::Pattern(Pattern::new(text))
        }
    }

    pub(crate) fn matches(&self, input: &str) -> bool {
        match self {
            Glob::Any => true,
            Glob::Exact(exact) => text::equal(exact, input),
            Glob::Prefix(prefix) => text::starts_with(input, prefix),
            Glob::Pattern(pattern) => pattern.matches(input),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wildcard;

    #[test]
    fn fast_paths_agree_with_the_general_matcher() {
        for pattern in [
            "*",
            "sts:assumerolewithsaml",
            "sts:*",
            "s?s:*",
            "*role*",
            "",
        ] {
            for input in [
                "sts:assumerolewithsaml",
                "sts:",
                "s3s:x",
                "iam:passrole",
                "",
            ] {
                assert_eq!(
                    Glob::new(pattern).matches(input),
                    wildcard::matches(&wildcard::parse(pattern), input),
                    "{pattern} / {input}"
                );
            }
        }
    }
}
