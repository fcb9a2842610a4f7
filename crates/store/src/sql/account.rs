//! The account row: a table of at most one row (`singleton = 1`).

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{SqlStore, instant, seconds};
use crate::model::{AccessKey, AccessKeyId, Account, AccountId, Bootstrapped, Sealed};
use crate::{Entity, StoreError};

pub(super) async fn bootstrap(
    db: &SqlStore,
    candidate: &Account,
) -> Result<Bootstrapped, StoreError> {
    // INVARIANT: one statement, atomic on both backends: of nodes starting together on an
    // empty database exactly one inserts, and the others read back its account.
    let inserted = sqlx::query(
        "INSERT INTO account (singleton, account_id, region, admin_access_key_id, admin_secret,
                              sealing_key, created_at)
         VALUES (1, $1, $2, $3, $4, $5, $6)
         ON CONFLICT (singleton) DO NOTHING",
    )
    .bind(candidate.id.as_str())
    .bind(candidate.region.as_str())
    .bind(candidate.admin_key.id.as_str())
    .bind(candidate.admin_key.secret.as_bytes())
    .bind(candidate.sealing_key.as_bytes())
    .bind(seconds(candidate.created_at))
    .execute(db.write())
    .await?
    .rows_affected()
        == 1;
    let account = get(db).await?;
    Ok(Bootstrapped {
        account,
        created: inserted,
    })
}

pub(super) async fn get(db: &SqlStore) -> Result<Account, StoreError> {
    let row = sqlx::query(
        "SELECT account_id, region, admin_access_key_id, admin_secret, sealing_key, created_at
         FROM account WHERE singleton = 1",
    )
    .fetch_optional(db.read())
    .await?
    .ok_or(StoreError::NotFound(Entity::Account))?;
    account(&row)
}

fn account(row: &AnyRow) -> Result<Account, StoreError> {
    Ok(Account {
        id: AccountId::new(row.try_get::<String, _>("account_id")?),
        region: row.try_get("region")?,
        admin_key: AccessKey {
            id: AccessKeyId::new(row.try_get::<String, _>("admin_access_key_id")?),
            secret: Sealed::new(row.try_get("admin_secret")?),
        },
        sealing_key: Sealed::new(row.try_get("sealing_key")?),
        created_at: instant(row.try_get("created_at")?)?,
    })
}
