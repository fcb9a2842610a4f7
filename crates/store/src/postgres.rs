//! The multi-node backend: PostgreSQL, one pool for reads and writes.
//!
//! What differs from SQLite: many connections write at once, and the database orders them;
//! write transactions open with a plain `BEGIN` (READ COMMITTED), which is enough because every
//! check that must hold across nodes is a single statement guarded by a unique or foreign key.
//! Migrations take PostgreSQL's advisory lock, so nodes starting together migrate once.
//! A `search_path` (or any other setting) can be given in the URL:
//! `postgres://…/db?options[search_path]=fedgate`.

use sqlx::any::AnyPoolOptions;

use crate::sql::{Backend, SqlStore, migrate, migrator};
use crate::{StoreError, StoreOptions};

const BACKEND: Backend = Backend {
    name: "postgres",
    begin_write: "BEGIN",
};

/// The migrations, in order. A shipped migration is never edited; a change is a new file.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        "connect",
        include_str!("../migrations/postgres/0002_connect.sql"),
    ),
    (
        3,
        "redeemed_tokens",
        include_str!("../migrations/postgres/0003_redeemed_tokens.sql"),
    ),
];

/// Whether `url` names a PostgreSQL database.
pub(crate) fn accepts(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

pub(crate) async fn connect(url: &str, options: &StoreOptions) -> Result<SqlStore, StoreError> {
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(options.postgres_connections.max(1))
        .connect(url)
        .await?;
    migrate(&migrator(MIGRATIONS), &mut *pool.acquire().await?).await?;
    Ok(SqlStore::new(pool.clone(), pool, BACKEND))
}

#[cfg(test)]
mod tests {
    use super::{MIGRATIONS, accepts};
    use crate::sql::assert_lists_every_migration;

    #[test]
    fn every_migration_file_is_listed() {
        assert_lists_every_migration("postgres", MIGRATIONS);
    }

    #[test]
    fn postgres_urls_are_recognised() {
        assert!(accepts("postgres://u@localhost/db"));
        assert!(accepts("postgresql://u@localhost/db"));
        assert!(!accepts("sqlite://postgres.db"));
        assert!(!accepts("./postgres://x"));
    }
}
