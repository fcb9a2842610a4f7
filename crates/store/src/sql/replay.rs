//! The SAML replay cache, with group commit.
//!
//! SECURITY: replay of a SAML response (saml-security.md, replay). The primary key on
//! (issuer, assertion_id) lets exactly one insert win, on every node sharing the database.
//!
//! A sign-in burst makes thousands of these inserts a second, and on SQLite every write goes
//! through one connection. So concurrent calls are queued to one task that writes them together:
//! one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING` for all that are waiting, whose
//! returned rows say which keys were new. A call is answered only after its batch committed.
//! Of equal keys in one batch, the first queued is the one that may be new; the others are its
//! replays. A caller that stops waiting does not withdraw its key: the assertion then counts as
//! used, which errs on the side of refusing it.

use std::collections::HashSet;
use std::sync::Arc;

use sqlx::{AnyPool, AssertSqlSafe, Row};
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use super::{insert_rows, seconds_ceil};
use crate::StoreError;
use crate::error::BackendError;

/// The longest issuer and assertion id kept, in bytes. SAML IDs are short (an `xs:ID`, in
/// practice under 100 bytes) and issuers are URIs; the bound keeps every key well inside
/// PostgreSQL's index row limit (about 2700 bytes), so that no input can make the insert fail.
pub(crate) const MAX_REPLAY_KEY_BYTES: usize = 1024;

/// Keys per statement (3 parameters each).
const MAX_BATCH: usize = 256;

/// The answer a caller waits for: whether its key was new, or the batch's failure.
type Answer = Result<bool, Arc<sqlx::Error>>;

/// One call waiting for its batch.
struct Pending {
    issuer: String,
    assertion_id: String,
    expires_at: i64,
    answer: oneshot::Sender<Answer>,
}

/// The handle that queues inserts to the writing task; the task ends with the last handle.
pub(crate) struct ReplayCache {
    queue: mpsc::UnboundedSender<Pending>,
}

impl ReplayCache {
    /// Starts the task that writes batches on `pool` (the store's write pool).
    pub(crate) fn start(pool: AnyPool) -> Self {
        let (queue, waiting) = mpsc::unbounded_channel();
        tokio::spawn(write_batches(pool, waiting));
        Self { queue }
    }

    /// Records the key as used: true the first time it is seen.
    pub(crate) async fn insert_once(
        &self,
        issuer: &str,
        assertion_id: &str,
        expires_at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        if issuer.len() > MAX_REPLAY_KEY_BYTES || assertion_id.len() > MAX_REPLAY_KEY_BYTES {
            return Err(StoreError::LimitExceeded("assertion issuer or id length"));
        }
        let stopped =
            || StoreError::Unavailable(BackendError::abandoned("the replay-cache writer"));
        let (answer, answered) = oneshot::channel();
        let pending = Pending {
            issuer: issuer.to_owned(),
            assertion_id: assertion_id.to_owned(),
            // The row must outlive the assertion's acceptance window: round up.
            expires_at: seconds_ceil(expires_at),
            answer,
        };
        self.queue.send(pending).map_err(|_| stopped())?;
        match answered.await {
            Ok(Ok(first)) => Ok(first),
            Ok(Err(failure)) => Err(StoreError::Unavailable(BackendError::shared(failure))),
            Err(_) => Err(stopped()),
        }
    }
}

/// Writes whatever is waiting, as one batch at a time, until every handle is gone.
async fn write_batches(pool: AnyPool, mut waiting: mpsc::UnboundedReceiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = waiting.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match waiting.try_recv() {
                Ok(pending) => batch.push(pending),
                Err(_) => break,
            }
        }
        answer(&pool, &mut batch).await;
    }
}

/// Inserts the batch's keys and answers (and empties) the batch.
async fn answer(pool: &AnyPool, batch: &mut Vec<Pending>) {
    // The first of equal keys is the candidate; the others are answered false.
    let mut seen = HashSet::with_capacity(batch.len());
    let candidate: Vec<bool> = batch
        .iter()
        .map(|p| seen.insert((p.issuer.as_str(), p.assertion_id.as_str())))
        .collect();
    let candidates: Vec<&Pending> = batch
        .iter()
        .zip(&candidate)
        .filter(|(_, c)| **c)
        .map(|(p, _)| p)
        .collect();
    let inserted = insert(pool, &candidates).await.map_err(Arc::new);
    for (pending, candidate) in batch.drain(..).zip(candidate) {
        let answer =
            match &inserted {
                Ok(new) => Ok(candidate
                    && new.contains(&(pending.issuer.clone(), pending.assertion_id.clone()))),
                Err(failure) => Err(Arc::clone(failure)),
            };
        // A caller that stopped waiting has nothing to be told.
        let _ = pending.answer.send(answer);
    }
}

/// Inserts the keys, and returns those that were new.
async fn insert(
    pool: &AnyPool,
    keys: &[&Pending],
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
