//! Removing expired sessions: a background task on an interval, and a sweep about every N
//! requests (`session_cleanup_n_requests`). Both run [`SessionStore::delete_expired`], so they
//! work for any store that implements it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::store::SessionStore;

/// The background cleanup task; dropping it (or [`CleanupTask::abort`]) stops it.
#[derive(Debug)]
#[must_use = "the cleanup task stops when this handle is dropped"]
pub struct CleanupTask {
    handle: Option<JoinHandle<()>>,
}

impl CleanupTask {
    /// Stops the task.
    pub fn abort(&self) {
        if let Some(h) = &self.handle {
            h.abort();
        }
    }

    /// Lets the task run for as long as the runtime does.
    pub fn detach(mut self) {
        // Dropping a bare JoinHandle does not stop its task; only our Drop impl would.
        self.handle = None;
    }
}

impl Drop for CleanupTask {
    fn drop(&mut self) {
        self.abort();
    }
}

/// Spawns a task that deletes `store`'s expired sessions every `period` (the first sweep
/// after one period). Failures are logged and the next tick tries again.
///
/// ```no_run
/// # async fn f(store: session_runtime::store::sql::SqlStore) {
/// let cleanup = session_runtime::store::sql::spawn_cleanup(store, std::time::Duration::from_secs(3600));
/// # drop(cleanup);
/// # }
/// ```
pub fn spawn_cleanup<S: SessionStore + Clone>(store: S, period: Duration) -> CleanupTask {
    let handle = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await; // the first tick is immediate
        loop {
            ticks.tick().await;
            match store.delete_expired().await {
                Ok(n) => tracing::debug!(deleted = n, "expired sessions removed"),
                Err(e) => tracing::warn!(error = %e, "cleanup of expired sessions failed"),
            }
        }
    });
    CleanupTask { handle: Some(handle) }
}

/// Decides when "about every N requests" has come round, and runs one sweep at a time.
///
/// Flask-Session draws a random number per request; a counter gives the same rate, with no
/// RNG on the request path and a bound instead of a probability.
#[derive(Debug)]
pub struct Sweeper {
    every: u64,
    count: AtomicU64,
    running: Arc<AtomicBool>,
}

impl Sweeper {
    /// A sweeper that fires on every `every`th call of [`Sweeper::tick`] (`every` >= 1).
    pub fn new(every: u64) -> Self {
        Sweeper { every: every.max(1), count: AtomicU64::new(0), running: Arc::new(AtomicBool::new(false)) }
    }

    /// Counts one request; true on every Nth.
    pub fn tick(&self) -> bool {
        (self.count.fetch_add(1, Ordering::Relaxed) + 1) % self.every == 0
    }

    /// Counts one request and, when due and no sweep is running, spawns
    /// `store.delete_expired()` without waiting for it. Returns whether it spawned one.
    pub fn maybe_sweep<S: SessionStore + Clone>(&self, store: &S) -> bool {
        if !self.tick() || self.running.swap(true, Ordering::AcqRel) {
            return false;
        }
        let (store, running) = (store.clone(), self.running.clone());
        tokio::spawn(async move {
            match store.delete_expired().await {
                Ok(n) => tracing::debug!(deleted = n, "expired sessions removed"),
                Err(e) => tracing::warn!(error = %e, "cleanup of expired sessions failed"),
            }
            running.store(false, Ordering::Release);
        });
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nth() {
        let s = Sweeper::new(3);
        let fired: Vec<bool> = (0..7).map(|_| s.tick()).collect();
        assert_eq!(fired, [false, false, true, false, false, true, false]);
    }
}
