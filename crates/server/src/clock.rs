//! The only reader of the wall clock. Everything else takes `now` from a [`Clock`].

use std::sync::{Arc, Mutex};

use time::{Duration, OffsetDateTime};

/// Where the server's "now" comes from.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The system's UTC clock.
    #[default]
    System,
    /// A clock that moves only when told to (tests).
    Manual(Arc<Mutex<OffsetDateTime>>),
}

impl Clock {
    /// A manual clock standing at `start`.
    pub fn manual(start: OffsetDateTime) -> Self {
        Self::Manual(Arc::new(Mutex::new(start)))
    }

    /// The current instant.
    pub fn now(&self) -> OffsetDateTime {
        match self {
            #[expect(
                clippy::disallowed_methods,
                reason = "this is the one place that reads the wall clock"
            )]
            Self::System => OffsetDateTime::now_utc(),
            Self::Manual(now) => *now
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        }
    }

    /// Moves a manual clock forward; a system clock ignores it.
    pub fn advance(&self, by: Duration) {
        if let Self::Manual(now) = self {
            let mut now = now
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            *now += by;
        }
    }
}

/// Measures elapsed time for latency metrics (a monotonic clock, never used for decisions).
#[derive(Clone, Copy, Debug)]
pub struct Stopwatch(std::time::Instant);

impl Stopwatch {
    /// Starts measuring.
    pub fn start() -> Self {
        #[expect(
            clippy::disallowed_methods,
            reason = "a monotonic clock for latency metrics only"
        )]
        Self(std::time::Instant::now())
    }

    /// Seconds since [`Stopwatch::start`].
    pub fn seconds(&self) -> f64 {
        self.0.elapsed().as_secs_f64()
    }
}
