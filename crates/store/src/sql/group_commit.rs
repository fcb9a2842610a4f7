//! Group commit for the writes every sign-in makes: its replay-cache key, its audit event, its
//! sessions and the redemption of its one-time token.
//!
//! A sign-in burst makes thousands of these a second. So concurrent calls are queued to one
//! writer that writes everything waiting together, and a call is answered only after the write
//! holding its rows committed. Two writers take the queue:
//! - a SQLite file has its own connection, written by a task of its own ([`sqlite`]): a batch is
//!   one transaction of prepared single-row inserts, with no round trip between statements;
//! - PostgreSQL, and an in-memory SQLite (one connection only), go through the store's write
//!   pool: one multi-row statement per kind of row (several if they are many). Each statement is
//!   atomic by itself, and a call's rows are never split across statements, so every call's
//!   write happens entirely or not at all, and a failed statement fails only its own calls.
//!
//! SECURITY: replay of a SAML response or of a one-time token (saml-security.md, replay). A
//! primary key lets exactly one insert of a key win, on every node sharing the database: each
//! key goes in with `ON CONFLICT DO NOTHING`, and only the insert that added a row is told the
//! key was new. Of equal keys in one batch, the first queued is the one that may be new; the
//! others are its replays. A caller that stops waiting does not withdraw its key: the key then
//! counts as used, which errs on the side of refusing it.

pub(super) mod sqlite;

use std::collections::HashSet;
use std::hash::Hash;
use std::sync::Arc;

use sqlx::any::AnyRow;
use sqlx::{AnyPool, AssertSqlSafe, Row};
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use super::{Bound, audit, insert_rows, seconds, seconds_ceil};
use crate::error::{BackendError, SharedFailure};
use crate::model::{AuditEvent, Redemption, Session, TokenId};
use crate::{Conflict, Entity, StoreError};

/// The longest issuer and assertion id kept, in bytes. SAML IDs are short (an `xs:ID`, in
/// practice under 100 bytes) and issuers are URIs; the bound keeps every key well inside
/// PostgreSQL's index row limit (about 2700 bytes), so that no input can make the insert fail.
pub(crate) const MAX_REPLAY_KEY_BYTES: usize = 1024;

/// Rows per statement (at most 6 parameters each: far below SQLite's 32766).
const ROWS_PER_STATEMENT: usize = 256;

/// Jobs taken into one batch.
const MAX_BATCH: usize = 1024;

/// The answer a caller waits for, or the failure of the write that held its rows.
type Answer<T> = Result<T, SharedFailure>;

/// One call waiting for its batch.
enum Job {
    Assertion(Once<AssertionKey>),
    Token(Once<TokenKey>),
    Session(SessionJob),
    Audit(AuditJob),
    /// Stop after the jobs queued before it, then say so.
    Close(oneshot::Sender<()>),
}

/// A key to record as used, answered with whether it was new.
struct Once<K> {
    key: K,
    /// Unix seconds until which the row is kept.
    expires_at: i64,
    /// The audit event to append with the key, by whether it was new.
    audit: Option<Box<Redemption>>,
    answer: oneshot::Sender<Answer<bool>>,
}

/// A session to open, answered with whether its id was free.
struct SessionJob {
    session: Session,
    answer: oneshot::Sender<Answer<bool>>,
}

/// Audit events to append, all in one statement.
struct AuditJob {
    events: Vec<AuditEvent>,
    answer: oneshot::Sender<Answer<()>>,
}

/// The handle that queues writes to the writer; the writer stops with the last handle.
pub(crate) struct GroupCommit {
    queue: mpsc::UnboundedSender<Job>,
}

impl GroupCommit {
    /// Starts a task that writes batches on `pool` (the store's write pool). Call it within the
    /// Tokio runtime.
    pub(crate) fn start(pool: AnyPool) -> Self {
        let (queue, waiting) = mpsc::unbounded_channel();
        tokio::spawn(write_batches(pool, waiting));
        Self { queue }
    }

    /// Starts a task that writes batches on `connection`, a SQLite file's (see [`sqlite`]). Call
    /// it within the Tokio runtime.
    pub(crate) fn start_sqlite(connection: rusqlite::Connection) -> std::io::Result<Self> {
        let (queue, waiting) = mpsc::unbounded_channel();
        sqlite::start(connection, waiting)?;
        Ok(Self { queue })
    }

    /// Records the assertion as used, with `audit`'s event if there is one: true the first
    /// time (issuer, id) is seen.
    pub(crate) async fn insert_assertion_once(
        &self,
        issuer: &str,
        assertion_id: &str,
        expires_at: OffsetDateTime,
        audit: Option<Redemption>,
    ) -> Result<bool, StoreError> {
        if issuer.len() > MAX_REPLAY_KEY_BYTES || assertion_id.len() > MAX_REPLAY_KEY_BYTES {
            return Err(StoreError::LimitExceeded("assertion issuer or id length"));
        }
        let key = AssertionKey(issuer.to_owned(), assertion_id.to_owned());
        let audit = audit.map(Box::new);
        self.submit(|answer| Job::Assertion(Once::new(key, expires_at, audit, answer)))
            .await
    }

    /// Records the token as redeemed: true the first time its id is seen.
    pub(crate) async fn redeem_token_once(
        &self,
        id: &TokenId,
        expires_at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        if id.as_str().len() > MAX_REPLAY_KEY_BYTES {
            return Err(StoreError::LimitExceeded("one-time token id length"));
        }
        let key = TokenKey(id.as_str().to_owned());
        self.submit(|answer| Job::Token(Once::new(key, expires_at, None, answer)))
            .await
    }

    /// Opens a session: `Conflict(AlreadyExists(Session))` if its id is taken.
    pub(crate) async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let session = session.clone();
        let created = self
            .submit(|answer| Job::Session(SessionJob { session, answer }))
            .await?;
        if created {
            Ok(())
        } else {
            Err(StoreError::Conflict(Conflict::AlreadyExists(
                Entity::Session,
            )))
        }
    }

    /// Appends audit events, all in one statement: at most [`audit::EVENTS_PER_STATEMENT`].
    pub(crate) async fn append_audit(&self, events: &[AuditEvent]) -> Result<(), StoreError> {
        debug_assert!(events.len() <= audit::EVENTS_PER_STATEMENT);
        let events = events.to_vec();
        self.submit(|answer| Job::Audit(AuditJob { events, answer }))
            .await
    }

    /// Writes what was queued before, closes the writer's connection if it has one of its own,
    /// and stops: calls queued later fail with `Unavailable`.
    pub(crate) async fn close(&self) {
        let (done, closed) = oneshot::channel();
        if self.queue.send(Job::Close(done)).is_ok() {
            // An error here means the writer stopped already.
            let _ = closed.await;
        }
    }

    async fn submit<T>(
        &self,
        job: impl FnOnce(oneshot::Sender<Answer<T>>) -> Job,
    ) -> Result<T, StoreError> {
        let stopped =
            || StoreError::Unavailable(BackendError::abandoned("the group-commit writer"));
        let (answer, answered) = oneshot::channel();
        self.queue.send(job(answer)).map_err(|_| stopped())?;
        match answered.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(failure)) => Err(StoreError::Unavailable(BackendError::shared(failure))),
            Err(_) => Err(stopped()),
        }
    }
}

impl<K> Once<K> {
    fn new(
        key: K,
        expires_at: OffsetDateTime,
        audit: Option<Box<Redemption>>,
        answer: oneshot::Sender<Answer<bool>>,
    ) -> Self {
        Self {
            key,
            // The row must outlive the key's acceptance window: round up.
            expires_at: seconds_ceil(expires_at),
            audit,
            answer,
        }
    }
}

/// The audit events that `jobs`' keys bring, given whether each key was new.
fn redeemed<'a, K>(
    jobs: &'a [Once<K>],
    new: &'a [bool],
) -> impl Iterator<Item = &'a AuditEvent> + 'a {
    jobs.iter()
        .zip(new)
        .filter_map(|(job, new)| Some(job.audit.as_ref()?.event(*new)))
}

/// What is waiting, by kind.
#[derive(Default)]
struct Batch {
    assertions: Vec<Once<AssertionKey>>,
    tokens: Vec<Once<TokenKey>>,
    sessions: Vec<SessionJob>,
    audits: Vec<AuditJob>,
    /// Set when the batch ends with [`Job::Close`]: the writer stops after writing it.
    close: Option<oneshot::Sender<()>>,
}

impl Batch {
    /// `first` and whatever else is already queued, up to [`MAX_BATCH`] jobs or a
    /// [`Job::Close`].
    fn collect(first: Job, waiting: &mut mpsc::UnboundedReceiver<Job>) -> Self {
        let mut batch = Self::default();
        let mut next = Some(first);
        let mut taken = 0;
        while let Some(job) = next.take() {
            match job {
                Job::Assertion(once) => batch.assertions.push(once),
                Job::Token(once) => batch.tokens.push(once),
                Job::Session(session) => batch.sessions.push(session),
                Job::Audit(audit) => batch.audits.push(audit),
                Job::Close(done) => {
                    batch.close = Some(done);
                    break;
                }
            }
            taken += 1;
            if taken < MAX_BATCH {
                next = waiting.try_recv().ok();
            }
        }
        batch
    }
}

/// A column's value, bound the same way by either writer.
#[derive(Debug, Clone, Copy)]
pub(super) enum Value<'a> {
    Text(&'a str),
    Integer(i64),
}

/// A table that batches insert into.
pub(super) struct Table {
    /// `INSERT INTO table (columns…)`.
    pub(super) insert: &'static str,
    /// How many columns `insert` names.
    pub(super) columns: usize,
    /// `ON CONFLICT (key columns) DO NOTHING` for a table whose key may be taken, else empty.
    pub(super) on_conflict: &'static str,
}

const SESSIONS: Table = Table {
    insert: "INSERT INTO sessions (session_id, kind, subject, created_at, expires_at)",
    columns: 5,
    on_conflict: " ON CONFLICT (session_id) DO NOTHING",
};

/// A session's row, in [`SESSIONS`]' column order.
fn session_row(session: &Session) -> [Value<'_>; 5] {
    [
        Value::Text(session.id.as_str()),
        Value::Text(session.kind.as_str()),
        Value::Text(session.subject.as_str()),
        Value::Integer(seconds(session.created_at)),
        Value::Integer(seconds(session.expires_at)),
    ]
}

/// A kind of key that may be used once: its table, and its row.
trait OnceKey: Eq + Hash + Sized {
    const TABLE: Table;
    /// ` RETURNING key columns`: the rows that went in.
    const RETURNING: &'static str;
    /// The key's columns, then `expires_at`, in the table's column order.
    fn row(&self, expires_at: i64) -> Vec<Value<'_>>;
    fn read(row: &AnyRow) -> Result<Self, sqlx::Error>;
}

/// A SAML assertion: its issuer and ID.
#[derive(PartialEq, Eq, Hash)]
struct AssertionKey(String, String);

impl OnceKey for AssertionKey {
    const TABLE: Table = Table {
        insert: "INSERT INTO saml_assertions (issuer, assertion_id, expires_at)",
        columns: 3,
        on_conflict: " ON CONFLICT (issuer, assertion_id) DO NOTHING",
    };
    const RETURNING: &'static str = " RETURNING issuer, assertion_id";
    fn row(&self, expires_at: i64) -> Vec<Value<'_>> {
        vec![
            Value::Text(&self.0),
            Value::Text(&self.1),
            Value::Integer(expires_at),
        ]
    }
    fn read(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self(row.try_get("issuer")?, row.try_get("assertion_id")?))
    }
}

/// A one-time token: its id.
#[derive(PartialEq, Eq, Hash)]
struct TokenKey(String);

impl OnceKey for TokenKey {
    const TABLE: Table = Table {
        insert: "INSERT INTO redeemed_tokens (token_id, expires_at)",
        columns: 2,
        on_conflict: " ON CONFLICT (token_id) DO NOTHING",
    };
    const RETURNING: &'static str = " RETURNING token_id";
    fn row(&self, expires_at: i64) -> Vec<Value<'_>> {
        vec![Value::Text(&self.0), Value::Integer(expires_at)]
    }
    fn read(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self(row.try_get("token_id")?))
    }
}

// --- the pool writer ---------------------------------------------------------------------------

/// Writes whatever is waiting, one batch at a time, until every handle is gone.
async fn write_batches(pool: AnyPool, mut waiting: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = waiting.recv().await {
        // Let the tasks that are ready run first: those about to queue a write join this batch.
        // Costs nothing when nothing else is ready.
        tokio::task::yield_now().await;
        let mut batch = Batch::collect(first, &mut waiting);
        while !batch.assertions.is_empty() {
            answer_once(&pool, take_rows(&mut batch.assertions)).await;
        }
        while !batch.tokens.is_empty() {
            answer_once(&pool, take_rows(&mut batch.tokens)).await;
        }
        while !batch.sessions.is_empty() {
            answer_sessions(&pool, take_rows(&mut batch.sessions)).await;
        }
        while !batch.audits.is_empty() {
            // As many whole jobs as fit in one statement (at least one: none is larger).
            let mut rows = 0;
            let fit = batch
                .audits
                .iter()
                .take_while(|job| {
                    rows += job.events.len();
                    rows <= audit::EVENTS_PER_STATEMENT
                })
                .count()
                .max(1);
            answer_audits(&pool, batch.audits.drain(..fit).collect()).await;
        }
        if let Some(done) = batch.close {
            let _ = done.send(());
            return;
        }
    }
}

/// The first jobs of one row each, as many as one statement takes.
fn take_rows<T>(jobs: &mut Vec<T>) -> Vec<T> {
    jobs.drain(..jobs.len().min(ROWS_PER_STATEMENT)).collect()
}

/// Binds `values` to `query`, in order.
pub(super) fn bind<'q>(query: Bound<'q>, values: impl IntoIterator<Item = Value<'q>>) -> Bound<'q> {
    values.into_iter().fold(query, |query, value| match value {
        Value::Text(text) => query.bind(text),
        Value::Integer(number) => query.bind(number),
    })
}

/// Inserts the keys with one statement, and the audit events they bring with another in the
/// same transaction, and answers each caller: true for the keys that were new.
async fn answer_once<K: OnceKey>(pool: &AnyPool, jobs: Vec<Once<K>>) {
    let written = write_once(pool, &jobs).await.map_err(shared);
    for (index, job) in jobs.into_iter().enumerate() {
        let first = match &written {
            Ok(new) => Ok(new.get(index).copied().unwrap_or(false)),
            Err(failure) => Err(Arc::clone(failure)),
        };
        // A caller that stopped waiting has nothing to be told.
        let _ = job.answer.send(first);
    }
}

/// Writes the keys and their audit events: whether each job's key was new.
async fn write_once<K: OnceKey>(
    pool: &AnyPool,
    jobs: &[Once<K>],
) -> Result<Vec<bool>, sqlx::Error> {
    // The first of equal keys is the candidate; the others are replays.
    let mut seen = HashSet::with_capacity(jobs.len());
    let candidate: Vec<bool> = jobs.iter().map(|job| seen.insert(&job.key)).collect();
    let candidates: Vec<&Once<K>> = jobs
        .iter()
        .zip(&candidate)
        .filter_map(|(job, c)| c.then_some(job))
        .collect();
    let mut transaction = pool.begin().await?;
    let inserted = insert_once(&mut *transaction, &candidates).await?;
    let new: Vec<bool> = jobs
        .iter()
        .zip(candidate)
        .map(|(job, candidate)| candidate && inserted.contains(&job.key))
        .collect();
    let events: Vec<&AuditEvent> = redeemed(jobs, &new).collect();
    if !events.is_empty() {
        audit::insert(&mut *transaction, &events).await?;
    }
    transaction.commit().await?;
    Ok(new)
}

/// Inserts the keys, and returns those that were new.
async fn insert_once<'c, K: OnceKey>(
    executor: impl sqlx::Executor<'c, Database = sqlx::Any>,
    jobs: &[&Once<K>],
) -> Result<HashSet<K>, sqlx::Error> {
    let mut sql = insert_rows(K::TABLE.insert, jobs.len(), K::TABLE.columns).0;
    sql.push_str(K::TABLE.on_conflict);
    sql.push_str(K::RETURNING);
    let query = sqlx::query(AssertSqlSafe(sql));
    let query = bind(
        query,
        jobs.iter().flat_map(|job| job.key.row(job.expires_at)),
    );
    query
        .fetch_all(executor)
        .await?
        .iter()
        .map(K::read)
        .collect()
}

/// Inserts the sessions with one statement and answers each caller: false for an id taken.
async fn answer_sessions(pool: &AnyPool, jobs: Vec<SessionJob>) {
    let mut sql = insert_rows(SESSIONS.insert, jobs.len(), SESSIONS.columns).0;
    sql.push_str(SESSIONS.on_conflict);
    sql.push_str(" RETURNING session_id");
    let query = sqlx::query(AssertSqlSafe(sql));
    let query = bind(query, jobs.iter().flat_map(|job| session_row(&job.session)));
    let created: Result<HashSet<String>, sqlx::Error> = match query.fetch_all(pool).await {
        Ok(rows) => rows.iter().map(|row| row.try_get("session_id")).collect(),
        Err(failure) => Err(failure),
    };
    let mut created = created.map_err(shared);
    // Of jobs with one id (never, with random ids), the first is the one whose row went in.
    for job in jobs {
        let answer = match &mut created {
            Ok(ids) => Ok(ids.remove(job.session.id.as_str())),
            Err(failure) => Err(Arc::clone(failure)),
        };
        let _ = job.answer.send(answer);
    }
}

/// Inserts the jobs' events with one statement and answers each caller.
async fn answer_audits(pool: &AnyPool, jobs: Vec<AuditJob>) {
    let events: Vec<&AuditEvent> = jobs.iter().flat_map(|job| &job.events).collect();
    let written = audit::insert(pool, &events).await.map_err(shared);
    for job in jobs {
        let _ = job.answer.send(written.clone());
    }
}

/// One driver error, to tell every caller of a batch.
fn shared(failure: impl std::error::Error + Send + Sync + 'static) -> SharedFailure {
    Arc::new(failure)
}
