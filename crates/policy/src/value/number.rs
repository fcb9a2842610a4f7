//! Exact decimal numbers for the `Numeric…` operators: `10`, `-2.5`, `1e3`, compared without
//! rounding (a policy limit of `9007199254740993` must not equal `9007199254740992`).

use std::cmp::Ordering;

/// Numbers longer than this (in characters) are refused, so comparisons stay cheap.
pub const MAX_NUMBER_CHARS: usize = 64;

/// A decimal number, normalised so that equal values have equal representations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    negative: bool,
    /// Significant digits (0–9), no leading or trailing zeros; empty for zero.
    digits: Vec<u8>,
    /// The value is 0.d1d2d3… × 10^exponent.
    exponent: i64,
}

impl Number {
    /// Parses `[+-]digits[.digits][(e|E)[+-]digits]`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Number> {
        if text.is_empty() || text.chars().count() > MAX_NUMBER_CHARS {
            return None;
        }
        let (negative, unsigned) = match text.as_bytes().first()? {
            b'-' => (true, text.get(1..)?),
            b'+' => (false, text.get(1..)?),
            _ => (false, text),
        };
        let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
            Some(at) => (
                unsigned.get(..at)?,
                parse_exponent(unsigned.get(at + 1..)?)?,
            ),
            None => (unsigned, 0),
        };
        let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if integer.is_empty() && fraction.is_empty() {
            return None;
        }
        if !integer
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let all: Vec<u8> = integer
            .bytes()
            .chain(fraction.bytes())
            .map(|b| b - b'0')
            .collect();
        let leading = all.iter().take_while(|&&d| d == 0).count();
        let significant = all.get(leading..).unwrap_or_default();
        let trailing = significant.iter().rev().take_while(|&&d| d == 0).count();
        let digits = significant
            .get(..significant.len() - trailing)
            .unwrap_or_default()
            .to_vec();
        let integer_len = i64::try_from(integer.len()).ok()?;
        let leading = i64::try_from(leading).ok()?;
        Some(if digits.is_empty() {
            Number {
                negative: false,
                digits,
                exponent: 0,
            }
        } else {
            Number {
                negative,
                digits,
                exponent: integer_len - leading + exponent,
            }
        })
    }

    fn magnitude_cmp(&self, other: &Number) -> Ordering {
        match (self.digits.is_empty(), other.digits.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
        self.exponent
            .cmp(&other.exponent)
            .then_with(|| self.digits.cmp(&other.digits))
    }
}

fn parse_exponent(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.magnitude_cmp(other),
            (true, true) => other.magnitude_cmp(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Number {
        Number::parse(text).unwrap()
    }

    #[test]
    fn equal_values_written_differently_are_equal() {
        assert_eq!(n("10"), n("10.0"));
        assert_eq!(n("10"), n("1e1"));
        assert_eq!(n("0010"), n("+10"));
        assert_eq!(n("0"), n("-0.000"));
        assert_eq!(n("0.5"), n(".5"));
        assert_eq!(n("5."), n("5"));
    }

    #[test]
    fn orders_exactly() {
        assert!(n("9007199254740993") > n("9007199254740992"));
        assert!(n("-1") < n("0"));
        assert!(n("-2") < n("-1.5"));
        assert!(n("0.001") < n("0.01"));
        assert!(n("99") < n("100"));
        assert!(n("1e-3") == n("0.001"));
    }

    #[test]
    fn refuses_non_numbers() {
        for text in [
            "",
            "-",
            ".",
            "1.2.3",
            "abc",
            "1e",
            "0x10",
            " 1",
            "1e9999999",
            "NaN",
        ] {
            assert_eq!(Number::parse(text), None, "{text}");
        }
    }
}
