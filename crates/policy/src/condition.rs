//! The `Condition` element: operators, their values, and how a condition is evaluated
//! (IAM-OPS <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>,
//! IAM-MV <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html>).
//!
//! The rules, all from those two pages:
//! - several operators, or several keys under one operator: all must hold (AND);
//! - several values for one key: any may match (OR); for a negated operator (`StringNotEquals`,
//!   `NotIpAddress`, …) none may match;
//! - a key absent from the request: the condition is false, except for negated operators
//!   (true), `…IfExists` (true) and `Null` (which tests exactly this);
//! - `ForAllValues:` holds when every request value matches, and also when the key is absent
//!   or empty; `ForAnyValue:` holds when some request value matches, never when absent or empty.

use std::cmp::Ordering;

use crate::arn;
use crate::context::{Context, ContextValue};
use crate::value::{Cidr, Date, Number};
use crate::variables::Template;
use crate::wildcard::Pattern;

/// One condition: an operator, a key, and the policy's values for it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    pub(crate) operator: Operator,
    /// The key in lower case (key names are case-insensitive).
    pub(crate) key: String,
    pub(crate) values: Values,
}

/// A parsed operator name such as `ForAnyValue:StringNotEqualsIfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Operator {
    pub(crate) set: Option<SetOperator>,
    pub(crate) test: Test,
    pub(crate) negated: bool,
    pub(crate) if_exists: bool,
}

/// `ForAllValues:` or `ForAnyValue:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetOperator {
    ForAllValues,
    ForAnyValue,
}

/// What one request value is compared with one policy value by; negation is separate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Test {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(Comparison),
    Date(Comparison),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// `Equals`, `LessThan`, …
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparison {
    Equals,
    LessThan,
    LessThanEquals,
    GreaterThan,
    GreaterThanEquals,
}

impl Comparison {
    fn holds(self, request: Ordering) -> bool {
        match self {
            Comparison::Equals => request == Ordering::Equal,
            Comparison::LessThan => request == Ordering::Less,
            Comparison::LessThanEquals => request != Ordering::Greater,
            Comparison::GreaterThan => request == Ordering::Greater,
            Comparison::GreaterThanEquals => request != Ordering::Less,
        }
    }
}

/// The operators of IAM-OPS: name → (test, negated).
const OPERATORS: [(&str, Test, bool); 27] = {
    use Comparison::*;
    [
        ("StringEquals", Test::StringEquals, false),
        ("StringNotEquals", Test::StringEquals, true),
        (
            "StringEqualsIgnoreCase",
            Test::StringEqualsIgnoreCase,
            false,
        ),
        (
            "StringNotEqualsIgnoreCase",
            Test::StringEqualsIgnoreCase,
            true,
        ),
        ("StringLike", Test::StringLike, false),
        ("StringNotLike", Test::StringLike, true),
        ("NumericEquals", Test::Numeric(Equals), false),
        ("NumericNotEquals", Test::Numeric(Equals), true),
        ("NumericLessThan", Test::Numeric(LessThan), false),
        (
            "NumericLessThanEquals",
            Test::Numeric(LessThanEquals),
            false,
        ),
        ("NumericGreaterThan", Test::Numeric(GreaterThan), false),
        (
            "NumericGreaterThanEquals",
            Test::Numeric(GreaterThanEquals),
            false,
        ),
        ("DateEquals", Test::Date(Equals), false),
        ("DateNotEquals", Test::Date(Equals), true),
        ("DateLessThan", Test::Date(LessThan), false),
        ("DateLessThanEquals", Test::Date(LessThanEquals), false),
        ("DateGreaterThan", Test::Date(GreaterThan), false),
        (
            "DateGreaterThanEquals",
            Test::Date(GreaterThanEquals),
            false,
        ),
        ("Bool", Test::Bool, false),
        ("BinaryEquals", Test::Binary, false),
        ("IpAddress", Test::Ip, false),
        ("NotIpAddress", Test::Ip, true),
        ("ArnEquals", Test::Arn, false),
        ("ArnLike", Test::Arn, false),
        ("ArnNotEquals", Test::Arn, true),
        ("ArnNotLike", Test::Arn, true),
        ("Null", Test::Null, false),
    ]
};

impl Operator {
    /// Parses an operator name; `None` unless it is an operator of IAM-OPS with at most one
    /// set prefix (`ForAllValues:`, `ForAnyValue:`) and at most one `IfExists` suffix, which
    /// `Null` does not take.
    pub(crate) fn parse(name: &str) -> Option<Operator> {
        let (set, rest) = if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetOperator::ForAllValues), rest)
        } else if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetOperator::ForAnyValue), rest)
        } else {
            (None, name)
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let (_, test, negated) = OPERATORS.iter().find(|(known, _, _)| *known == base)?;
        if *test == Test::Null && if_exists {
            return None;
        }
        Some(Operator {
            set,
            test: *test,
            negated: *negated,
            if_exists,
        })
    }

    /// Whether policy values of this operator may contain variables (IAM-VARS: String, ARN
    /// and Bool operators).
    pub(crate) fn allows_variables(&self) -> bool {
        matches!(
            self.test,
            Test::StringEquals
                | Test::StringEqualsIgnoreCase
                | Test::StringLike
                | Test::Arn
                | Test::Bool
        )
    }

    /// Whether `*` and `?` in policy values are wildcards.
    pub(crate) fn allows_wildcards(&self) -> bool {
        matches!(self.test, Test::StringLike | Test::Arn)
    }
}

/// The policy's values for one key, parsed for the operator's family.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Values {
    /// String and Bool operators (may hold variables; `StringLike` may hold wildcards).
    Templates(Vec<Template>),
    /// ARN operators (may hold variables and wildcards).
    Arns(Vec<ArnValue>),
    Numbers(Vec<Number>),
    Dates(Vec<Date>),
    Binary(Vec<Vec<u8>>),
    Ranges(Vec<Cidr>),
    /// `Null`: `true` means "the key is absent".
    Null(Vec<bool>),
}

/// One value of an `Arn…` operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArnValue {
    /// Without variables: split into its six segments once, at parse time; `None` when it has
    /// fewer than six, and then it matches nothing.
    Split(Option<Box<[Pattern; 6]>>),
    /// With variables: resolved and split at each evaluation.
    Template(Template),
}

impl ArnValue {
    pub(crate) fn new(template: Template) -> ArnValue {
        if template.has_variables() {
            return ArnValue::Template(template);
        }
        ArnValue::Split(
            template
                .with_resolved(&Context::new(), arn::split_pattern)
                .flatten()
                .map(Box::new),
        )
    }

    /// Whether the ARN (or text) `value` matches, segment by segment.
    fn matches(&self, context: &Context, value: &str) -> bool {
        match self {
            ArnValue::Split(Some(segments)) => arn::matches_split(segments, value),
            ArnValue::Split(None) => false,
            ArnValue::Template(template) => template
                .with_resolved(context, |atoms| arn::matches_segmentwise(atoms, value))
                .unwrap_or(false),
        }
    }
}

impl Condition {
    /// Whether the condition holds for `context`.
    pub(crate) fn holds(&self, context: &Context) -> bool {
        let request = context.lookup(&self.key);
        if let Values::Null(expected) = &self.values {
            let absent = request.is_empty();
            return expected.contains(&absent);
        }
        let operator = self.operator;
        if request.is_empty() {
            return match operator.set {
                Some(SetOperator::ForAllValues) => true,
                Some(SetOperator::ForAnyValue) => operator.if_exists,
                None => operator.if_exists || operator.negated,
            };
        }
        // Whether one request value satisfies the operator (negation included).
        let satisfies = |value: &ContextValue| {
            self.any_policy_value_matches(value, context) != operator.negated
        };
        match operator.set {
            Some(SetOperator::ForAllValues) => request.iter().all(satisfies),
            Some(SetOperator::ForAnyValue) => request.iter().any(satisfies),
            // Without a set operator a multivalued key behaves as "some value matches" and,
            // negated, "no value matches" (fedgate's reading; docs/decisions.md).
            None if operator.negated => request.iter().all(satisfies),
            None => request.iter().any(satisfies),
        }
    }

    /// Whether `value` matches at least one policy value (before negation).
    fn any_policy_value_matches(&self, value: &ContextValue, context: &Context) -> bool {
        match (&self.values, self.operator.test) {
            (Values::Templates(templates), test) => templates
                .iter()
                .any(|template| template_matches(template, test, value, context)),
            (Values::Arns(arns), Test::Arn) => {
                let text = value.text();
                arns.iter().any(|arn| arn.matches(context, &text))
            }
            (Values::Numbers(numbers), Test::Numeric(comparison)) => {
                value.as_number().is_some_and(|request| {
                    numbers
                        .iter()
                        .any(|policy| comparison.holds(request.as_ref().cmp(policy)))
                })
            }
            (Values::Dates(dates), Test::Date(comparison)) => {
                value.as_date().is_some_and(|request| {
                    dates
                        .iter()
                        .any(|policy| comparison.holds(request.cmp(policy)))
                })
            }
            (Values::Binary(expected), Test::Binary) => value
                .as_bytes()
                .is_some_and(|bytes| expected.iter().any(|policy| policy.as_slice() == bytes)),
            (Values::Ranges(ranges), Test::Ip) => value
                .as_ip()
                .is_some_and(|address| ranges.iter().any(|range| range.contains(address))),
            // INVARIANT: parse.rs builds the values for the operator's family, so no other
            // pair occurs; if one did, matching nothing is the safe answer.
            _ => false,
        }
    }
}

/// One template policy value against one request value. A template whose variable cannot be
/// resolved matches nothing (IAM-VARS).
fn template_matches(
    template: &Template,
    test: Test,
    value: &ContextValue,
    context: &Context,
) -> bool {
    match test {
        Test::StringEquals => template.equals(context, &value.text()),
        Test::StringEqualsIgnoreCase => {
            let text = value.text();
            match template.as_literal() {
                Some(literal) => equal_ignoring_case(literal, &text),
                None => template
                    .resolve_to_string(context)
                    .is_some_and(|policy| equal_ignoring_case(&policy, &text)),
            }
        }
        Test::StringLike => template.matches(context, &value.text()),
        Test::Bool => {
            let Some(request) = value.as_bool() else {
                return false;
            };
            let expected = if request { "true" } else { "false" };
            match template.as_literal() {
                Some(literal) => literal.eq_ignore_ascii_case(expected),
                None => template
                    .resolve_to_string(context)
                    .is_some_and(|policy| policy.eq_ignore_ascii_case(expected)),
            }
        }
        _ => false,
    }
}

/// Whether `a` and `b` are equal once both are lower-cased, as `str::to_lowercase` does it.
/// ASCII text, the usual case, is compared in place.
fn equal_ignoring_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::variables::Syntax;

    #[test]
    fn parses_prefixes_and_suffix() {
        let operator = Operator::parse("ForAnyValue:StringNotEqualsIfExists").unwrap();
        assert_eq!(operator.set, Some(SetOperator::ForAnyValue));
        assert_eq!(operator.test, Test::StringEquals);
        assert!(operator.negated);
        assert!(operator.if_exists);
        assert!(Operator::parse("ArnNotLike").unwrap().negated);
        assert!(!Operator::parse("ArnEquals").unwrap().negated);
    }

    #[test]
    fn refuses_unknown_operators() {
        for name in [
            "StringEqual",
            "stringequals",
            "ForAnyValue::StringEquals",
            "ForAllValues:ForAnyValue:StringEquals",
            "NullIfExists",
            "StringEqualsIfExistsIfExists",
            "IfExists",
        ] {
            assert_eq!(Operator::parse(name), None, "{name}");
        }
    }

    #[test]
    fn comparisons_read_request_against_policy() {
        assert!(Comparison::LessThan.holds(Ordering::Less));
        assert!(!Comparison::LessThan.holds(Ordering::Equal));
        assert!(Comparison::LessThanEquals.holds(Ordering::Equal));
        assert!(Comparison::GreaterThanEquals.holds(Ordering::Greater));
        assert!(!Comparison::GreaterThan.holds(Ordering::Equal));
    }

    #[test]
    fn compares_ignoring_case_as_to_lowercase_does() {
        for (a, b) in [
            ("ABC", "abc"),
            ("abc", "abd"),
            ("\u{212A}", "k"),
            ("\u{212A}", "K"),
            ("ΣΑΣ", "σας"),
            ("ΣΑΣ", "σασ"),
            ("", ""),
        ] {
            assert_eq!(
                equal_ignoring_case(a, b),
                a.to_lowercase() == b.to_lowercase(),
                "{a} / {b}"
            );
        }
    }

    proptest! {
        /// An ARN value split at parse time matches exactly what the same value resolved and
        /// split at evaluation matches.
        #[test]
        fn split_arn_values_agree_with_splitting_at_evaluation(
            pattern in "[a:*?]{0,12}",
            value in "[a:b]{0,14}",
        ) {
            let syntax = Syntax { wildcards: true, variables: true };
            let template = Template::parse(&pattern, syntax);
            let context = Context::new();
            let expected = template
                .with_resolved(&context, |atoms| arn::matches_segmentwise(atoms, &value))
                .unwrap();
            let split = ArnValue::new(template);
            prop_assert!(matches!(split, ArnValue::Split(_)));
            prop_assert_eq!(split.matches(&context, &value), expected);
        }
    }
}
