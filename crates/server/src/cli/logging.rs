//! The log of `serve` and `demo`: one line per event on stderr, text or JSON, filtered by
//! `FEDGATE_LOG` (default `info`).
//!
//! Lines are buffered and written out every [`FLUSH_EVERY`], when the buffer fills, at once for
//! warnings and errors, and when the [`LogGuard`] is dropped at exit: a line per request written
//! straight to stderr costs a system call each, a tenth of a sign-in's CPU time. A process
//! killed with SIGKILL loses at most the last [`FLUSH_EVERY`] of info lines
//! (docs/decisions.md).

use std::io::{self, BufWriter, IsTerminal as _, Stderr, Write};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

use fedgate::config::LogFormat;

/// How long an info line may wait in the buffer.
pub(crate) const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// The buffer's size: a burst of lines goes out in one write.
const BUFFER_BYTES: usize = 64 * 1024;

/// Installs the subscriber. Keep the guard until the process ends: dropping it writes what is
/// buffered.
pub(crate) fn init(format: LogFormat) -> LogGuard {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FEDGATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let sink = Sink::default();
    // Colours only for a terminal: a file or a log collector gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(io::stderr().is_terminal())
        .with_writer(sink.clone());
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
    let flusher = Arc::downgrade(&sink.buffer);
    // A plain thread: logging starts before the runtime and must outlive it.
    let _ = std::thread::Builder::new()
        .name("fedgate-log-flush".to_owned())
        .spawn(move || flush_forever(&flusher));
    LogGuard { sink }
}

/// Writes what is buffered when dropped.
#[derive(Debug)]
pub(crate) struct LogGuard {
    sink: Sink,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        let _ = self.sink.lock().flush();
    }
}

/// Flushes the buffer every [`FLUSH_EVERY`] while it exists.
fn flush_forever(buffer: &Weak<Mutex<BufWriter<Stderr>>>) {
    loop {
        std::thread::sleep(FLUSH_EVERY);
        let Some(buffer) = buffer.upgrade() else {
            return;
        };
        let _ = lock(&buffer).flush();
    }
}

/// The buffered stderr that every event is written to.
#[derive(Clone, Debug)]
struct Sink {
    buffer: Arc<Mutex<BufWriter<Stderr>>>,
}

impl Default for Sink {
    fn default() -> Self {
        Self {
            buffer: Arc::new(Mutex::new(BufWriter::with_capacity(
                BUFFER_BYTES,
                io::stderr(),
            ))),
        }
    }
}

impl Sink {
    fn lock(&self) -> MutexGuard<'_, BufWriter<Stderr>> {
        lock(&self.buffer)
    }
}

fn lock(buffer: &Mutex<BufWriter<Stderr>>) -> MutexGuard<'_, BufWriter<Stderr>> {
    // A panic while holding the lock leaves at worst a partial line: keep logging.
    buffer
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One event's writer: flushes on drop if the event is a warning or an error.
#[derive(Debug)]
struct EventWriter<'a> {
    sink: &'a Sink,
    urgent: bool,
}

impl Write for EventWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.sink.lock().write(bytes)
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.sink.lock().write_all(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sink.lock().flush()
    }
}

impl Drop for EventWriter<'_> {
    fn drop(&mut self) {
        if self.urgent {
            let _ = self.sink.lock().flush();
        }
    }
}

impl<'a> MakeWriter<'a> for Sink {
    type Writer = EventWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        EventWriter {
            sink: self,
            urgent: false,
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Self::Writer {
        EventWriter {
            sink: self,
            urgent: *meta.level() <= Level::WARN,
        }
    }
}
