//! Background work: expired replay-cache rows, sessions and one-time tokens are purged in small
//! batches, so no statement holds locks for long and the tables stay the size of what is live.

use std::time::Duration;

use crate::state::AppState;

/// How often the purge runs.
pub const PURGE_INTERVAL: Duration = Duration::from_secs(60);
/// Rows deleted per table and statement.
pub const PURGE_BATCH: u32 = 500;
/// Most batches in one run (the rest waits for the next run).
pub const MAX_BATCHES_PER_RUN: u32 = 100;

/// Purges expired rows every [`PURGE_INTERVAL`], forever (spawn it; it ends with the runtime).
/// Several nodes running it at once is harmless: each batch deletes rows that are expired.
pub async fn purge_expired_forever(state: AppState) {
    let mut interval = tokio::time::interval(PURGE_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        purge_once(&state).await;
    }
}

/// One run: batches until nothing expired is left or [`MAX_BATCHES_PER_RUN`] is reached.
pub async fn purge_once(state: &AppState) -> u64 {
    let mut removed = 0;
    for _ in 0..MAX_BATCHES_PER_RUN {
        match state
            .store
            .purge_expired(state.clock.now(), PURGE_BATCH)
            .await
        {
            Ok(purged) if purged.total() == 0 => break,
            Ok(purged) => removed += purged.total(),
            Err(e) => {
                tracing::warn!(error = %e, "purging expired rows failed; will retry");
                break;
            }
        }
    }
    if removed > 0 {
        tracing::debug!(removed, "purged expired rows");
    }
    removed
}
