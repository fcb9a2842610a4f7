//! Policy variables: `${key}`, `${key, 'default'}`, `${*}`, `${?}`, `${$}` (IAM-VARS,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>).
//!
//! A [`Template`] is text parsed once, at policy parse time, into literal pieces, wildcards
//! and variables. Where AWS does not allow variables (policy version `2008-10-17`, the first
//! five ARN segments, numeric and date values, …) the text is parsed with
//! [`Template::literal`] or [`Template::wildcards`] and `${…}` stays as written.
//!
//! SECURITY: the value a variable resolves to is always literal text, even when it contains
//! `*` or `?`, so a user name such as `*` cannot widen a `Resource` or a `StringLike`
//! condition (fedgate's choice; AWS does not say).

use crate::context::Context;
use crate::text;
use crate::wildcard::{self, Atom, Pattern};

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Literal text (including the characters of `${*}`, `${?}`, `${$}`).
    Text(String),
    /// `*`: a wildcard (only in patterns).
    AnyRun,
    /// `?`: a wildcard (only in patterns).
    AnyChar,
    /// `${key}` or `${key, 'default'}`; `key` is lower-cased, since key names are
    /// case-insensitive.
    Variable {
        key: String,
        default: Option<String>,
    },
}

/// Text with optional wildcards and variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    pieces: Vec<Piece>,
    /// The template compiled as a pattern, when it has no variables: then it is matched
    /// without resolving anything.
    pattern: Option<Pattern>,
}

/// Templates of up to this many pieces are resolved into a buffer on the stack, so that
/// evaluating one allocates nothing.
const INLINE_PIECES: usize = 8;

/// What the parser treats as special.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Syntax {
    /// `*` and `?` are wildcards.
    pub(crate) wildcards: bool,
    /// `${…}` is a variable.
    pub(crate) variables: bool,
}

impl Template {
    /// Parses `text` with the given syntax.
    pub(crate) fn parse(text: &str, syntax: Syntax) -> Template {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(character) = rest.chars().next() {
            if syntax.variables
                && rest.starts_with("${")
                && let Some((piece, after)) = parse_variable(rest)
            {
                match piece {
                    Piece::Text(text) => literal.push_str(&text),
                    variable => {
                        flush(&mut literal, &mut pieces);
                        pieces.push(variable);
                    }
                }
                rest = after;
                continue;
            }
            let wildcard = match character {
                '*' if syntax.wildcards => Some(Piece::AnyRun),
                '?' if syntax.wildcards => Some(Piece::AnyChar),
                _ => None,
            };
            match wildcard {
                Some(piece) => {
                    flush(&mut literal, &mut pieces);
                    pieces.push(piece);
                }
                None => literal.push(character),
            }
            rest = rest.get(character.len_utf8()..).unwrap_or_default();
        }
        flush(&mut literal, &mut pieces);
        let mut template = Template {
            pieces,
            pattern: None,
        };
        if !template.has_variables() {
            template.pattern = template.with_resolved(&Context::new(), Pattern::from_atoms);
        }
        template
    }

    /// Whether `input` matches the template as a `*`/`?` pattern, variables resolved from
    /// `context`; an unresolvable variable matches nothing.
    pub(crate) fn matches(&self, context: &Context, input: &str) -> bool {
        match &self.pattern {
            Some(pattern) => pattern.matches(input),
            None => self
                .with_resolved(context, |atoms| wildcard::matches(atoms, input))
                .unwrap_or(false),
        }
    }

    /// Text in which nothing is special.
    #[cfg(test)]
    pub(crate) fn literal(text: &str) -> Template {
        Template::parse(
            text,
            Syntax {
                wildcards: false,
                variables: false,
            },
        )
    }

    /// Whether the template has a variable other than the special characters.
    pub(crate) fn has_variables(&self) -> bool {
        self.pieces
            .iter()
            .any(|piece| matches!(piece, Piece::Variable { .. }))
    }

    /// Calls `use_atoms` with the template as wildcard atoms, variables replaced by their
    /// values from `context`, and returns what it returns. `None` if a variable has no value
    /// and no default: such a template matches nothing.
    pub(crate) fn with_resolved<R>(
        &self,
        context: &Context,
        use_atoms: impl FnOnce(&[Atom<'_>]) -> R,
    ) -> Option<R> {
        if self.pieces.len() <= INLINE_PIECES {
            let mut buffer = [Atom::AnyRun; INLINE_PIECES];
            for (slot, piece) in buffer.iter_mut().zip(&self.pieces) {
                *slot = resolve_piece(piece, context)?;
            }
            Some(use_atoms(buffer.get(..self.pieces.len())?))
        } else {
            let atoms = self
                .pieces
                .iter()
                .map(|piece| resolve_piece(piece, context))
                .collect::<Option<Vec<_>>>()?;
            Some(use_atoms(&atoms))
        }
    }

    /// Whether the template, variables resolved, is exactly `text` (wildcards, if any, as
    /// `*` and `?`); an unresolvable variable equals nothing. Allocates nothing.
    pub(crate) fn equals(&self, context: &Context, text: &str) -> bool {
        if let Some(literal) = self.as_literal() {
            return text::equal(literal, text);
        }
        self.with_resolved(context, |atoms| {
            let mut rest = text;
            for atom in atoms {
                let part = match atom {
                    Atom::Text(part) => part,
                    Atom::AnyRun => "*",
                    Atom::AnyChar => "?",
                };
                match text::strip_prefix(rest, part) {
                    Some(after) => rest = after,
                    None => return false,
                }
            }
            rest.is_empty()
        })
        .unwrap_or(false)
    }

    /// The template as one string, variables resolved; `None` as for
    /// [`Template::with_resolved`]. Wildcards (if any) appear as `*` and `?`.
    pub(crate) fn resolve_to_string(&self, context: &Context) -> Option<String> {
        self.with_resolved(context, |atoms| {
            let mut text = String::new();
            for atom in atoms {
                match atom {
                    Atom::Text(part) => text.push_str(part),
                    Atom::AnyRun => text.push('*'),
                    Atom::AnyChar => text.push('?'),
                }
            }
            text
        })
    }

    /// The literal text, when the template has neither wildcards nor variables.
    pub(crate) fn as_literal(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [] => Some(""),
            [Piece::Text(text)] => Some(text),
            _ => None,
        }
    }
}

/// One piece as an atom, its variable (if any) resolved from `context`.
fn resolve_piece<'a>(piece: &'a Piece, context: &'a Context) -> Option<Atom<'a>> {
    Some(match piece {
        Piece::Text(text) => Atom::Text(text),
        Piece::AnyRun => Atom::AnyRun,
        Piece::AnyChar => Atom::AnyChar,
        Piece::Variable { key, default } => Atom::Text(match context.single_text(key) {
            Some(value) => value,
            None => default.as_deref()?,
        }),
    })
}

fn flush(literal: &mut String, pieces: &mut Vec<Piece>) {
    if !literal.is_empty() {
        pieces.push(Piece::Text(std::mem::take(literal)));
    }
}

/// Parses the variable at the start of `text` (which starts with `${`); the piece and the rest
/// of the text, or `None` if this `${` does not open a well-formed variable (then it is text).
fn parse_variable(text: &str) -> Option<(Piece, &str)> {
    let body_and_rest = text.get(2..)?;
    let close = body_and_rest.find('}')?;
    let body = body_and_rest.get(..close)?;
    let rest = body_and_rest.get(close + 1..)?;
    let piece = match body {
        "*" | "?" | "$" => Piece::Text(body.to_owned()),
        _ => {
            let (key, default) = match body.split_once(',') {
                None => (body, None),
                Some((key, default)) => {
                    let quoted = default.trim();
                    let inner = quoted.strip_prefix('\'')?.strip_suffix('\'')?;
                    if inner.contains('\'') {
                        return None;
                    }
                    (key, Some(inner.to_owned()))
                }
            };
            let key = key.trim();
            if key.is_empty() || !key.chars().all(is_key_character) {
                return None;
            }
            Piece::Variable {
                key: key.to_lowercase(),
                default,
            }
        }
    };
    Some((piece, rest))
}

/// Characters of condition key names (`aws:PrincipalTag/team`, `saml:edupersonprincipalname`,
/// `cognito-identity.amazonaws.com:sub`).
fn is_key_character(character: char) -> bool {
    character.is_ascii_alphanumeric() || ":/-_.@+=".contains(character)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::context::ContextValue;

    const BOTH: Syntax = Syntax {
        wildcards: true,
        variables: true,
    };

    fn render(template: &Template, context: &Context) -> Option<String> {
        template.resolve_to_string(context)
    }

    #[test]
    fn substitutes_single_valued_keys_case_insensitively() {
        let mut context = Context::new();
        context.insert("aws:userid", ContextValue::string("AROA1:jdoe"));
        let template = Template::parse("instance/ID/user/${AWS:UserId}", BOTH);
        assert!(template.has_variables());
        assert_eq!(
            render(&template, &context).as_deref(),
            Some("instance/ID/user/AROA1:jdoe")
        );
    }

    #[test]
    fn uses_the_default_when_the_key_is_absent() {
        let template = Template::parse("${aws:PrincipalTag/team, 'company-wide'}/*", BOTH);
        assert_eq!(
            render(&template, &Context::new()).as_deref(),
            Some("company-wide/*")
        );
    }

    #[test]
    fn unresolvable_variable_resolves_to_nothing() {
        let template = Template::parse("home/${aws:username}", BOTH);
        assert_eq!(render(&template, &Context::new()), None);
    }

    #[test]
    fn multi_valued_keys_do_not_resolve() {
        let mut context = Context::new();
        context.insert_all(
            "aws:TagKeys",
            vec![ContextValue::string("a"), ContextValue::string("b")],
        );
        assert_eq!(
            render(&Template::parse("${aws:TagKeys}", BOTH), &context),
            None
        );
    }

    #[test]
    fn special_characters_are_literal_text() {
        let template = Template::parse("a${*}b${?}c${$}d*", BOTH);
        assert_eq!(
            template.pieces,
            vec![Piece::Text("a*b?c$d".to_owned()), Piece::AnyRun]
        );
    }

    #[test]
    fn malformed_variables_are_text() {
        for text in ["${", "${}", "${a b}", "${a, default}", "${a, 'x'y'}"] {
            let template = Template::parse(text, BOTH);
            assert_eq!(template.as_literal(), Some(text), "{text}");
        }
    }

    #[test]
    fn without_variable_syntax_dollar_braces_are_literal() {
        let template = Template::literal("${aws:username}*");
        assert_eq!(template.as_literal(), Some("${aws:username}*"));
    }

    proptest! {
        /// The pattern compiled at parse time matches exactly what the template's atoms
        /// match, literal `*` and `?` (from `${*}`, `${?}`) included.
        #[test]
        fn compiled_pattern_agrees_with_the_atoms(
            text in "[ab*?é]{0,4}(\\$\\{[*?]\\})?[ab*?é]{0,4}",
            input in "[ab*?é]{0,10}",
        ) {
            let context = Context::new();
            let template = Template::parse(&text, BOTH);
            let expected = template
                .with_resolved(&context, |atoms| wildcard::matches(atoms, &input))
                .unwrap();
            prop_assert!(template.pattern.is_some());
            prop_assert_eq!(template.matches(&context, &input), expected);
        }

        /// `equals` without allocating agrees with comparing the resolved string.
        #[test]
        fn equals_agrees_with_the_resolved_string(
            text in "[ab]{0,3}(\\$\\{(k|x|k, 'a')\\})?[ab*]{0,3}",
            input in "[ab*]{0,8}",
        ) {
            let mut context = Context::new();
            context.insert("k", ContextValue::string("ab"));
            let template = Template::parse(&text, BOTH);
            let expected = template
                .resolve_to_string(&context)
                .is_some_and(|resolved| resolved == input);
            prop_assert_eq!(template.equals(&context, &input), expected);
        }
    }
}
