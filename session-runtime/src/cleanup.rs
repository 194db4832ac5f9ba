//! Deleting expired sessions: about every N requests (`session_cleanup_n_requests`) and on a
//! timer ([`SessionLayer::spawn_cleanup`](crate::SessionLayer::spawn_cleanup)), for any store,
//! one sweep at a time. When is decided here; what events a sweep sends, in the accounts'
//! lifecycle; how, by the store's [`delete_expired`](crate::SessionStore::delete_expired).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::accounts::Accounts;
use crate::store::{DynStore, StoreError};

/// The layer's sweeps of one store. Flask-Session draws a random number per request; a counter
/// gives the same rate with no RNG on the request path, and a bound instead of a probability.
pub(crate) struct Cleanup {
    store: Arc<dyn DynStore>,
    accounts: Arc<Accounts>,
    /// `session_cleanup_n_requests`; `None` counts nothing.
    every: Option<u64>,
    requests: AtomicU64,
    /// A sweep is running: a due sweep is skipped rather than started beside it, so a slow
    /// database never has two scans of the table at once.
    running: AtomicBool,
}

impl std::fmt::Debug for Cleanup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cleanup").field("store", &self.store).field("every", &self.every).finish_non_exhaustive()
    }
}

impl Cleanup {
    pub(crate) fn new(store: Arc<dyn DynStore>, accounts: Arc<Accounts>, every: Option<u64>) -> Self {
        Cleanup { store, accounts, every, requests: AtomicU64::new(0), running: AtomicBool::new(false) }
    }

    /// One sweep now, whether or not another is running (`SessionLayer::delete_expired`).
    pub(crate) async fn sweep_now(&self) -> Result<u64, StoreError> {
        self.accounts.sweep(&*self.store).await
    }

    /// Counts one request; on every Nth, starts a sweep in the background unless one is running.
    pub(crate) fn count_request(self: &Arc<Self>) {
        let Some(n) = self.every else { return };
        if (self.requests.fetch_add(1, Ordering::Relaxed) + 1) % n != 0 {
            return;
        }
        if let Some(turn) = self.claim() {
            tokio::spawn(async move { turn.sweep().await });
        }
    }

    /// Deletes expired sessions every `period` (the first sweep after one period) until the
    /// returned handle drops; a tick that finds a sweep running skips it.
    pub(crate) fn spawn_periodic(self: &Arc<Self>, period: Duration) -> CleanupTask {
        let cleanup = Arc::clone(self);
        let handle = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await; // the first tick is immediate
            loop {
                ticks.tick().await;
                if let Some(turn) = cleanup.claim() {
                    turn.sweep().await;
                }
            }
        });
        CleanupTask { handle: Some(handle) }
    }

    /// The right to sweep now, or `None` while another sweep holds it.
    fn claim(self: &Arc<Self>) -> Option<Turn> {
        (!self.running.swap(true, Ordering::AcqRel)).then(|| Turn(Arc::clone(self)))
    }
}

/// Holds [`Cleanup::running`] for one sweep and gives it back when dropped, even when the task
/// sweeping is aborted or the runtime shuts down mid-sweep.
struct Turn(Arc<Cleanup>);

impl Turn {
    async fn sweep(self) {
        match self.0.sweep_now().await {
            Ok(n) => tracing::debug!(deleted = n, "expired sessions swept"),
            Err(e) => tracing::warn!(error = %e, "sweeping expired sessions failed"),
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.0.running.store(false, Ordering::Release);
    }
}

/// The background cleanup task of [`SessionLayer::spawn_cleanup`](crate::SessionLayer::spawn_cleanup);
/// dropping it (or [`CleanupTask::abort`]) stops it.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    #[test]
    fn one_turn_at_a_time() {
        let accounts = Arc::new(Accounts::new(&crate::Settings::default()));
        let cleanup = Arc::new(Cleanup::new(Arc::new(MemoryStore::new()), accounts, Some(3)));
        let turn = cleanup.claim().expect("nobody sweeps yet");
        assert!(cleanup.claim().is_none(), "a second sweep waits for the first");
        drop(turn);
        assert!(cleanup.claim().is_some(), "the turn is given back when the sweep ends");
    }
}
