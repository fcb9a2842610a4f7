//! Group commit for the writes every sign-in makes: its replay-cache key and its audit event.
//!
//! A sign-in burst makes thousands of these a second, and on SQLite every write goes through one
//! connection, a round trip to its thread each. So concurrent calls are queued to one task that
//! writes everything waiting together: one multi-row statement for all the replay keys, and one
//! for all the audit events (several if they are many). A call is answered only after the
//! statement holding its rows committed; each statement is atomic by itself, and a call's rows
//! are never split across statements, so every call's write happens entirely or not at all.
//!
//! SECURITY: replay of a SAML response (saml-security.md, replay). The primary key on
//! (issuer, assertion_id) lets exactly one insert win, on every node sharing the database: the
//! keys go in as one `INSERT … ON CONFLICT DO NOTHING RETURNING`, whose returned rows say which
//! were new. Of equal keys in one batch, the first queued is the one that may be new; the others
//! are its replays. A caller that stops waiting does not withdraw its key: the assertion then
//! counts as used, which errs on the side of refusing it.

use std::collections::HashSet;
use std::sync::Arc;

use sqlx::{AnyPool, AssertSqlSafe, Row};
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use super::{audit, insert_rows, seconds_ceil};
use crate::StoreError;
use crate::error::BackendError;
use crate::model::AuditEvent;

/// The longest issuer and assertion id kept, in bytes. SAML IDs are short (an `xs:ID`, in
/// practice under 100 bytes) and issuers are URIs; the bound keeps every key well inside
/// PostgreSQL's index row limit (about 2700 bytes), so that no input can make the insert fail.
pub(crate) const MAX_REPLAY_KEY_BYTES: usize = 1024;

/// Replay keys per statement (3 parameters each).
const KEYS_PER_STATEMENT: usize = 256;

/// Jobs taken into one batch.
const MAX_BATCH: usize = 512;

/// The answer a caller waits for, or the failure of the statement that held its rows.
type Answer<T> = Result<T, Arc<sqlx::Error>>;

/// One call waiting for its batch.
enum Job {
    Replay(KeyJob),
    Audit(AuditJob),
}

/// A replay key to record.
struct KeyJob {
    issuer: String,
    assertion_id: String,
    expires_at: i64,
    answer: oneshot::Sender<Answer<bool>>,
}

/// Audit events to append, all in one statement.
struct AuditJob {
    events: Vec<AuditEvent>,
    answer: oneshot::Sender<Answer<()>>,
}

/// The handle that queues writes to the writing task; the task ends with the last handle.
pub(crate) struct GroupCommit {
    queue: mpsc::UnboundedSender<Job>,
}

impl GroupCommit {
    /// Starts the task that writes batches on `pool` (the store's write pool). Call it within
    /// the Tokio runtime.
    pub(crate) fn start(pool: AnyPool) -> Self {
        let (queue, waiting) = mpsc::unbounded_channel();
        tokio::spawn(write_batches(pool, waiting));
        Self { queue }
    }

    /// Records the replay key as used: true the first time it is seen.
    pub(crate) async fn insert_once(
        &self,
        issuer: &str,
        assertion_id: &str,
        expires_at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        if issuer.len() > MAX_REPLAY_KEY_BYTES || assertion_id.len() > MAX_REPLAY_KEY_BYTES {
            return Err(StoreError::LimitExceeded("assertion issuer or id length"));
        }
        let (answer, answered) = oneshot::channel();
        self.submit(
            Job::Replay(KeyJob {
                issuer: issuer.to_owned(),
                assertion_id: assertion_id.to_owned(),
                // The row must outlive the assertion's acceptance window: round up.
                expires_at: seconds_ceil(expires_at),
                answer,
            }),
            answered,
        )
        .await
    }

    /// Appends audit events, all in one statement: at most [`audit::EVENTS_PER_STATEMENT`].
    pub(crate) async fn append_audit(&self, events: &[AuditEvent]) -> Result<(), StoreError> {
        debug_assert!(events.len() <= audit::EVENTS_PER_STATEMENT);
        let (answer, answered) = oneshot::channel();
        let events = events.to_vec();
        self.submit(Job::Audit(AuditJob { events, answer }), answered)
            .await
    }

    async fn submit<T>(
        &self,
        job: Job,
        answered: oneshot::Receiver<Answer<T>>,
    ) -> Result<T, StoreError> {
        let stopped =
            || StoreError::Unavailable(BackendError::abandoned("the group-commit writer"));
        self.queue.send(job).map_err(|_| stopped())?;
        match answered.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(failure)) => Err(StoreError::Unavailable(BackendError::shared(failure))),
            Err(_) => Err(stopped()),
        }
    }
}

/// Writes whatever is waiting, one batch at a time, until every handle is gone.
async fn write_batches(pool: AnyPool, mut waiting: mpsc::UnboundedReceiver<Job>) {
    let mut keys = Vec::new();
    let mut audits = Vec::new();
    while let Some(first) = waiting.recv().await {
        let mut next = Some(first);
        let mut taken = 0;
        while let Some(job) = next.take() {
            match job {
                Job::Replay(key) => keys.push(key),
                Job::Audit(audit) => audits.push(audit),
            }
            taken += 1;
            if taken < MAX_BATCH {
                next = waiting.try_recv().ok();
            }
        }
        while !keys.is_empty() {
            let chunk: Vec<KeyJob> = keys.drain(..keys.len().min(KEYS_PER_STATEMENT)).collect();
            answer_keys(&pool, chunk).await;
        }
        while !audits.is_empty() {
            // As many whole jobs as fit in one statement (at least one: none is larger).
            let mut rows = 0;
            let fit = audits
                .iter()
                .take_while(|job| {
                    rows += job.events.len();
                    rows <= audit::EVENTS_PER_STATEMENT
                })
                .count()
                .max(1);
            let chunk: Vec<AuditJob> = audits.drain(..fit).collect();
            answer_audits(&pool, chunk).await;
        }
    }
}

/// Inserts the keys and answers each caller.
async fn answer_keys(pool: &AnyPool, jobs: Vec<KeyJob>) {
    // The first of equal keys is the candidate; the others are answered false.
    let mut seen = HashSet::with_capacity(jobs.len());
    let candidate: Vec<bool> = jobs
        .iter()
        .map(|job| seen.insert((job.issuer.as_str(), job.assertion_id.as_str())))
        .collect();
    let candidates: Vec<&KeyJob> = jobs
        .iter()
        .zip(&candidate)
        .filter_map(|(job, c)| c.then_some(job))
        .collect();
    let inserted = insert_keys(pool, &candidates).await.map_err(Arc::new);
    for (job, candidate) in jobs.into_iter().zip(candidate) {
        let first = match &inserted {
            Ok(new) => Ok(candidate && new.contains(&(job.issuer, job.assertion_id))),
            Err(failure) => Err(Arc::clone(failure)),
        };
        // A caller that stopped waiting has nothing to be told.
        let _ = job.answer.send(first);
    }
}

/// Inserts the keys, and returns those that were new.
async fn insert_keys(
    pool: &AnyPool,
    keys: &[&KeyJob],
) -> Result<HashSet<(String, String)>, sqlx::Error> {
    let head = "INSERT INTO saml_assertions (issuer, assertion_id, expires_at)";
    let mut sql = insert_rows(head, keys.len(), 3).0;
    sql.push_str(" ON CONFLICT (issuer, assertion_id) DO NOTHING RETURNING issuer, assertion_id");
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for key in keys {
        query = query
            .bind(key.issuer.as_str())
            .bind(key.assertion_id.as_str())
            .bind(key.expires_at);
    }
    query
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("issuer")?, row.try_get("assertion_id")?)))
        .collect()
}

/// Inserts the jobs' events with one statement and answers each caller.
async fn answer_audits(pool: &AnyPool, jobs: Vec<AuditJob>) {
    let events: Vec<&AuditEvent> = jobs.iter().flat_map(|job| &job.events).collect();
    let written = audit::insert(pool, &events).await.map_err(Arc::new);
    for job in jobs {
        let _ = job.answer.send(written.clone());
    }
}
