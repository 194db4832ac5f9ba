//! `MemoryStore`: the conformance suite every store runs, and a layer over it with the default
//! settings storing and expiring sessions over real HTTP.

mod common;

use std::time::Duration;

use common::conformance::{Raw, RawPut};
use common::http::{browser, serve_sessions, text};
use session_runtime::store::MemoryStore;
use session_runtime::{SessionLayer, SessionStore, Settings};

/// Plants bytes in the store's map, as another app's corrupt entry.
#[derive(Debug)]
struct RawEntry(MemoryStore);

impl RawPut for RawEntry {
    async fn put_raw(&self, key: &str, bytes: &[u8], ttl: Duration) {
        session_runtime::__fuzz::memory_put_raw(&self.0, key, bytes, ttl);
    }
}

fn store() -> Raw<MemoryStore, RawEntry> {
    let store = MemoryStore::new();
    Raw { store: store.clone(), writer: RawEntry(store) }
}

store_conformance!(in_process, async { store() });

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_settings_store_and_read_sessions() {
    let store = MemoryStore::new();
    let base = serve_sessions(SessionLayer::new(store.clone(), Settings::default()).expect("layer")).await;
    let b = browser();
    assert_eq!(text(&b, &format!("{base}/incr")).await, "1");
    assert_eq!(text(&b, &format!("{base}/incr")).await, "2");
    assert_eq!(text(&b, &format!("{base}/get")).await, "2");
    assert_eq!(store.len(), 1, "one browser, one stored session");
    assert_eq!(text(&b, &format!("{base}/clear")).await, "cleared");
    assert!(store.is_empty(), "a cleared session is deleted from the store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_expire_after_the_lifetime() {
    let store = MemoryStore::new();
    let mut s = Settings::default();
    s.permanent_session_lifetime = Duration::from_secs(1);
    s.session_refresh_each_request = false;
    s.session_permanent = false; // a browser-session cookie: the server's expiry is what is tested
    let base = serve_sessions(SessionLayer::new(store.clone(), s).expect("layer")).await;
    let b = browser();
    assert_eq!(text(&b, &format!("{base}/incr")).await, "1");
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    assert_eq!(text(&b, &format!("{base}/get")).await, "none", "an expired session reads as a fresh one");
    assert_eq!(store.delete_expired().await.expect("sweep"), 0, "the expired entry went when it was read");
}
