//! The embedded backend: SQLite, in WAL mode, in a file of the data dir (or in memory).
//!
//! What differs from PostgreSQL: one writer connection, so that writers queue in-process rather
//! than sleep on the file lock (the busy timeout is for other processes), and for a file a
//! second one, the group commit's, written by a task of its own (`sql/group_commit/sqlite.rs`);
//! readers are `query_only`; write transactions open with `BEGIN IMMEDIATE`, taking the write lock before
//! their first read so that they never fail to upgrade; an in-memory database is one connection
//! (each connection would otherwise see its own empty database).

use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor, Row};

use crate::error::BackendError;
use crate::sql::{Backend, SqlStore, migrate, migrator, open_sqlite_writer};
use crate::{StoreError, StoreOptions};

const BACKEND: Backend = Backend {
    name: "sqlite",
    begin_write: "BEGIN IMMEDIATE",
};

/// The migrations, in order. A shipped migration is never edited; a change is a new file.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../migrations/sqlite/0001_initial.sql"),
    ),
    (
        2,
        "connect",
        include_str!("../migrations/sqlite/0002_connect.sql"),
    ),
    (
        3,
        "redeemed_tokens",
        include_str!("../migrations/sqlite/0003_redeemed_tokens.sql"),
    ),
    (
        4,
        "audit_sequence",
        include_str!("../migrations/sqlite/0004_audit_sequence.sql"),
    ),
    (
        5,
        "replay_rowid",
        include_str!("../migrations/sqlite/0005_replay_rowid.sql"),
    ),
];

/// How long (in milliseconds) a statement waits for another process's lock before it fails.
const BUSY_TIMEOUT: &str = "PRAGMA busy_timeout = 5000";

pub(crate) async fn connect(url: &str, options: &StoreOptions) -> Result<SqlStore, StoreError> {
    sqlx::any::install_default_drivers();
    let target = Target::parse(url)?;
    let write = AnyPoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute("PRAGMA synchronous = NORMAL").await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                conn.execute(BUSY_TIMEOUT).await?;
                Ok(())
            })
        })
        .connect(&target.url)
        .await?;
    if !target.in_memory {
        // Persistent in the file; set once, before any reader opens it.
        use_wal(&write).await?;
    }
    // SQLite has no advisory lock, and sqlx's migrator reads what is applied before it takes
    // any: two processes opening a new file together would both apply the first migration.
    // Migrating inside one IMMEDIATE transaction (each migration nests as a savepoint) holds the
    // write lock from that read to the last migration, so the second waits, then finds them all.
    let mut migrating = write.begin_with(BACKEND.begin_write).await?;
    migrate(&migrator(MIGRATIONS), &mut migrating).await?;
    migrating.commit().await?;
    if target.in_memory {
        return Ok(SqlStore::new(write.clone(), write, BACKEND));
    }
    let read = AnyPoolOptions::new()
        // WAL lets readers run beside the writer.
        .max_connections(options.sqlite_readers.max(1))
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute("PRAGMA query_only = ON").await?;
                conn.execute(BUSY_TIMEOUT).await?;
                Ok(())
            })
        })
        .connect(&target.url)
        .await?;
    let writer = open_sqlite_writer(&database_file(&write).await?)
        .map_err(|e| StoreError::Unavailable(BackendError::writer(e)))?;
    SqlStore::with_sqlite_writer(read, write, BACKEND, writer)
        .map_err(|e| StoreError::Unavailable(BackendError::writer(e)))
}

/// The path of the file that `pool` opened, as SQLite resolved it.
async fn database_file(pool: &AnyPool) -> Result<String, StoreError> {
    let row = sqlx::query("SELECT file FROM pragma_database_list WHERE name = 'main'")
        .fetch_one(pool)
        .await?;
    Ok(row.try_get("file")?)
}

/// How often, and how far apart, the switch to WAL is tried while another process holds the
/// lock it needs (2 s in all).
const WAL_ATTEMPTS: u32 = 100;
const WAL_RETRY: Duration = Duration::from_millis(20);

/// Switches the file to WAL (a no-op once it is). The switch takes an exclusive lock that SQLite
/// does not wait for, so of two processes opening one new file at the same moment, one is told
/// "database is locked" at once (1 start in 150 of the two-node test): it tries again.
async fn use_wal(pool: &AnyPool) -> Result<(), StoreError> {
    let mut attempts = 1;
    loop {
        match pool.execute("PRAGMA journal_mode = WAL").await {
            Ok(_) => return Ok(()),
            Err(e) if is_busy(&e) && attempts < WAL_ATTEMPTS => {
                attempts += 1;
                tokio::time::sleep(WAL_RETRY).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Whether SQLite said `SQLITE_BUSY` (of any extended kind).
fn is_busy(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|db| db.code())
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| code & 0xff == SQLITE_BUSY)
}

/// SQLite's primary result code for a lock held elsewhere.
const SQLITE_BUSY: i32 = 5;

/// A SQLite database as sqlx's URL names it.
struct Target {
    url: String,
    in_memory: bool,
}

impl Target {
    /// `sqlite:…` URLs as they are; anything else is a file path, created if missing.
    fn parse(url: &str) -> Result<Self, StoreError> {
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let rest = rest.strip_prefix("//").unwrap_or(rest);
            let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
            let in_memory =
                database == ":memory:" || params.split('&').any(|param| param == "mode=memory");
            return Ok(Self {
                url: url.to_owned(),
                in_memory,
            });
        }
        if url.is_empty() || url.contains("://") {
            return Err(StoreError::InvalidUrl(format!(
                "`{}` is neither postgres://, sqlite: nor a file path",
                url.chars().take(64).collect::<String>()
            )));
        }
        // sqlx percent-decodes the path: keep `%`, `?` and `#` in file names literal.
        let path = url
            .replace('%', "%25")
            .replace('?', "%3F")
            .replace('#', "%23");
        Ok(Self {
            url: format!("sqlite:{path}?mode=rwc"),
            in_memory: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use sqlx::{Connection as _, Row};
    use time::{Duration, OffsetDateTime};

    use super::{MIGRATIONS, Target, connect};
    use crate::model::TokenId;
    use crate::sql::{SqlStore, assert_lists_every_migration, migrate, migrator};
    use crate::{Store as _, StoreOptions};

    #[test]
    fn every_migration_file_is_listed() {
        assert_lists_every_migration("sqlite", MIGRATIONS);
    }

    #[tokio::test]
    async fn a_file_database_is_in_wal_mode_and_its_readers_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.db");
        let store = connect(path.to_str().unwrap(), &StoreOptions::default())
            .await
            .unwrap();
        let mode = sqlx::query("PRAGMA journal_mode")
            .fetch_one(store.read())
            .await
            .unwrap();
        assert_eq!(mode.try_get::<String, _>(0).unwrap(), "wal");
        let write = sqlx::query("DELETE FROM tags").execute(store.read()).await;
        assert!(write.is_err(), "readers are query_only");
        sqlx::query("DELETE FROM tags")
            .execute(store.write())
            .await
            .unwrap();
    }

    /// A new SQLite file at `path` with the migrations before `description` applied, and the
    /// connection that applied them.
    async fn migrated_before(path: &Path, description: &str) -> sqlx::AnyConnection {
        // `connect` installs the drivers too, but this connection comes first when the test
        // runs alone (or in a process of its own, as under nextest).
        sqlx::any::install_default_drivers();
        let url = Target::parse(path.to_str().unwrap()).unwrap().url;
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        let before = MIGRATIONS
            .iter()
            .position(|&(_, listed, _)| listed == description)
            .unwrap();
        migrate(&migrator(&MIGRATIONS[..before]), &mut conn)
            .await
            .unwrap();
        conn
    }

    /// The store on the file at `path`, once `conn` (from [`migrated_before`]) is closed: the
    /// remaining migrations run as on any start.
    async fn reopened(conn: sqlx::AnyConnection, path: &Path) -> SqlStore {
        conn.close().await.unwrap();
        connect(path.to_str().unwrap(), &StoreOptions::default())
            .await
            .unwrap()
    }

    /// The `CREATE` statement of `table`.
    async fn schema(store: &SqlStore, table: &str) -> String {
        sqlx::query("SELECT sql FROM sqlite_master WHERE name = $1")
            .bind(table)
            .fetch_one(store.read())
            .await
            .unwrap()
            .try_get(0)
            .unwrap()
    }

    #[tokio::test]
    async fn audit_events_keep_their_numbers_when_the_sequence_moves_to_the_rowid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.db");
        let mut conn = migrated_before(&path, "audit_sequence").await;
        for seq in [1, 7] {
            sqlx::query(
                "INSERT INTO audit_events (seq, at, request_id, actor, action, outcome, detail)
                 VALUES ($1, 0, 'r', 'a', 'x', 'success', '{}')",
            )
            .bind(seq)
            .execute(&mut conn)
            .await
            .unwrap();
        }
        let store = reopened(conn, &path).await;
        let schema = schema(&store, "audit_events").await;
        assert!(!schema.contains("AUTOINCREMENT"), "{schema}");
        let mut event = store.recent_audit(1).await.unwrap().remove(0).event;
        event.request_id = "after".to_owned();
        store.append_audit(&[event]).await.unwrap();
        let seqs: Vec<i64> = store
            .recent_audit(10)
            .await
            .unwrap()
            .iter()
            .map(|record| record.seq)
            .collect();
        assert_eq!(seqs, [8, 7, 1]);
    }

    #[tokio::test]
    async fn used_keys_stay_used_when_the_replay_caches_become_rowid_tables() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.db");
        let mut conn = migrated_before(&path, "replay_rowid").await;
        sqlx::query(
            "INSERT INTO saml_assertions (issuer, assertion_id, expires_at)
             VALUES ('https://idp', '_used', 4000000000), ('https://idp', '_old', 1)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::query("INSERT INTO redeemed_tokens (token_id, expires_at) VALUES ('t1', 4000000000)")
            .execute(&mut conn)
            .await
            .unwrap();
        let store = reopened(conn, &path).await;
        for table in ["saml_assertions", "redeemed_tokens"] {
            let schema = schema(&store, table).await;
            assert!(!schema.contains("WITHOUT ROWID"), "{schema}");
        }
        let later = OffsetDateTime::UNIX_EPOCH + Duration::days(40_000);
        assert!(
            !store
                .insert_assertion_once("https://idp", "_used", later)
                .await
                .unwrap(),
            "a key used before the migration is refused after it"
        );
        assert!(
            store
                .insert_assertion_once("https://idp", "_new", later)
                .await
                .unwrap()
        );
        assert!(
            !store
                .redeem_one_time_token(&TokenId::new("t1"), later)
                .await
                .unwrap()
        );
        let purged = store
            .purge_expired(OffsetDateTime::UNIX_EPOCH + Duration::days(1), 100)
            .await
            .unwrap();
        assert_eq!(purged.assertions, 1, "only the expired key is purged");
    }

    #[test]
    fn plain_paths_become_created_files() {
        let target = Target::parse("./data/fedgate.db").unwrap();
        assert_eq!(target.url, "sqlite:./data/fedgate.db?mode=rwc");
        assert!(!target.in_memory);
        let target = Target::parse("/tmp/50% off?#.db").unwrap();
        assert_eq!(target.url, "sqlite:/tmp/50%25 off%3F%23.db?mode=rwc");
    }

    #[test]
    fn memory_urls_are_recognised() {
        assert!(Target::parse("sqlite::memory:").unwrap().in_memory);
        assert!(Target::parse("sqlite://:memory:").unwrap().in_memory);
        assert!(
            Target::parse("sqlite://shared?mode=memory&cache=shared")
                .unwrap()
                .in_memory
        );
        assert!(
            !Target::parse("sqlite://data/fedgate.db?mode=rwc")
                .unwrap()
                .in_memory
        );
    }

    #[test]
    fn other_schemes_are_refused() {
        assert!(Target::parse("mysql://localhost/db").is_err());
        assert!(Target::parse("").is_err());
    }
}
