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
use crate::wildcard::{self, Atom};

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
    /// The template as a `*`/`?` pattern text, when it has no variables and no literal `*` or
    /// `?`: then it can be matched without building atoms.
    pattern: Option<String>,
}

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
        let pattern = pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) if !text.contains(['*', '?']) => Some(text.as_str()),
                Piece::AnyRun => Some("*"),
                Piece::AnyChar => Some("?"),
                Piece::Text(_) | Piece::Variable { .. } => None,
            })
            .collect::<Option<String>>();
        Template { pieces, pattern }
    }

    /// Whether `input` matches the template as a `*`/`?` pattern, variables resolved from
    /// `context`; an unresolvable variable matches nothing.
    pub(crate) fn matches(&self, context: &Context, input: &str) -> bool {
        match &self.pattern {
            Some(pattern) => wildcard::matches_text(pattern, input),
            None => self
                .resolve(context)
                .is_some_and(|atoms| wildcard::matches(&atoms, input)),
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
    #[cfg(test)]
    pub(crate) fn has_variables(&self) -> bool {
        self.pieces
            .iter()
            .any(|piece| matches!(piece, Piece::Variable { .. }))
    }

    /// The template with variables replaced by their values from `context`, as wildcard atoms.
    /// `None` if a variable has no value and no default: such a template matches nothing.
    pub(crate) fn resolve<'a>(&'a self, context: &'a Context) -> Option<Vec<Atom<'a>>> {
        let mut atoms = Vec::with_capacity(self.pieces.len());
        for piece in &self.pieces {
            atoms.push(match piece {
                Piece::Text(text) => Atom::Text(text),
                Piece::AnyRun => Atom::AnyRun,
                Piece::AnyChar => Atom::AnyChar,
                Piece::Variable { key, default } => Atom::Text(match context.single_text(key) {
                    Some(value) => value,
                    None => default.as_deref()?,
                }),
            });
        }
        Some(atoms)
    }

    /// The template as one string, variables resolved; `None` as for [`Template::resolve`].
    /// Wildcards (if any) appear as `*` and `?`.
    pub(crate) fn resolve_to_string(&self, context: &Context) -> Option<String> {
        let atoms = self.resolve(context)?;
        let mut text = String::new();
        for atom in atoms {
            match atom {
                Atom::Text(part) => text.push_str(part),
                Atom::AnyRun => text.push('*'),
                Atom::AnyChar => text.push('?'),
            }
        }
        Some(text)
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
}
