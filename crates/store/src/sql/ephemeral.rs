//! Rows that expire: reading and revoking sessions, and the purge of expired sessions, replay-cache
//! keys and redeemed tokens. (They are written in `group_commit.rs`.) Every check that must hold
//! across nodes is one statement that the database makes atomic: an insert that a unique key
//! refuses, a delete that only one caller can win.

use sqlx::Row;
use time::OffsetDateTime;

use super::{SqlStore, instant, seconds};
use crate::error::BackendError;
use crate::model::{Purged, Session, SessionId, SessionKind};
use crate::{Entity, StoreError};

pub(super) async fn active_session(
    db: &SqlStore,
    id: &SessionId,
    now: OffsetDateTime,
) -> Result<Session, StoreError> {
    let row = sqlx::query(
        "SELECT session_id, kind, subject, created_at, expires_at
         FROM sessions WHERE session_id = $1 AND expires_at > $2",
    )
    .bind(id.as_str())
    .bind(seconds(now))
    .fetch_optional(db.read())
    .await?
    .ok_or(StoreError::NotFound(Entity::Session))?;
    let kind: String = row.try_get("kind")?;
    Ok(Session {
        id: SessionId::new(row.try_get::<String, _>("session_id")?),
        kind: SessionKind::parse(&kind).ok_or(StoreError::Unavailable(BackendError::corrupt(
            "session kind",
        )))?,
        subject: row.try_get("subject")?,
        created_at: instant(row.try_get("created_at")?)?,
        expires_at: instant(row.try_get("expires_at")?)?,
    })
}

pub(super) async fn revoke_session(db: &SqlStore, id: &SessionId) -> Result<bool, StoreError> {
    let deleted = sqlx::query("DELETE FROM sessions WHERE session_id = $1")
        .bind(id.as_str())
        .execute(db.write())
        .await?
        .rows_affected();
    Ok(deleted == 1)
}

pub(super) async fn revoke_sessions_of(db: &SqlStore, subject: &str) -> Result<u64, StoreError> {
    let deleted = sqlx::query("DELETE FROM sessions WHERE subject = $1")
        .bind(subject)
        .execute(db.write())
        .await?
        .rows_affected();
    Ok(deleted)
}

pub(super) async fn purge_expired(
    db: &SqlStore,
    now: OffsetDateTime,
    batch: u32,
) -> Result<Purged, StoreError> {
    let now = seconds(now);
    let batch = i64::from(batch);
    let mut purged = Purged::default();
    for (sql, count) in [
        (
            "DELETE FROM saml_assertions WHERE (issuer, assertion_id) IN
               (SELECT issuer, assertion_id FROM saml_assertions WHERE expires_at <= $1 LIMIT $2)",
            &mut purged.assertions,
        ),
        (
            "DELETE FROM sessions WHERE session_id IN
               (SELECT session_id FROM sessions WHERE expires_at <= $1 LIMIT $2)",
            &mut purged.sessions,
        ),
        (
            "DELETE FROM redeemed_tokens WHERE token_id IN
               (SELECT token_id FROM redeemed_tokens WHERE expires_at <= $1 LIMIT $2)",
            &mut purged.one_time_tokens,
        ),
    ] {
        *count = sqlx::query(sql)
            .bind(now)
            .bind(batch)
            .execute(db.write())
            .await?
            .rows_affected();
    }
    Ok(purged)
}
