//! Test support, used by the integration tests: the whole application on in-memory SQLite with a
//! manual clock, and requests signed with SigV4 as a client signs them. Not used by the server.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use std::path::PathBuf;
use time::OffsetDateTime;
use tower::ServiceExt as _;

use crate::aws::percent;
use crate::aws::sigv4::{self, HttpRequest};
use crate::clock::Clock;
use crate::config::{Config, Flags};
use crate::keys::random_id;
use crate::state::AppState;

/// The instant a [`TestServer`]'s manual clock starts at.
pub const START: OffsetDateTime = time::macros::datetime!(2030-01-01 00:00:00 UTC);

/// The public URL of a [`TestServer`].
pub const PUBLIC_URL: &str = "http://127.0.0.1:4580";

/// Credentials a test client signs with.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Session token, for temporary credentials.
    pub session_token: Option<String>,
}

/// The application, ready to take requests without a socket.
#[derive(Debug)]
pub struct TestServer {
    /// The application state (its clock is manual, starting at [`START`]).
    pub state: AppState,
    data_dir: PathBuf,
}

/// A response as tests look at it.
#[derive(Debug)]
pub struct TestResponse {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body as text.
    pub body: String,
}

impl TestServer {
    /// A fresh server on in-memory SQLite, its data directory in a new temporary folder.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(&crate::config::File::default(), "sqlite::memory:").await
    }

    /// A fresh server with `file` settings on the database at `database_url`.
    pub async fn start_with(
        file: &crate::config::File,
        database_url: &str,
    ) -> anyhow::Result<Self> {
        let data_dir =
            std::env::temp_dir().join(format!("fedgate-test-{}", random_id("", 16).to_lowercase()));
        let file_path = data_dir.join("fedgate.toml");
        std::fs::create_dir_all(&data_dir)?;
        std::fs::write(&file_path, toml::to_string(file)?)?;
        let flags = Flags {
            config: Some(file_path),
            data_dir: Some(data_dir.clone()),
            database_url: Some(database_url.to_owned()),
            public_url: Some(PUBLIC_URL.to_owned()),
            ..Flags::default()
        };
        let config = Config::resolve_from(&flags, &std::collections::BTreeMap::new())?;
        let state = crate::bootstrap::start(config, Clock::manual(START)).await?;
        Ok(Self { state, data_dir })
    }

    /// The administrator's credentials.
    pub fn admin(&self) -> Credentials {
        Credentials {
            access_key_id: self.state.account.admin_key_id.as_str().to_owned(),
            secret_access_key: self.state.account.admin_secret.expose().clone(),
            session_token: None,
        }
    }

    /// Sends `request` through the application.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = match crate::http::app(self.state.clone()).oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// An awsQuery call (`POST /` with a form body) to `service` (`sts` or `iam`), signed with
    /// `credentials` unless `None`.
    pub async fn query(
        &self,
        service: &str,
        params: &[(&str, &str)],
        credentials: Option<&Credentials>,
    ) -> TestResponse {
        let (mut request, body) = query_request(
            "127.0.0.1:4580",
            service,
            params,
            credentials,
            self.state.clock.now(),
        );
        *request.body_mut() = Body::from(body);
        self.send(request).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// An awsQuery request (`POST /` to `host`) to `service` (`sts` or `iam`) with its form body,
/// signed at `now` with `credentials` unless `None`. The request's own body is left empty, so a
/// caller can send it over a socket or through the application.
pub fn query_request(
    host: &str,
    service: &str,
    params: &[(&str, &str)],
    credentials: Option<&Credentials>,
    now: OffsetDateTime,
) -> (Request<Body>, String) {
    let version = if service == "iam" {
        "2010-05-08"
    } else {
        "2011-06-15"
    };
    let body = form(
        params
            .iter()
            .copied()
            .chain(std::iter::once(("Version", version))),
    );
    let mut request = Request::builder()
        .method("POST")
        .uri("/")
        .header(header::HOST, host)
        .header(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(Body::empty())
        .unwrap_or_default();
    if let Some(credentials) = credentials {
        sign(&mut request, body.as_bytes(), service, credentials, now);
    }
    (request, body)
}

/// `application/x-www-form-urlencoded` of `pairs`.
pub fn form<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = Vec::new();
    for (index, (name, value)) in pairs.into_iter().enumerate() {
        if index > 0 {
            out.push(b'&');
        }
        percent::encode_into(&mut out, name.as_bytes(), false);
        out.push(b'=');
        percent::encode_into(&mut out, value.as_bytes(), false);
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Signs `request` (whose body is `body`) for `service` in region `us-east-1` at `now`, as SigV4
/// clients do: `X-Amz-Date`, `X-Amz-Security-Token` if any, and the `Authorization` header
/// over every header present.
pub fn sign(
    request: &mut Request<Body>,
    body: &[u8],
    service: &str,
    credentials: &Credentials,
    now: OffsetDateTime,
) {
    let amz_date = sigv4::format_amz_date(now);
    let date = amz_date.get(..8).unwrap_or_default().to_owned();
    let headers = request.headers_mut();
    insert(headers, "x-amz-date", &amz_date);
    if let Some(token) = &credentials.session_token {
        insert(headers, "x-amz-security-token", token);
    }
    let mut names: Vec<String> = headers
        .keys()
        .map(|name| name.as_str().to_owned())
        .collect();
    names.sort();
    names.dedup();
    let signed_headers = names.join(";");
    let scope = format!("{date}/us-east-1/{service}/aws4_request");
    let placeholder = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={}",
        credentials.access_key_id,
        "0".repeat(64)
    );
    insert(request.headers_mut(), "authorization", &placeholder);
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let string_to_sign = {
        let view = HttpRequest::new(&method, &path, &query, request.headers(), body);
        sigv4::parse(&view, service, now).and_then(|unverified| unverified.string_to_sign())
    };
    let Ok(string_to_sign) = string_to_sign else {
        return;
    };
    let signature = sigv4::sign(
        &credentials.secret_access_key,
        &date,
        "us-east-1",
        service,
        &string_to_sign,
    );
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        credentials.access_key_id
    );
    insert(request.headers_mut(), "authorization", &authorization);
}

fn insert(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}
