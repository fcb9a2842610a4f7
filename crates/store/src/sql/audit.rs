//! The audit trail: appended, never changed.

use sqlx::{Any, Executor, Row};

use super::{SqlStore, insert_rows, instant, seconds};
use crate::StoreError;
use crate::error::BackendError;
use crate::model::{AuditEvent, AuditRecord, Outcome};

/// Events per `INSERT`: one statement is atomic by itself, and a sign-in burst's batch of
/// events costs one round trip (6 parameters each, far below SQLite's 32766).
pub(super) const EVENTS_PER_STATEMENT: usize = 256;

/// Appends events: up to one statement's worth with the other sign-ins' (group commit), more in
/// a transaction of their own.
pub(super) async fn append(db: &SqlStore, events: &[AuditEvent]) -> Result<(), StoreError> {
    match events {
        [] => Ok(()),
        events if events.len() <= EVENTS_PER_STATEMENT => {
            db.group_commit().append_audit(events).await
        }
        events => {
            let mut tx = db.begin().await?;
            for chunk in events.chunks(EVENTS_PER_STATEMENT) {
                let chunk: Vec<&AuditEvent> = chunk.iter().collect();
                insert(&mut *tx, &chunk).await?;
            }
            tx.commit().await?;
            Ok(())
        }
    }
}

/// Inserts `events` with one multi-row `INSERT`.
pub(super) async fn insert<'c>(
    executor: impl Executor<'c, Database = Any>,
    events: &[&AuditEvent],
) -> Result<(), sqlx::Error> {
    let head = "INSERT INTO audit_events (at, request_id, actor, action, outcome, detail)";
    let mut query = sqlx::query(insert_rows(head, events.len(), 6));
    for event in events {
        query = query
            .bind(seconds(event.at))
            .bind(event.request_id.as_str())
            .bind(event.actor.as_str())
            .bind(event.action.as_str())
            .bind(event.outcome.as_str())
            .bind(event.detail.as_str());
    }
    query.execute(executor).await?;
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
