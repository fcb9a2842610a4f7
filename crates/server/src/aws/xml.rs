//! A small XML writer and the awsQuery response envelope.
//!
//! ```xml
//! <{Action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
//!   <{Action}Result>…</{Action}Result>
//!   <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata>
//! </{Action}Response>
//! ```
//!
//! Element names are `&'static str`, so only code chooses them; text is escaped; nesting is by
//! closures, so every element that is opened is closed. Lists are `<Name><member>…</member>
//! </Name>` (awsQuery's non-flattened lists) and timestamps ISO 8601 in UTC with a `Z`
//! (`2019-11-01T20:26:47Z`), which botocore's `QueryParser` reads.

use axum::http::{HeaderValue, Response, header};
use axum::response::IntoResponse;
use time::OffsetDateTime;

use super::error::REQUEST_ID_HEADER;
use super::query::QueryApi;

/// The room a response document starts with: an `AssumeRoleWithSAML` answer (its session token
/// most of it) fits without the string growing several times.
const RESPONSE_CAPACITY: usize = 2_048;

/// Builds an XML document into a `String`.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// `<name>…</name>`, the content written by `content`.
    pub fn element(&mut self, name: &'static str, content: impl FnOnce(&mut Self)) {
        self.open(name);
        content(self);
        self.close(name);
    }

    /// `<name>text</name>`, the text escaped.
    pub fn text_element(&mut self, name: &'static str, text: &str) {
        self.open(name);
        escape_into(&mut self.out, text);
        self.close(name);
    }

    /// [`Self::text_element`] when there is a value; nothing when there is none (awsQuery
    /// leaves absent members out).
    pub fn optional_element(&mut self, name: &'static str, text: Option<&str>) {
        if let Some(text) = text {
            self.text_element(name, text);
        }
    }

    /// An integer member.
    pub fn integer_element(&mut self, name: &'static str, value: i64) {
        self.text_element(name, &value.to_string());
    }

    /// A boolean member (`true`/`false`).
    pub fn boolean_element(&mut self, name: &'static str, value: bool) {
        self.text_element(name, if value { "true" } else { "false" });
    }

    /// A timestamp member: ISO 8601, UTC, whole seconds, `Z`.
    pub fn timestamp_element(&mut self, name: &'static str, value: OffsetDateTime) {
        self.text_element(name, &format_timestamp(value));
    }

    /// A list member: `<name>` then one `<member>` per item, written by `item`.
    pub fn list<T>(
        &mut self,
        name: &'static str,
        items: impl IntoIterator<Item = T>,
        mut item: impl FnMut(&mut Self, T),
    ) {
        self.element(name, |xml| {
            for value in items {
                xml.element("member", |xml| item(xml, value));
            }
        });
    }

    /// The document.
    pub fn finish(self) -> String {
        self.out
    }

    /// `<name xmlns="namespace">`, the name given in parts (`[action, "Response"]`).
    pub(crate) fn open_with_namespace(&mut self, name: &[&str], namespace: &'static str) {
        self.out.push('<');
        name.iter().for_each(|part| self.out.push_str(part));
        self.out.push_str(" xmlns=\"");
        escape_into(&mut self.out, namespace);
        self.out.push_str("\">");
    }

    pub(crate) fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    pub(crate) fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// `<name>`, the name given in parts.
    fn open_parts(&mut self, name: &[&str]) {
        self.out.push('<');
        name.iter().for_each(|part| self.out.push_str(part));
        self.out.push('>');
    }

    /// `</name>`, the name given in parts.
    fn close_parts(&mut self, name: &[&str]) {
        self.out.push_str("</");
        name.iter().for_each(|part| self.out.push_str(part));
        self.out.push('>');
    }
}

/// An awsQuery success response: the `<{Action}Response>` document.
#[derive(Debug)]
pub struct QueryResponse {
    body: String,
    request_id: String,
}

impl QueryResponse {
    /// `<{action}Response><{action}Result>…</{action}Result><ResponseMetadata>…`, the result's
    /// members written by `result`. `action` is the wire name (`AssumeRoleWithSAML`).
    pub fn new(
        api: QueryApi,
        action: &'static str,
        request_id: &str,
        result: impl FnOnce(&mut XmlWriter),
    ) -> Self {
        Self::render(api, action, request_id, Some(result))
    }

    /// A response without a result element, for actions whose output has no members
    /// (`DeleteRole`), as AWS answers them.
    pub fn empty(api: QueryApi, action: &'static str, request_id: &str) -> Self {
        Self::render(api, action, request_id, None::<fn(&mut XmlWriter)>)
    }

    fn render(
        api: QueryApi,
        action: &'static str,
        request_id: &str,
        result: Option<impl FnOnce(&mut XmlWriter)>,
    ) -> Self {
        // The element names are written in two parts rather than built with `format!` per call.
        let mut xml = XmlWriter {
            out: String::with_capacity(RESPONSE_CAPACITY),
        };
        xml.open_with_namespace(&[action, "Response"], api.xml_namespace());
        if let Some(result) = result {
            xml.open_parts(&[action, "Result"]);
            result(&mut xml);
            xml.close_parts(&[action, "Result"]);
        }
        xml.element("ResponseMetadata", |xml| {
            xml.text_element("RequestId", request_id)
        });
        xml.close_parts(&[action, "Response"]);
        Self {
            body: xml.finish(),
            request_id: request_id.to_owned(),
        }
    }

    /// The XML document.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The HTTP response: 200, `text/xml`, the request id header.
    pub fn into_http_response(self) -> Response<String> {
        let mut response = Response::new(self.body);
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
        if let Ok(id) = HeaderValue::from_str(&self.request_id) {
            headers.insert(REQUEST_ID_HEADER, id);
        }
        response
    }
}

impl IntoResponse for QueryResponse {
    fn into_response(self) -> axum::response::Response {
        self.into_http_response()
            .map(axum::body::Body::from)
            .into_response()
    }
}

/// ISO 8601 in UTC with whole seconds: `2019-11-01T20:26:47Z`.
pub fn format_timestamp(value: OffsetDateTime) -> String {
    let value = value.to_offset(time::UtcOffset::UTC);
    // Years 0–9999 (every timestamp fedgate writes) are written digit by digit, without the
    // formatting machinery: each response carries one. Others keep `format!`'s rendering.
    if let Ok(year) = u16::try_from(value.year())
        && year <= 9_999
    {
        let mut out = String::with_capacity(20);
        push_digits(&mut out, year, 4);
        out.push('-');
        push_digits(&mut out, u16::from(u8::from(value.month())), 2);
        out.push('-');
        push_digits(&mut out, u16::from(value.day()), 2);
        out.push('T');
        push_digits(&mut out, u16::from(value.hour()), 2);
        out.push(':');
        push_digits(&mut out, u16::from(value.minute()), 2);
        out.push(':');
        push_digits(&mut out, u16::from(value.second()), 2);
        out.push('Z');
        return out;
    }
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        value.year(),
        u8::from(value.month()),
        value.day(),
        value.hour(),
        value.minute(),
        value.second()
    )
}

/// Appends the last `width` decimal digits of `value`, zero-padded.
fn push_digits(out: &mut String, value: u16, width: u32) {
    for place in (0..width).rev() {
        let digit = value / 10_u16.pow(place) % 10;
        out.push(char::from(b'0' + u8::try_from(digit).unwrap_or(0)));
    }
}

/// Escapes text content. Characters XML 1.0 cannot carry at all (C0 controls other than tab,
/// newline and carriage return; U+FFFE, U+FFFF) become U+FFFD, so the document stays
/// well-formed whatever a client stored.
///
/// Runs of bytes that need nothing are copied whole, and found eight bytes at a time: a
/// session token or an ARN has no byte to escape, and reading it char by char was most of the
/// cost of rendering a response.
fn escape_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some((at, replacement, len)) = next_escape(rest) {
        let (clean, tail) = rest.split_at_checked(at).unwrap_or((rest, ""));
        out.push_str(clean);
        out.push_str(replacement);
        rest = tail.get(len..).unwrap_or_default();
    }
    out.push_str(rest);
}

/// The first character of `text` that [`escape_into`] replaces: its byte offset, what it
/// becomes and its length in bytes.
fn next_escape(text: &str) -> Option<(usize, &'static str, usize)> {
    let bytes = text.as_bytes();
    let mut at = 0;
    // Words of eight clean bytes are skipped whole; the first word that may hold a byte to
    // replace is read byte by byte, then skipping resumes after it.
    let mut word_end = 0;
    loop {
        if at == word_end {
            at += clean_words(bytes.get(at..)?);
            word_end = at + 8;
        }
        let &byte = bytes.get(at)?;
        let found = match byte {
            b'&' => Some(("&amp;", 1)),
            b'<' => Some(("&lt;", 1)),
            b'>' => Some(("&gt;", 1)),
            b'"' => Some(("&quot;", 1)),
            // A literal CR would be normalised to LF by the parser; the reference keeps it.
            b'\r' => Some(("&#13;", 1)),
            b'\t' | b'\n' => None,
            0x00..=0x1f => Some(("\u{fffd}", 1)),
            // U+FFFE and U+FFFF are EF BF BE and EF BF BF in UTF-8.
            0xef if matches!(bytes.get(at + 1..at + 3), Some([0xbf, 0xbe | 0xbf])) => {
                Some(("\u{fffd}", 3))
            }
            _ => None,
        };
        if let Some((replacement, len)) = found {
            return Some((at, replacement, len));
        }
        at += 1;
    }
}

/// The length of the longest prefix of `bytes` made of whole eight-byte words in which
/// [`next_escape`] certainly finds nothing: no byte below 0x2D (controls, `"`, `&`), no `<` or
/// `>`, no 0xEF (the lead byte of U+FFFE and U+FFFF). Other words end it, even if they need
/// nothing (`'`, `+`, `,`): three tests a word, which base64 and ARNs pass.
fn clean_words(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Non-zero when some byte of `word` is below `bound` (at most 0x80): the classic test,
    // exact for the word as a whole.
    let has_byte_below =
        |word: u64, bound: u8| word.wrapping_sub(ONES * u64::from(bound)) & !word & HIGHS != 0;
    let has_zero_byte = |word: u64| has_byte_below(word, 1);
    let mut clean = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_ne_bytes(word);
        // `<` (0x3C) and `>` (0x3E) differ in one bit: with it set, both are 0x3E.
        if has_byte_below(word, 0x2d)
            || has_zero_byte((word | (ONES * 0x02)) ^ (ONES * u64::from(b'>')))
            || has_zero_byte(word ^ (ONES * 0xef))
        {
            break;
        }
        clean += 8;
    }
    clean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_replaces_characters_xml_cannot_carry() {
        let mut out = String::new();
        escape_into(&mut out, "a<b>&\"c\"\r\n\t\u{1}\u{ffff}é");
        assert_eq!(
            out,
            "a&lt;b&gt;&amp;&quot;c&quot;&#13;\n\t\u{fffd}\u{fffd}é"
        );
    }

    /// The escape as first written, char by char: the run-copying one must match it exactly.
    fn reference_escape(text: &str) -> String {
        let mut out = String::new();
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\r' => out.push_str("&#13;"),
                '\t' | '\n' => out.push(c),
                '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
                _ => out.push(c),
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn escaping_runs_matches_escaping_chars(
            text in "([a-zA-Z0-9 ]|[<>&\"'\\r\\n\\t]|[\\x00-\\x1f]|[\u{80}-\u{7ff}]|[\u{fff0}-\u{ffff}]|[\u{e000}-\u{efff}]|[\u{10000}-\u{10ffff}])*",
        ) {
            let mut out = String::from("kept ");
            escape_into(&mut out, &text);
            proptest::prop_assert_eq!(out, format!("kept {}", reference_escape(&text)));
        }

        #[test]
        fn escaping_long_runs_matches_escaping_chars(
            text in "([a-zA-Z0-9_-]{0,40}([<>&\"'\r\n\t\x00\x1f\x7f\u{fffe}\u{ffff}\u{fffd}é]|[\x00-\x1f]|[\u{80}-\u{ffff}]))*",
        ) {
            let mut out = String::new();
            escape_into(&mut out, &text);
            proptest::prop_assert_eq!(out, reference_escape(&text));
        }

        #[test]
        fn escaping_any_string_matches_escaping_chars(text in proptest::prelude::any::<String>()) {
            let mut out = String::new();
            escape_into(&mut out, &text);
            proptest::prop_assert_eq!(out, reference_escape(&text));
        }
    }

    #[test]
    fn escaping_the_edges_of_runs_matches_escaping_chars() {
        for text in [
            "",
            "&",
            "plain",
            "<start",
            "end>",
            "\u{fffe}",
            "a\u{ffff}",
            "\u{fffd}\u{fffc}",
            "\u{efbf}\u{bfbe}",
            "\u{f000}x",
            "é&é",
            "\r\r",
            "\u{1}\u{1f}\u{7f}",
        ] {
            let mut out = String::new();
            escape_into(&mut out, text);
            assert_eq!(out, reference_escape(text), "{text:?}");
        }
    }

    #[test]
    fn timestamps_are_utc_whole_seconds() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_572_640_007_900_000_000).unwrap();
        let t = t.to_offset(time::UtcOffset::from_hms(2, 0, 0).unwrap());
        assert_eq!(format_timestamp(t), "2019-11-01T20:26:47Z");
    }

    #[test]
    fn timestamps_written_digit_by_digit_match_format() {
        let reference = |value: OffsetDateTime| {
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                value.year(),
                u8::from(value.month()),
                value.day(),
                value.hour(),
                value.minute(),
                value.second()
            )
        };
        for seconds in [
            0,
            1,
            59,
            1_572_640_007,
            -62_167_219_200,
            -62_135_596_800,
            253_402_300_799,
            1_893_456_000,
            4_102_444_799,
        ] {
            let t = OffsetDateTime::from_unix_timestamp(seconds).unwrap();
            assert_eq!(format_timestamp(t), reference(t), "{seconds}");
        }
        let mut seconds = -62_167_219_200_i64;
        while seconds < 253_402_300_799 {
            let t = OffsetDateTime::from_unix_timestamp(seconds).unwrap();
            assert_eq!(format_timestamp(t), reference(t), "{seconds}");
            seconds += 7_777_777;
        }
    }

    #[test]
    fn lists_are_members() {
        let mut xml = XmlWriter::new();
        xml.list("Roles", ["a", "b&"], |xml, name| {
            xml.text_element("RoleName", name)
        });
        assert_eq!(
            xml.finish(),
            "<Roles><member><RoleName>a</RoleName></member>\
             <member><RoleName>b&amp;</RoleName></member></Roles>"
        );
    }
}
