//! SAML timestamps: `xs:dateTime` in UTC, as SAML Core §1.3.3 requires.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Parses a SAML timestamp such as `2030-01-01T00:00:00Z` or `2030-01-01T00:00:00.123Z`.
///
/// Only UTC with a `Z` is accepted (SAML Core §1.3.3: "MUST be expressed in UTC form, with no
/// time zone component"); `None` for anything else.
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    // xs:dateTime has a `T` where RFC 3339 also allows a space, and SAML wants `Z`.
    if !text.ends_with('Z') || text.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_utc_with_and_without_fraction() {
        assert_eq!(
            parse_timestamp("2030-01-01T00:00:00Z").map(OffsetDateTime::unix_timestamp),
            Some(1_893_456_000)
        );
        assert_eq!(
            parse_timestamp("2030-01-01T00:00:00.999Z").map(OffsetDateTime::unix_timestamp),
            Some(1_893_456_000)
        );
    }

    #[test]
    fn rejects_offsets_and_garbage() {
        assert_eq!(parse_timestamp("2030-01-01T01:00:00+01:00"), None);
        assert_eq!(parse_timestamp("2030-01-01T00:00:00"), None);
        assert_eq!(parse_timestamp("2030-01-01 00:00:00Z"), None);
        assert_eq!(parse_timestamp(""), None);
    }
}
