//! Runs blocking database work off the async workers, retrying transient failures.
//!
//! Flask-Session's `retry_query` tries a statement three times, sleeping 0.3 s then 0.6 s; so
//! does [`run`]. Only failures that a second attempt can fix are retried: no connection, a lost
//! connection, a serialization failure or deadlock, SQLite's busy lock. The whole run, retries
//! and backoff included, is bounded by the store's timeout: a stalled server costs a request
//! that long, not three times it.

use std::time::Duration;

use tokio::time::Instant;

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::pool::SqlError;
use crate::store::StoreError;

const TRIES: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(300);

/// Runs `work` on tokio's blocking pool up to three times, within `timeout` in all; `store`
/// names the backend in errors.
///
/// On timeout the blocking call keeps its thread until the database answers (a blocking call
/// cannot be cancelled); its result is dropped, and the pool's own checkout timeout bounds how
/// many such calls can pile up.
pub(crate) async fn run<T, F>(store: &'static str, timeout: Duration, work: F) -> Result<T, StoreError>
where
    F: Fn() -> Result<T, SqlError> + Clone + Send + 'static,
    T: Send + 'static,
{
    let deadline = Instant::now() + timeout;
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 1;
    loop {
        let once = work.clone();
        let Ok(outcome) = tokio::time::timeout_at(deadline, tokio::task::spawn_blocking(once)).await else {
            return Err(StoreError::Timeout { store, after: timeout });
        };
        match outcome {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(e)) if attempt < TRIES && is_transient(&e) && Instant::now() + backoff < deadline => {
                tracing::warn!(store, attempt, error = %e, "transient database error; retrying");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                attempt += 1;
            }
            Ok(Err(e)) => return Err(StoreError::backend(store, e)),
            // The blocking task panicked or the runtime is shutting down.
            Err(join) => return Err(StoreError::backend(store, join)),
        }
    }
}

/// Whether trying the same statement again may succeed.
pub(crate) fn is_transient(e: &SqlError) -> bool {
    match e {
        // No connection: worth another try, unless the pool's last error says it cannot work
        // (refused, DNS, auth, TLS), which the request then reports at once.
        SqlError::Pool(message) => !crate::store::failure::is_lasting(message),
        SqlError::Query(DieselError::BrokenTransactionManager) => true,
        SqlError::Query(DieselError::DatabaseError(kind, info)) => match kind {
            DatabaseErrorKind::ClosedConnection
            | DatabaseErrorKind::SerializationFailure
            | DatabaseErrorKind::UnableToSendCommand => true,
            // diesel has no kind for these; their wording is stable across server versions.
            _ => {
                let m = info.message().to_ascii_lowercase();
                ["database is locked", "server has gone away", "lost connection", "deadlock", "connection reset"]
                    .iter()
                    .any(|needle| m.contains(needle))
            }
        },
        SqlError::Query(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn three_tries_with_backoff() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let started = std::time::Instant::now();
        let r: Result<(), _> = run("test", Duration::from_secs(30), move || {
            c.fetch_add(1, Ordering::SeqCst);
            Err(SqlError::Pool("down".into()))
        })
        .await;
        assert!(matches!(r, Err(StoreError::Backend { store: "test", .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert!(started.elapsed() >= Duration::from_millis(900));
    }

    #[tokio::test]
    async fn permanent_errors_are_not_retried() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let r: Result<(), _> = run("test", Duration::from_secs(30), move || {
            c.fetch_add(1, Ordering::SeqCst);
            Err(SqlError::Query(DieselError::NotFound))
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_stalled_call_times_out() {
        let r: Result<(), _> = run("test", Duration::from_millis(50), || {
            std::thread::sleep(Duration::from_millis(500));
            Ok(())
        })
        .await;
        assert!(matches!(r, Err(StoreError::Timeout { store: "test", .. })), "{r:?}");
    }

    #[tokio::test]
    async fn no_retry_starts_after_the_deadline() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        // The first backoff (0.3 s) does not fit in 0.1 s: one try, then the error itself.
        let r: Result<(), _> = run("test", Duration::from_millis(100), move || {
            c.fetch_add(1, Ordering::SeqCst);
            Err(SqlError::Pool("down".into()))
        })
        .await;
        assert!(matches!(r, Err(StoreError::Backend { store: "test", .. })), "{r:?}");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
