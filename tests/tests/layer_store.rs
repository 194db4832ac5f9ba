//! `SessionLayer::new(store, settings)` trusts its store: whether sessions can be written is the
//! store's answer, so the default settings work with any store, over real HTTP; and settings
//! that contradict the store are refused, naming the setting, instead of being ignored.

mod common;

use common::env;
use common::http::{browser, serve_sessions, text, Counting};
use session_runtime::store::{FilesystemStore, MemoryStore, NullStore, RedisStore, StoreOptions};
use session_runtime::{SessionLayer, SessionStore, SessionType, Settings};

/// Two visits counted and read back through `layer`.
async fn counts_visits(layer: SessionLayer) {
    let base = serve_sessions(layer).await;
    let b = browser();
    assert_eq!(text(&b, &format!("{base}/incr")).await, "1");
    assert_eq!(text(&b, &format!("{base}/incr")).await, "2");
    assert_eq!(text(&b, &format!("{base}/get")).await, "2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filesystem_store_with_default_settings() {
    let store = FilesystemStore::new(common::temp_dir("layer-fs")).expect("filesystem store");
    counts_visits(SessionLayer::new(store, Settings::default()).expect("layer")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_with_default_settings() {
    let url = env::redis_url();
    let store = RedisStore::connect(&url, StoreOptions::default()).await.unwrap_or_else(|e| env::server_missing("Redis", &url, e));
    counts_visits(SessionLayer::new(store, Settings::default()).expect("layer")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_store_with_default_settings() {
    let (store, calls) = Counting::new(MemoryStore::new());
    counts_visits(SessionLayer::new(store, Settings::default()).expect("layer")).await;
    assert!(calls.load(std::sync::atomic::Ordering::SeqCst) >= 3, "the sessions went through the custom store");
}

/// `null` as the seed has it: reads see an empty session, a write is a 500 naming session_type.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_store_still_refuses_writes() {
    let base = serve_sessions(SessionLayer::new(NullStore, Settings::default()).expect("layer")).await;
    let b = browser();
    assert_eq!(text(&b, &format!("{base}/get")).await, "none");
    let res = b.get(format!("{base}/incr")).send().await.unwrap();
    assert_eq!(res.status(), 500);
    assert!(res.headers().get("set-cookie").is_none());
    // The default settings are null's: into_layer builds the same store.
    let base = serve_sessions(Settings::default().into_layer().await.expect("layer")).await;
    assert_eq!(b.get(format!("{base}/incr")).send().await.unwrap().status(), 500);
}

#[test]
fn settings_that_contradict_the_store_are_refused() {
    let fs = || FilesystemStore::new(common::temp_dir("layer-mismatch")).expect("filesystem store");
    let refused = |store: FilesystemStore, s: Settings| SessionLayer::new(store, s).unwrap_err();

    let mut s = Settings::default();
    s.session_type = SessionType::Redis;
    let e = refused(fs(), s);
    assert_eq!(e.setting, "session_type");
    assert!(e.message.contains("\"redis\"") && e.message.contains("filesystem store"), "{e}");

    let mut s = Settings::default();
    s.session_redis = "redis://10.0.0.1:6379".into();
    let e = refused(fs(), s);
    assert_eq!(e.setting, "session_redis");
    assert!(e.message.contains("only the redis store reads it"), "{e}");

    let mut s = Settings::default();
    s.session_sqlalchemy_table = "sessions".into();
    assert_eq!(refused(fs(), s).setting, "session_sqlalchemy_table");

    // The store's own settings and its own session_type agree with it.
    let mut s = Settings::default();
    s.session_type = SessionType::Filesystem;
    s.session_file_threshold = 10;
    assert!(SessionLayer::new(fs(), s).is_ok());

    // NullStore reads no backend setting either.
    let mut s = Settings::default();
    s.session_file_dir = "/srv/sessions".into();
    assert_eq!(SessionLayer::new(NullStore, s).unwrap_err().setting, "session_file_dir");
}

/// A store of your own may read any setting (a wrapper around a bundled store does), so it is
/// not second-guessed.
#[test]
fn custom_stores_take_any_settings() {
    let mut s = Settings::default();
    s.session_type = SessionType::Redis;
    s.session_redis = "redis://10.0.0.1:6379".into();
    let (store, _) = Counting::new(MemoryStore::new());
    assert!(SessionLayer::new(store, s.clone()).is_ok());
    assert!(SessionLayer::new(MemoryStore::new(), s).is_ok());
    assert!(MemoryStore::new().accepts_writes());
}
