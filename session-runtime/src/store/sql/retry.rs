//! Runs blocking database work off the async workers, retrying transient failures.
//!
//! Flask-Session's `retry_query` tries a statement three times, sleeping 0.3 s then 0.6 s; so
//! does [`run`]. Only failures that a second attempt can fix are retried: no connection, a lost
//! connection, a serialization failure or deadlock, SQLite's busy lock.

use std::time::Duration;

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::pool::SqlError;
use crate::store::StoreError;

const TRIES: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(300);

/// Runs `work` on tokio's blocking pool up to three times; `store` names the backend in errors.
pub(crate) async fn run<T, F>(store: &'static str, work: F) -> Result<T, StoreError>
where
    F: Fn() -> Result<T, SqlError> + Clone + Send + 'static,
    T: Send + 'static,
{
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 1;
    loop {
        let once = work.clone();
        match tokio::task::spawn_blocking(once).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(e)) if attempt < TRIES && is_transient(&e) => {
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
        SqlError::Pool(_) => true,
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
        let r: Result<(), _> = run("test", move || {
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
        let r: Result<(), _> = run("test", move || {
            c.fetch_add(1, Ordering::SeqCst);
            Err(SqlError::Query(DieselError::NotFound))
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
