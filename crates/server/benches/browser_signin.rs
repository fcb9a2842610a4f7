//! Complete browser sign-ins per second (issue 7): `POST /saml` → `/connect/federate/{id}` →
//! `/app/demo/auth/sign-in` → the CCP page, over real sockets on SQLite, each sign-in with a
//! distinct signed response and a fresh client that keeps cookies, as a browser does.
//!
//! Printed figures: sign-ins per second and the p50/p99 latency of one whole sign-in. Targets
//! of issue 7 on 2 cores: ≥ 2,000 sign-ins/s, p99 under 50 ms.
//!
//! `cargo bench -p fedgate --bench browser_signin [-- SIGN_INS CLIENTS]`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_methods,
    reason = "a benchmark harness: a failure here is a failure of the run"
)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fedgate::clock::Clock;
use fedgate::config::{Config, Flags};
use fedgate::demo::{self, DevIdp};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let sign_ins: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let clients: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(32);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(sign_ins, clients));
}

async fn run(sign_ins: usize, clients: usize) {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let public_url = format!("http://{address}");
    let flags = Flags {
        data_dir: Some(dir.path().to_path_buf()),
        public_url: Some(public_url.clone()),
        listen: Some(address.to_string()),
        ..Flags::default()
    };
    let config = Config::resolve_from(&flags, &BTreeMap::new()).unwrap();
    let idp = DevIdp::load_or_create(dir.path(), &public_url).unwrap();
    let state = fedgate::bootstrap::start(config, Clock::System)
        .await
        .unwrap();
    let seeded = demo::seed(&state, &idp).await.unwrap();
    let responses: Vec<String> = (0..sign_ins)
        .map(|_| idp.response(&state, "alice").unwrap())
        .collect();
    let relay = format!(
        "/connect/federate/{}?destination=%2Fccp-v2",
        seeded.instance_id
    );
    let server = tokio::spawn(fedgate::http::serve(
        listener,
        state,
        std::future::pending(),
    ));

    let queue = Arc::new(std::sync::Mutex::new(responses));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let queue = Arc::clone(&queue);
        let relay = relay.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let Some(response) = queue.lock().unwrap().pop() else {
                    return latencies;
                };
                let one = Instant::now();
                sign_in(address, &response, &relay).await;
                latencies.push(one.elapsed());
            }
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let percentile = |p: f64| {
        let index = ((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        latencies[index.min(latencies.len() - 1)]
    };
    println!(
        "browser sign-ins: {} in {:.2} s with {clients} clients = {:.0} sign-ins/s; p50 {:.1} ms, p99 {:.1} ms (targets: >= 2000/s, p99 < 50 ms)",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(0.50).as_secs_f64() * 1e3,
        percentile(0.99).as_secs_f64() * 1e3,
    );
    server.abort();
}

/// One browser: a fresh connection and cookie jar, following redirects to the CCP page.
async fn sign_in(address: std::net::SocketAddr, response: &str, relay: &str) {
    let stream = TcpStream::connect(address).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let mut stream = BufReader::new(stream);
    let mut jar: BTreeMap<String, String> = BTreeMap::new();
    let body = fedgate::testing::form([("SAMLResponse", response), ("RelayState", relay)]);
    let (mut status, mut location, mut page) =
        exchange(&mut stream, "POST", "/saml", &mut jar, Some(&body)).await;
    while status == 302 {
        let path = location
            .strip_prefix(&format!("http://{address}"))
            .unwrap_or(&location)
            .to_owned();
        (status, location, page) = exchange(&mut stream, "GET", &path, &mut jar, None).await;
    }
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Contact Control Panel"), "{page}");
}

/// One HTTP/1.1 request on a kept-alive connection: (status, Location, body).
async fn exchange(
    stream: &mut BufReader<TcpStream>,
    method: &str,
    path: &str,
    jar: &mut BTreeMap<String, String>,
    body: Option<&str>,
) -> (u16, String, String) {
    let cookies: Vec<String> = jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: bench\r\n");
    if !cookies.is_empty() {
        request.push_str(&format!("Cookie: {}\r\n", cookies.join("; ")));
    }
    if let Some(body) = body {
        request.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
    } else {
        request.push_str("\r\n");
    }
    stream
        .get_mut()
        .write_all(request.as_bytes())
        .await
        .unwrap();
    let mut line = String::new();
    stream.read_line(&mut line).await.unwrap();
    let status: u16 = line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut length = 0;
    let mut location = String::new();
    loop {
        line.clear();
        stream.read_line(&mut line).await.unwrap();
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap();
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse().unwrap(),
            "location" => location = value.to_owned(),
            "set-cookie" => {
                let pair = value.split(';').next().unwrap();
                let (key, cookie) = pair.split_once('=').unwrap();
                if value.contains("Max-Age=0") {
                    jar.remove(key);
                } else {
                    jar.insert(key.to_owned(), cookie.to_owned());
                }
            }
            _ => {}
        }
    }
    let mut buffer = vec![0; length];
    stream.read_exact(&mut buffer).await.unwrap();
    (
        status,
        location,
        String::from_utf8_lossy(&buffer).into_owned(),
    )
}
