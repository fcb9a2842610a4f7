//! The audit trail: appended, never changed.

use sqlx::{Any, Executor, Row};

use super::group_commit::{Table, Value, bind};
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

/// The trail's table: appended to, so no key of it is ever taken.
pub(super) const TABLE: Table = Table {
    insert: "INSERT INTO audit_events (at, request_id, actor, action, outcome, detail)",
    columns: 6,
    on_conflict: "",
};

/// An event's row, in [`TABLE`]'s column order.
pub(super) fn row(event: &AuditEvent) -> [Value<'_>; 6] {
    [
        Value::Integer(seconds(event.at)),
        Value::Text(&event.request_id),
        Value::Text(&event.actor),
        Value::Text(&event.action),
        Value::Text(event.outcome.as_str()),
        Value::Text(&event.detail),
    ]
}

/// Inserts `events` with one multi-row `INSERT`.
pub(super) async fn insert<'c>(
    executor: impl Executor<'c, Database = Any>,
    events: &[&AuditEvent],
) -> Result<(), sqlx::Error> {
    let query = sqlx::query(insert_rows(TABLE.insert, events.len(), TABLE.columns));
    bind(query, events.iter().flat_map(|event| row(event)))
        .execute(executor)
        .await?;
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
