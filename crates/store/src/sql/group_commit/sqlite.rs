//! The group-commit writer of a SQLite file: a connection of its own, written by a task of its
//! own on the runtime's worker threads.
//!
//! Through sqlx, every statement is a round trip to the connection's worker thread and every
//! returned row another; under a sign-in burst those hand-offs between threads cost more than
//! SQLite's own work. Here a batch is one `BEGIN IMMEDIATE … COMMIT` of prepared single-row
//! inserts, run where the batch was taken. A key's insert changes a row only if the key was
//! free (`ON CONFLICT DO NOTHING`), so equal keys in one batch are told apart in queue order
//! without further work.
//!
//! The writer is a task, not a thread: a thread of its own, woken for each batch, waited for a
//! core while the workers validated the next calls (0.3 ms and more under load, with two
//! cores), and every call waiting on the batch waited with it. The task runs on the worker
//! that queued its first job, as soon as that worker's current task yields, and gathers what
//! the worker's other ready tasks queue by yielding once before it takes the batch. A commit
//! holds its worker for the batch's inserts and their WAL writes (about 15 µs a call); a lock
//! held by another writer (the store's pool, or another process) is waited for on the
//! runtime, not in SQLite's busy handler, and delays a batch by at most [`BUSY_TIMEOUT`].
//!
//! The batch is all or nothing: its callers are answered after the commit, and a failure rolls
//! it back and is told to every one of them.
//!
//! A second thread syncs the WAL file to disk every [`WAL_SYNC_EVERY`] while batches are being
//! written. A checkpoint (in the writer, every [`WAL_AUTOCHECKPOINT_PAGES`]) syncs the WAL
//! before copying it into the database, and the writer and every caller waiting on it stood
//! still while it did: with up to 40 MB of the WAL not yet on disk that took about 100 ms in
//! every 600 ms under load. Synced as it grows, the checkpoint finds little left to write.

use std::collections::HashMap;
use std::fs::File;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql, params_from_iter};
use tokio::sync::mpsc;

use super::{
    AuditJob, Batch, Job, Once, OnceKey, SESSIONS, SessionJob, Table, Value, redeemed, session_row,
};
use crate::error::SharedFailure;
use crate::sql::audit;

/// How long a batch waits for another writer's lock before it fails: as long as a call waits
/// for the store's write pool.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// How often a batch tries the write lock again while another writer holds it.
const BUSY_RETRY: Duration = Duration::from_millis(1);

/// The WAL size, in pages, at which a batch's commit copies the WAL back into the database
/// (SQLite's default is 1,000). Each such checkpoint syncs the file and copies every page the
/// WAL holds, once however often it changed: ten times further apart, a sign-in burst's
/// checkpoints cost its writer far less (and the WAL file grows to about 40 MB).
const WAL_AUTOCHECKPOINT_PAGES: i64 = 10_000;

/// How often the WAL file is synced to disk while batches are being written.
const WAL_SYNC_EVERY: Duration = Duration::from_millis(100);

/// Starts the task that writes what `waiting` brings on `connection`, until every sender is
/// gone, and the thread that syncs its WAL file while it does. Call it within the Tokio
/// runtime.
pub(super) fn start(
    connection: Connection,
    waiting: mpsc::UnboundedReceiver<Job>,
) -> std::io::Result<()> {
    let wal = connection
        .path()
        .filter(|path| !path.is_empty())
        .map(|path| format!("{path}-wal"));
    // Owned by the writer: the syncing thread stops once it is gone.
    let written = Arc::new(AtomicBool::new(false));
    if let Some(wal) = wal {
        let written = Arc::downgrade(&written);
        std::thread::Builder::new()
            .name("fedgate-wal-sync".to_owned())
            .spawn(move || sync_wal(&wal, &written))?;
    }
    tokio::spawn(write_batches(connection, waiting, written));
    Ok(())
}

/// Syncs the WAL file at `wal` every [`WAL_SYNC_EVERY`] in which a batch was `written`, until
/// the writer, which owns `written`, stops. It adds syncs and never skips one of SQLite's:
/// what is committed only reaches the disk sooner.
fn sync_wal(wal: &str, written: &Weak<AtomicBool>) {
    let mut file: Option<File> = None;
    loop {
        std::thread::sleep(WAL_SYNC_EVERY);
        let Some(written) = written.upgrade() else {
            return;
        };
        if !written.swap(false, Ordering::Relaxed) {
            continue;
        }
        if file.is_none() {
            // Only ever synced, never written: SQLite keeps no lock on the WAL file itself
            // (its locks are on the database and the shared-memory file).
            file = File::open(wal).ok();
        }
        if let Some(file) = &file {
            // Not ours to report: the checkpoint's own sync meets the same error and fails
            // its batch.
            let _ = file.sync_data();
        }
    }
}

/// Opens the writer's connection to the SQLite file at `path` (which the store has created and
/// migrated), set up as the store's own writer is.
pub(crate) fn open(path: &str) -> rusqlite::Result<Connection> {
    let connection = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // No busy handler: it would sleep on the runtime's worker thread (see `Writer::begin`).
    connection.busy_timeout(Duration::ZERO)?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    connection.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
    Ok(connection)
}

async fn write_batches(
    connection: Connection,
    mut waiting: mpsc::UnboundedReceiver<Job>,
    written: Arc<AtomicBool>,
) {
    let mut writer = Writer {
        connection,
        inserts: HashMap::new(),
    };
    while let Some(first) = waiting.recv().await {
        // The calls this worker has ready run first, and those being validated queue their
        // jobs: under load a commit's fixed cost (its locks, the pages every batch changes) is
        // shared by more calls. A lone caller's job is written at once, nothing else being
        // ready.
        tokio::task::yield_now().await;
        let mut batch = Batch::collect(first, &mut waiting);
        let close = batch.close.take();
        match writer.write(&batch).await {
            Ok(rows) => {
                written.store(true, Ordering::Relaxed);
                answer(batch, rows);
            }
            Err(failure) => {
                let failure: SharedFailure = Arc::new(failure);
                fail(batch, &failure);
            }
        }
        if let Some(done) = close {
            // Closed before it is said, so that the store's last connection to close is one
            // of its pools' (which checkpoints the WAL into the file).
            drop(writer);
            let _ = done.send(());
            return;
        }
    }
}

/// Per kind of key, in queue order: whether each job's row went in.
struct Written {
    assertions: Vec<bool>,
    tokens: Vec<bool>,
    sessions: Vec<bool>,
}

/// The writer's connection, and its statements' SQL.
struct Writer {
    connection: Connection,
    /// Each table's single-row insert, by the table's `insert`: written once, not per batch.
    inserts: HashMap<&'static str, String>,
}

impl Writer {
    /// Writes the batch in one transaction, rolled back if any of it fails.
    async fn write(&mut self, batch: &Batch) -> rusqlite::Result<Written> {
        self.begin().await?;
        let written = self.insert_batch(batch).and_then(|written| {
            self.connection.prepare_cached("COMMIT")?.execute([])?;
            Ok(written)
        });
        if written.is_err() && !self.connection.is_autocommit() {
            // What failed is told to the batch's callers; a failed rollback leaves nothing
            // more to tell them (SQLite rolls back a transaction it could not complete).
            let _ = self.connection.execute_batch("ROLLBACK");
        }
        written
    }

    /// Opens the batch's transaction, taking the file's write lock. While another connection
    /// holds it, tries again every [`BUSY_RETRY`] for up to [`BUSY_TIMEOUT`], awaiting in
    /// between, so that the worker thread serves other calls meanwhile.
    async fn begin(&mut self) -> rusqlite::Result<()> {
        let mut waited = Duration::ZERO;
        loop {
            // Prepared once and kept, as every insert is: `Connection::transaction` would
            // compile `BEGIN` and `COMMIT` again for every batch.
            let begun = self
                .connection
                .prepare_cached("BEGIN IMMEDIATE")
                .and_then(|mut begin| begin.execute([]));
            match begun {
                Err(error)
                    if error.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                        && waited < BUSY_TIMEOUT =>
                {
                    tokio::time::sleep(BUSY_RETRY).await;
                    waited += BUSY_RETRY;
                }
                begun => return begun.map(drop),
            }
        }
    }

    fn insert_batch(&mut self, batch: &Batch) -> rusqlite::Result<Written> {
        let written = Written {
            assertions: self.insert_keys(&batch.assertions)?,
            tokens: self.insert_keys(&batch.tokens)?,
            sessions: self.insert_each(&SESSIONS, &batch.sessions, |job: &SessionJob| {
                session_row(&job.session)
            })?,
        };
        let events = batch
            .audits
            .iter()
            .flat_map(|job: &AuditJob| &job.events)
            .chain(redeemed(&batch.assertions, &written.assertions));
        self.insert_each(&audit::TABLE, events, audit::row)?;
        Ok(written)
    }

    fn insert_keys<K: OnceKey>(&mut self, jobs: &[Once<K>]) -> rusqlite::Result<Vec<bool>> {
        self.insert_each(&K::TABLE, jobs, |job: &Once<K>| job.key.row(job.expires_at))
    }

    /// Inserts one row per item with one prepared statement: whether each went in.
    fn insert_each<'a, T: 'a, R: IntoIterator<Item = Value<'a>>>(
        &mut self,
        table: &Table,
        items: impl IntoIterator<Item = &'a T>,
        row: impl Fn(&'a T) -> R,
    ) -> rusqlite::Result<Vec<bool>> {
        let mut items = items.into_iter().peekable();
        if items.peek().is_none() {
            return Ok(Vec::new());
        }
        let sql = self.inserts.entry(table.insert).or_insert_with(|| {
            let mut sql = crate::sql::insert_rows(table.insert, 1, table.columns).0;
            sql.push_str(table.on_conflict);
            sql
        });
        let mut statement = self.connection.prepare_cached(sql)?;
        items
            .map(|item| Ok(statement.execute(params_from_iter(row(item)))? == 1))
            .collect()
    }
}

impl ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Value::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Value::Integer(number) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(number)),
        })
    }
}

/// Tells every caller of a committed batch what its write did.
fn answer(batch: Batch, written: Written) {
    // A caller that stopped waiting has nothing to be told.
    for (job, new) in batch.assertions.into_iter().zip(written.assertions) {
        let _ = job.answer.send(Ok(new));
    }
    for (job, new) in batch.tokens.into_iter().zip(written.tokens) {
        let _ = job.answer.send(Ok(new));
    }
    for (job, new) in batch.sessions.into_iter().zip(written.sessions) {
        let _ = job.answer.send(Ok(new));
    }
    for job in batch.audits {
        let _ = job.answer.send(Ok(()));
    }
}

/// Tells every caller of a rolled-back batch why.
fn fail(batch: Batch, failure: &SharedFailure) {
    for job in batch.assertions {
        let _ = job.answer.send(Err(Arc::clone(failure)));
    }
    for job in batch.tokens {
        let _ = job.answer.send(Err(Arc::clone(failure)));
    }
    for job in batch.sessions {
        let _ = job.answer.send(Err(Arc::clone(failure)));
    }
    for job in batch.audits {
        let _ = job.answer.send(Err(Arc::clone(failure)));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc;

    use time::OffsetDateTime;

    use super::super::GroupCommit;
    use super::{BUSY_RETRY, WAL_SYNC_EVERY, open, sync_wal};
    use crate::model::{AuditEvent, Outcome, Redemption, TokenId};

    fn event(action: &str) -> AuditEvent {
        AuditEvent {
            at: OffsetDateTime::UNIX_EPOCH,
            request_id: "r".to_owned(),
            actor: "a".to_owned(),
            action: action.to_owned(),
            outcome: Outcome::Success,
            detail: "{}".to_owned(),
        }
    }

    fn redemption() -> Option<Redemption> {
        Some(Redemption {
            first_use: event("first"),
            replayed: event("replayed"),
        })
    }

    #[test]
    fn the_wal_sync_thread_syncs_after_a_batch_and_stops_with_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let wal = dir.path().join("f.db-wal");
        std::fs::write(&wal, b"frames").unwrap();
        let written = Arc::new(AtomicBool::new(true));
        let (finished, finish) = mpsc::channel();
        let syncing = {
            let written = Arc::downgrade(&written);
            let wal = wal.to_str().unwrap().to_owned();
            std::thread::spawn(move || {
                sync_wal(&wal, &written);
                let _ = finished.send(());
            })
        };
        // Up to ten periods.
        for _ in 0..100 {
            if !written.load(Ordering::Relaxed) {
                break;
            }
            std::thread::sleep(WAL_SYNC_EVERY / 10);
        }
        assert!(
            !written.load(Ordering::Relaxed),
            "a written batch is taken up by the next sync"
        );
        drop(written);
        finish
            .recv_timeout(10 * WAL_SYNC_EVERY)
            .expect("the thread stops once the writer is gone");
        syncing.join().unwrap();
    }

    #[tokio::test]
    async fn a_batch_waits_for_another_connections_write_lock_without_holding_the_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.db");
        let path = path.to_str().unwrap();
        let other = rusqlite::Connection::open(path).unwrap();
        other
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 CREATE TABLE redeemed_tokens (token_id TEXT PRIMARY KEY, expires_at INTEGER);
                 BEGIN IMMEDIATE;",
            )
            .unwrap();
        let writer = GroupCommit::start_sqlite(open(path).unwrap()).unwrap();
        let expires = OffsetDateTime::UNIX_EPOCH + time::Duration::days(30_000);
        let token = TokenId::new("t1");
        let redeem = writer.redeem_token_once(&token, expires);
        tokio::pin!(redeem);

        // The test and the writer share this one thread: the test runs only while the writer
        // awaits the lock.
        let waiting = tokio::time::timeout(10 * BUSY_RETRY, &mut redeem).await;
        assert!(waiting.is_err(), "no write while the other holds the lock");
        other.execute_batch("COMMIT").unwrap();
        assert!(redeem.await.unwrap(), "written once the lock is free");
        let kept: i64 = other
            .query_row("SELECT count(*) FROM redeemed_tokens", [], |row| row.get(0))
            .unwrap();
        assert_eq!(kept, 1);
    }

    #[tokio::test]
    async fn a_failed_batch_writes_none_of_its_rows_and_the_next_batch_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.db");
        let path = path.to_str().unwrap();
        let setup = rusqlite::Connection::open(path).unwrap();
        // The replay cache without the audit table: the batch's audit insert fails after its
        // key went in.
        setup
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 CREATE TABLE saml_assertions (issuer TEXT NOT NULL, assertion_id TEXT NOT NULL,
                     expires_at INTEGER NOT NULL, PRIMARY KEY (issuer, assertion_id));",
            )
            .unwrap();
        let writer = GroupCommit::start_sqlite(open(path).unwrap()).unwrap();
        let expires = OffsetDateTime::UNIX_EPOCH + time::Duration::days(30_000);

        let failed = writer
            .insert_assertion_once("idp", "_1", expires, redemption())
            .await;
        assert!(failed.is_err());
        let kept: i64 = setup
            .query_row("SELECT count(*) FROM saml_assertions", [], |row| row.get(0))
            .unwrap();
        assert_eq!(kept, 0, "the key of a failed batch is rolled back");

        setup
            .execute_batch(
                "CREATE TABLE audit_events (seq INTEGER PRIMARY KEY, at INTEGER, request_id TEXT,
                     actor TEXT, action TEXT, outcome TEXT, detail TEXT);",
            )
            .unwrap();
        let first = writer
            .insert_assertion_once("idp", "_1", expires, redemption())
            .await;
        assert!(
            first.unwrap(),
            "the key is new: its failed batch left nothing"
        );
        let again = writer
            .insert_assertion_once("idp", "_1", expires, redemption())
            .await;
        assert!(!again.unwrap());
        let actions: Vec<String> = setup
            .prepare("SELECT action FROM audit_events ORDER BY seq")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(actions, ["first", "replayed"]);
    }
}
