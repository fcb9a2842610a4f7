//! The audit trail: appended, never changed.

use sqlx::Row;

use super::{SqlStore, instant, seconds};
use crate::StoreError;
use crate::error::BackendError;
use crate::model::{AuditEvent, AuditRecord, Outcome};

pub(super) async fn append(db: &SqlStore, events: &[AuditEvent]) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    for event in events {
        sqlx::query(
            "INSERT INTO audit_events (at, request_id, actor, action, outcome, detail)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(seconds(event.at))
        .bind(event.request_id.as_str())
        .bind(event.actor.as_str())
        .bind(event.action.as_str())
        .bind(event.outcome.as_str())
        .bind(event.detail.as_str())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn recent(db: &SqlStore, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, at, request_id, actor, action, outcome, detail
         FROM audit_events ORDER BY seq DESC LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(db.read())
    .await?;
    rows.iter()
        .map(|row| {
            let outcome: String = row.try_get("outcome")?;
            Ok(AuditRecord {
                seq: row.try_get("seq")?,
                event: AuditEvent {
                    at: instant(row.try_get("at")?)?,
                    request_id: row.try_get("request_id")?,
                    actor: row.try_get("actor")?,
                    action: row.try_get("action")?,
                    outcome: Outcome::parse(&outcome).ok_or(StoreError::Unavailable(
                        BackendError::corrupt("audit outcome"),
                    ))?,
                    detail: row.try_get("detail")?,
                },
            })
        })
        .collect()
}
