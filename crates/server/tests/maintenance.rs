//! The background purge removes what has expired, and only that.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failure here is a test failure"
)]

use fedgate::maintenance::purge_once;
use fedgate::testing::{START, TestServer};
use time::Duration;

#[tokio::test]
async fn purge_removes_expired_replay_rows_and_keeps_live_ones() {
    let server = TestServer::start().await.unwrap();
    let store = &server.state.store;
    assert!(
        store
            .insert_assertion_once("https://idp", "_old", START + Duration::minutes(5))
            .await
            .unwrap()
    );
    assert!(
        store
            .insert_assertion_once("https://idp", "_live", START + Duration::hours(2))
            .await
            .unwrap()
    );

    server.state.clock.advance(Duration::hours(1));
    assert_eq!(purge_once(&server.state).await, 1);
    assert_eq!(purge_once(&server.state).await, 0, "nothing left to purge");

    // The live one still refuses a replay; the purged one is gone from the cache.
    assert!(
        !store
            .insert_assertion_once("https://idp", "_live", START + Duration::hours(2))
            .await
            .unwrap()
    );
    assert!(
        store
            .insert_assertion_once("https://idp", "_old", START + Duration::hours(3))
            .await
            .unwrap()
    );
}
