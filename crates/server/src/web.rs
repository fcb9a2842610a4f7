//! The browser's side of the server: HTML pages (server-rendered, no JavaScript needed), sealed
//! cookies, CSRF tokens and security headers, and the contact-center instance's web app under
//! `/app/{alias}/…` (home, the CCP, the agent workspace, logout).
//!
//! Cookies are sealed (AES-256-GCM under the server's key, one [`Purpose`] per cookie), HttpOnly,
//! SameSite=Lax, `Secure` when the public URL is https. Each names a revocable session in the
//! store: logging out revokes it, so a copied cookie stops working (docs/decisions.md).

pub mod admin;
pub mod app;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::keys::{KeyRing, Purpose};
use crate::state::AppState;

/// The console session cookie.
pub const CONSOLE_COOKIE: &str = "fedgate-console";
/// The instance session cookie.
pub const INSTANCE_COOKIE: &str = "fedgate-instance";
/// Longest cookie value opened.
const MAX_COOKIE_CHARS: usize = 4096;
/// The content security policy of every page.
pub const CSP: &str = "default-src 'none'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query parameter's value (RFC 3986 unreserved characters kept).
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A whole HTML document with `title` and `body` (already escaped HTML).
pub fn document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}.error{{color:#a00}}.notice{{background:#ffd;padding:.5rem}}</style></head><body>{body}</body></html>\n",
        title = escape(title)
    )
}

/// An HTML page with the security headers.
pub fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let mut response = (status, document(title, body)).into_response();
    secure(response.headers_mut());
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Adds the security headers every browser response carries.
pub fn secure(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// A `303 See Other` (after a POST) or `302 Found` to `location`, with the security headers.
pub fn redirect(status: StatusCode, location: &str) -> Response {
    let mut response = status.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    secure(response.headers_mut());
    response
}

/// Seals `value` into a cookie value.
pub fn seal_cookie(keys: &KeyRing, purpose: Purpose, value: &impl Serialize) -> String {
    let json = serde_json::to_vec(value).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(keys.seal(purpose, &json))
}

/// Opens the cookie `name` of the request, sealed for `purpose`.
pub fn open_cookie<T: DeserializeOwned>(
    keys: &KeyRing,
    purpose: Purpose,
    headers: &HeaderMap,
    name: &str,
) -> Option<T> {
    let value = cookie(headers, name)?;
    // SECURITY: bound the work an arbitrary cookie can cause before decoding it.
    if value.len() > MAX_COOKIE_CHARS {
        return None;
    }
    let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value)
        .ok()?;
    let json = keys.open(purpose, &sealed)?;
    serde_json::from_slice(&json).ok()
}

/// The value of the request's cookie `name`.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` header value: HttpOnly, SameSite=Lax, Path=/, `Secure` when https;
/// `max_age` seconds (0 clears it).
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config.is_https() {
        "; Secure"
    } else {
        ""
    };
    let text = format!(
        "{name}={value}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
        max_age.max(0)
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// Adds `Set-Cookie` to a response.
pub fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// A CSRF token field for a form.
pub fn csrf_field(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(token)
    )
}

/// Whether a submitted CSRF token equals the session's (constant time).
pub fn csrf_ok(expected: &str, submitted: Option<&str>) -> bool {
    submitted.is_some_and(|submitted| {
        submitted.len() == expected.len()
            && aws_lc_rs::constant_time::verify_slices_are_equal(
                submitted.as_bytes(),
                expected.as_bytes(),
            )
            .is_ok()
    })
}

/// The page for a refused form (a missing or wrong CSRF token).
pub fn csrf_refused() -> Response {
    page(
        StatusCode::FORBIDDEN,
        "Request refused",
        "<h1>Request refused</h1><p class=\"error\">The form has expired or did not come from this site. Go back, reload the page and try again.</p>",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn encodes_components() {
        assert_eq!(
            encode_component("/ccp-v2/chat&x=1"),
            "%2Fccp-v2%2Fchat%26x%3D1"
        );
    }

    #[test]
    fn reads_cookies_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; fedgate-console=2"),
        );
        assert_eq!(cookie(&headers, "fedgate-console"), Some("2"));
        assert_eq!(cookie(&headers, "fedgate"), None);
    }
}
