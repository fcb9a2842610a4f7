//! Dates for the `Date…` operators: W3C ISO 8601 (`2020-01-01`, `2020-01-01T00:00:01Z`,
//! `2016-12-13T21:20:37.593194+00:00`) or epoch seconds (`1577836800`), as IAM-OPS allows.
//!
//! What IAM accepts was reproduced by moto's AWS-validated tests (MOTO-IAM
//! `_legacy_parse_date_condition_value`): a value with a `t`/`T` or a `-` is a date-time,
//! anything else is epoch seconds between 0 and 2^63−1; years run from −292275054 to
//! 292278993. fedgate also refuses impossible calendar days (`2019-02-30`).

/// An instant, to the nanosecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    seconds: i64,
    nanos: u32,
}

const MIN_YEAR: i64 = -292_275_054;
const MAX_YEAR: i64 = 292_278_993;

impl Date {
    /// Parses an ISO 8601 date-time or epoch seconds; `None` for anything else.
    pub fn parse(text: &str) -> Option<Date> {
        if text.contains(['t', 'T', '-']) {
            parse_iso(text)
        } else {
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(Date {
                seconds: text.parse().ok()?,
                nanos: 0,
            })
        }
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn epoch_seconds(&self) -> i64 {
        self.seconds
    }

    /// The instant `seconds` after the epoch.
    pub fn from_epoch_seconds(seconds: i64) -> Date {
        Date { seconds, nanos: 0 }
    }
}

fn parse_iso(text: &str) -> Option<Date> {
    let (date, time) = match text.find(['t', 'T']) {
        Some(at) => (text.get(..at)?, Some(text.get(at + 1..)?)),
        None => (text, None),
    };
    let (negative, date) = match date.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, date),
    };
    let mut parts = date.split('-');
    let year = number(parts.next()?, 1, 9)?;
    let year = if negative { -year } else { year };
    let month = parts.next().map(|m| number(m, 1, 2)).unwrap_or(Some(1))?;
    let day = parts.next().map(|d| number(d, 1, 2)).unwrap_or(Some(1))?;
    if parts.next().is_some() || !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return None;
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let (seconds_of_day, nanos, offset) = match time {
        Some(time) => parse_time(time)?,
        None => (0, 0, 0),
    };
    let seconds = days_from_civil(year, month, day)
        .checked_mul(86_400)?
        .checked_add(seconds_of_day)?
        .checked_sub(offset)?;
    Some(Date { seconds, nanos })
}

/// `hh[:mm[:ss[.fraction]]][Z|±hh[[:]mm]]`, or empty; (seconds of day, nanos, offset seconds).
fn parse_time(time: &str) -> Option<(i64, u32, i64)> {
    let (clock, offset) = match time.find(['z', 'Z', '+', '-']) {
        Some(at) => (time.get(..at)?, parse_offset(time.get(at..)?)?),
        None => (time, 0),
    };
    if clock.is_empty() {
        return Some((0, 0, offset));
    }
    let mut parts = clock.split(':');
    let hours = number(parts.next()?, 1, 2)?;
    let minutes = parts.next().map(|m| number(m, 1, 2)).unwrap_or(Some(0))?;
    let (seconds, nanos) = match parts.next() {
        Some(seconds) => parse_seconds(seconds)?,
        None => (0, 0),
    };
    if parts.next().is_some() || hours > 23 || minutes > 59 || seconds > 59 {
        return None;
    }
    Some((hours * 3600 + minutes * 60 + seconds, nanos, offset))
}

fn parse_seconds(text: &str) -> Option<(i64, u32)> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let seconds = number(whole, 1, 2)?;
    if !text.contains('.') {
        return Some((seconds, 0));
    }
    if fraction.is_empty() || fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let padded = format!("{fraction:0<9}");
    Some((seconds, padded.parse().ok()?))
}

fn parse_offset(zone: &str) -> Option<i64> {
    if zone.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let digits = zone.get(1..)?;
    let (hours, minutes) = match digits.split_once(':') {
        Some((hours, minutes)) => (hours, minutes),
        None if digits.len() == 4 => (digits.get(..2)?, digits.get(2..)?),
        None => (digits, "00"),
    };
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let (hours, minutes) = (number(hours, 2, 2)?, number(minutes, 2, 2)?);
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60))
}

/// An unsigned decimal of `min..=max` digits.
fn number(text: &str, min: usize, max: usize) -> Option<i64> {
    if text.len() < min || text.len() > max || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch(text: &str) -> i64 {
        Date::parse(text).unwrap().epoch_seconds()
    }

    #[test]
    fn reads_w3c_profiles_and_epoch() {
        assert_eq!(epoch("1970-01-01T00:00:00Z"), 0);
        assert_eq!(epoch("2020-01-01T00:00:01Z"), 1_577_836_801);
        assert_eq!(epoch("2020-01-01"), 1_577_836_800);
        assert_eq!(epoch("2020-01"), 1_577_836_800);
        assert_eq!(epoch("1577836800"), 1_577_836_800);
        assert_eq!(epoch("2020-01-01T01:00+01:00"), 1_577_836_800);
        assert_eq!(epoch("2019-12-31T23:00:00-01:00"), 1_577_836_800);
        assert_eq!(epoch("2020-01-01t00:00:00z"), 1_577_836_800);
        assert_eq!(epoch("2000-03-01T00:00:00Z"), 951_868_800);
    }

    #[test]
    fn keeps_fractions() {
        let a = Date::parse("2016-12-13T21:20:37.593194+00:00").unwrap();
        let b = Date::parse("2016-12-13T21:20:37.5931941Z").unwrap();
        assert!(a < b);
        assert_eq!(a.epoch_seconds(), b.epoch_seconds());
    }

    #[test]
    fn accepts_what_iam_accepts() {
        // MOTO-IAM valid_policy_documents: AWS accepted these.
        for text in [
            "01T",
            "2016-12-13t2:00:00.593194+23",
            "-292275054",
            "2019-07-01T13:20:15Z",
        ] {
            assert!(Date::parse(text).is_some(), "{text}");
        }
    }

    #[test]
    fn refuses_what_iam_refuses() {
        // MOTO-IAM invalid_policy_document_test_cases: "The policy failed legacy parsing".
        for text in [
            "sdfdsf",
            "234-13",
            "2016-12-13t2:00:00.593194+1",
            "2016-12-13t2:00:00.1999999999+10:59",
            "9223372036854775808",
            "2019-02-29",
            "2019-01-01T24:00:00Z",
            "",
        ] {
            assert_eq!(Date::parse(text), None, "{text}");
        }
    }
}
