//! Prometheus metrics, kept in the application state (no global recorder): requests by action
//! and outcome, their latency, and sign-in rejections by reason.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// All series. Lookups take a shared read lock; a write lock only when a series first appears.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: RwLock<HashMap<(&'static str, &'static str), Arc<Series>>>,
    rejections: RwLock<HashMap<String, Arc<AtomicU64>>>,
}

#[derive(Debug, Default)]
struct Series {
    count: AtomicU64,
    /// Sum of latencies in microseconds.
    sum_micros: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
}

impl Metrics {
    /// Records one request of `action` that ended with `outcome` (`ok` or an error code) after
    /// `seconds`.
    pub fn record_request(&self, action: &'static str, outcome: &'static str, seconds: f64) {
        let series = self.series(action, outcome);
        series.count.fetch_add(1, Ordering::Relaxed);
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "latencies are small positive numbers of microseconds"
        )]
        series
            .sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
        for (bound, bucket) in BUCKETS.iter().zip(&series.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Records one rejected sign-in or AssumeRoleWithSAML, by precise reason.
    pub fn record_rejection(&self, reason: &str) {
        let existing = self
            .rejections
            .read()
            .ok()
            .and_then(|map| map.get(reason).cloned());
        let counter = match existing {
            Some(counter) => counter,
            None => {
                let mut map = self
                    .rejections
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                Arc::clone(map.entry(reason.to_owned()).or_default())
            }
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of every series.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP fedgate_requests_total Requests by action and outcome.\n");
        out.push_str("# TYPE fedgate_requests_total counter\n");
        let requests = self
            .requests
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut keys: Vec<_> = requests.keys().collect();
        keys.sort();
        for key in &keys {
            if let Some(series) = requests.get(*key) {
                let _ = writeln!(
                    out,
                    "fedgate_requests_total{{action=\"{}\",outcome=\"{}\"}} {}",
                    escape(key.0),
                    key.1,
                    series.count.load(Ordering::Relaxed)
                );
            }
        }
        out.push_str("# HELP fedgate_request_duration_seconds Request latency by action.\n");
        out.push_str("# TYPE fedgate_request_duration_seconds histogram\n");
        for key in &keys {
            let Some(series) = requests.get(*key) else {
                continue;
            };
            let labels = format!("action=\"{}\",outcome=\"{}\"", escape(key.0), key.1);
            for (bound, bucket) in BUCKETS.iter().zip(&series.buckets) {
                let _ = writeln!(
                    out,
                    "fedgate_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    bucket.load(Ordering::Relaxed)
                );
            }
            let count = series.count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "fedgate_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            #[expect(
                clippy::cast_precision_loss,
                reason = "a sum of microseconds, shown as seconds"
            )]
            let sum = series.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(
                out,
                "fedgate_request_duration_seconds_sum{{{labels}}} {sum}"
            );
            let _ = writeln!(
                out,
                "fedgate_request_duration_seconds_count{{{labels}}} {count}"
            );
        }
        drop(requests);
        out.push_str("# HELP fedgate_signin_rejections_total Rejected SAML responses by reason.\n");
        out.push_str("# TYPE fedgate_signin_rejections_total counter\n");
        let rejections = self
            .rejections
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut reasons: Vec<_> = rejections.iter().collect();
        reasons.sort_by(|a, b| a.0.cmp(b.0));
        for (reason, count) in reasons {
            let _ = writeln!(
                out,
                "fedgate_signin_rejections_total{{reason=\"{}\"}} {}",
                escape(reason),
                count.load(Ordering::Relaxed)
            );
        }
        out
    }

    fn series(&self, action: &'static str, outcome: &'static str) -> Arc<Series> {
        if let Some(series) = self
            .requests
            .read()
            .ok()
            .and_then(|map| map.get(&(action, outcome)).cloned())
        {
            return series;
        }
        let mut map = self
            .requests
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(map.entry((action, outcome)).or_default())
    }
}

/// Escapes a label value (backslash, quote, newline).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
