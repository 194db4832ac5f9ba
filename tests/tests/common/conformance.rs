//! The store conformance suite: one set of behaviours every `SessionStore` must show, written
//! once and instantiated per store with [`store_conformance!`](crate::store_conformance).
//!
//! ```ignore
//! mod common;
//! use common::conformance::{Raw, RawPut};
//!
//! impl RawPut for MyStore { /* write bytes verbatim under a key */ }
//! store_conformance!(my_store, async { MyStore::connect(&url(), StoreOptions::default()).await.expect("connect") });
//!
//! // or, when the raw writer is a separate client:
//! store_conformance!(other, async { Raw { store: connect().await, writer: raw_client().await } });
//! ```
//!
//! `$make` is an expression whose value is a future yielding the store; it is evaluated once per
//! test (each test gets its own store). Paths in it resolve from the module that invokes the
//! macro. Every test uses fresh random keys, so the tests run in parallel against one server.
//! What the lifecycle decides (a past `expires_at` is a miss, a decode error is a fresh session)
//! is accepted here in both forms a store may legitimately give.

#![allow(dead_code)]

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use session_runtime::store::{Loaded, Revision, Touched};
use session_runtime::{Expiry, SessionId, SessionMap, SessionStore, StoreError, Value};

/// Writes raw bytes under a key, bypassing the codec, so the suite can plant a corrupt entry.
/// Each store's test file implements it with the store's own client.
pub trait RawPut {
    /// Stores `bytes` verbatim under `key`, expiring after `ttl`.
    fn put_raw(&self, key: &str, bytes: &[u8], ttl: Duration) -> impl Future<Output = ()> + Send;
}

/// A store together with a separate raw writer, for store types that do not implement
/// [`RawPut`] themselves: `Raw { store, writer }` is a store (every call goes to `store`) whose
/// `put_raw` goes to `writer`.
#[derive(Debug)]
pub struct Raw<S, W> {
    /// The store under test.
    pub store: S,
    /// Writes bytes verbatim, e.g. with the server's own client.
    pub writer: W,
}

impl<S: SessionStore, W: RawPut + std::fmt::Debug + Send + Sync + 'static> SessionStore for Raw<S, W> {
    async fn load(&self, key: &str, refresh: Option<&Expiry>) -> Result<Option<Loaded>, StoreError> {
        self.store.load(key, refresh).await
    }
    async fn save(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        self.store.save(key, data, expiry).await
    }
    async fn create(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        self.store.create(key, data, expiry).await
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.store.delete(key).await
    }
    async fn touch(&self, key: &str, expiry: &Expiry) -> Result<Touched, StoreError> {
        self.store.touch(key, expiry).await
    }
    async fn delete_expired(&self) -> Result<u64, StoreError> {
        self.store.delete_expired().await
    }
    async fn load_for_update(&self, key: &str) -> Result<Option<(Loaded, Revision)>, StoreError> {
        self.store.load_for_update(key).await
    }
    async fn save_if_unchanged(
        &self,
        key: &str,
        revision: &Revision,
        data: &SessionMap,
        expiry: &Expiry,
    ) -> Result<bool, StoreError> {
        self.store.save_if_unchanged(key, revision, data, expiry).await
    }
}

impl<S: Sync, W: RawPut + Sync> RawPut for Raw<S, W> {
    async fn put_raw(&self, key: &str, bytes: &[u8], ttl: Duration) {
        self.writer.put_raw(key, bytes, ttl).await
    }
}

/// Instantiates the conformance suite as `mod $name { #[tokio::test] ... }`.
///
/// The invoking test crate must declare `mod common;` at its root; the store type must implement
/// [`RawPut`].
#[macro_export]
macro_rules! store_conformance {
    (@tests ($make:expr); $($test:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                let store = $make.await;
                $crate::common::conformance::bounded(
                    stringify!($test),
                    $crate::common::conformance::$test(store),
                )
                .await;
            }
        )*
    };
    ($name:ident, $make:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $crate::store_conformance!(@tests ($make);
                load_missing, save_then_load, save_replaces, save_never_creates,
                a_deleted_entry_stays_deleted, create_only_when_absent,
                create_race_has_one_winner, delete_removes, touch_moves_expiry,
                load_with_refresh_moves_expiry, expiry_is_honoured, large_value,
                foreign_values_preserved, concurrent_saves, corrupt_value_is_decode_error,
                load_for_update_missing, save_if_unchanged_writes_an_unchanged_entry,
                save_if_unchanged_refuses_after_another_write, save_if_unchanged_refuses_a_gone_entry,
                save_if_unchanged_race_has_one_winner, save_if_unchanged_leaves_other_keys_alone
            );
        }
    };
}

/// Each test must finish within this, so a hung store fails the test instead of the CI job.
const TEST_BUDGET: Duration = Duration::from_secs(90);
/// The short TTL of the expiry tests.
const SHORT: Duration = Duration::from_secs(2);
/// Long enough past [`SHORT`] that memcached's whole-second clock has moved on too.
const PAST_SHORT: Duration = Duration::from_millis(3_500);
const LONG: Duration = Duration::from_secs(600);

/// Runs one test body under [`TEST_BUDGET`].
pub async fn bounded(name: &str, body: impl Future<Output = ()>) {
    if tokio::time::timeout(TEST_BUDGET, body).await.is_err() {
        panic!("conformance test `{name}` did not finish within {TEST_BUDGET:?}");
    }
}

/// A fresh `session:`-prefixed key, as the lifecycle builds them.
pub fn key() -> String {
    format!("session:{}", SessionId::generate(32).as_str())
}

/// A Flask-like session: `_permanent` first, then a few plain values.
pub fn sample(n: i64) -> SessionMap {
    let mut m = SessionMap::new();
    m.insert("_permanent", Value::Boolean(true));
    m.insert("name", Value::from("alice"));
    m.insert("n", Value::from(n));
    m
}

/// Values Flask-Session (msgspec) writes that a Rust handler never touches.
pub fn foreign() -> SessionMap {
    let mut m = sample(1);
    m.insert("raw", Value::Binary(vec![0, 0xff, b'\r', b'\n', 0x80]));
    m.insert(
        "nested",
        Value::Map(vec![
            (Value::from(1), Value::Array(vec![Value::from("x"), Value::Nil])),
            (Value::from(-7), Value::Map(vec![(Value::from("k"), Value::F64(0.1))])),
        ]),
    );
    // msgspec writes an aware datetime as the timestamp extension (-1), 8-byte form.
    m.insert("at", Value::Ext(-1, vec![0x00, 0x00, 0x00, 0x04, 0x65, 0x53, 0xf1, 0x00]));
    m.insert("big", Value::from(u64::MAX));
    m.insert("neg", Value::from(i64::MIN));
    m.insert("unicode", Value::from("ünïcode ✓"));
    m
}

fn short() -> Expiry {
    Expiry::after(SHORT)
}

fn long() -> Expiry {
    Expiry::after(LONG)
}

/// A new entry, as the lifecycle makes one: `create` (`save` only replaces).
async fn put<S: SessionStore>(store: &S, key: &str, data: &SessionMap, expiry: &Expiry) {
    assert!(store.create(key, data, expiry).await.expect("create"), "create of a fresh key {key}");
}

/// `save` over an entry that must be there.
async fn must_save<S: SessionStore>(store: &S, key: &str, data: &SessionMap, expiry: &Expiry) {
    assert!(store.save(key, data, expiry).await.expect("save"), "save of the stored entry {key} found nothing");
}

async fn must_load<S: SessionStore>(store: &S, key: &str) -> Loaded {
    match store.load(key, None).await {
        Ok(Some(l)) => {
            assert_live(&l);
            l
        }
        Ok(None) => panic!("{key} should be stored, but the store has nothing"),
        Err(e) => panic!("load of {key} failed: {e}"),
    }
}

/// A store reporting `expires_at` must report a future one for a live entry.
fn assert_live(l: &Loaded) {
    if let Some(at) = l.expires_at {
        assert!(at > SystemTime::now(), "a live entry reports a past expiry {at:?}");
    }
}

/// Gone: either no entry, or one whose `expires_at` is past (the lifecycle treats it as a miss).
async fn assert_gone<S: SessionStore>(store: &S, key: &str) {
    match store.load(key, None).await {
        Ok(None) => {}
        Ok(Some(l)) => match l.expires_at {
            Some(at) if at <= SystemTime::now() => {}
            other => panic!("{key} should be gone, but loads with expires_at {other:?}"),
        },
        Err(e) => panic!("load of {key} failed: {e}"),
    }
}

/// `expires_at`, when reported, is within a few seconds of what was asked.
fn assert_expiry_near(l: &Loaded, want: &Expiry) {
    if let Some(at) = l.expires_at {
        let diff = match at.duration_since(want.at()) {
            Ok(d) => d,
            Err(e) => e.duration(),
        };
        assert!(diff <= Duration::from_secs(3), "expires_at {at:?} is {diff:?} off the requested {:?}", want.at());
    }
}

pub async fn load_missing<S: SessionStore>(store: S) {
    let k = key();
    assert!(store.load(&k, None).await.expect("load").is_none());
    assert!(store.load(&k, Some(&long())).await.expect("load with refresh").is_none());
}

pub async fn save_then_load<S: SessionStore>(store: S) {
    let k = key();
    let e = long();
    put(&store, &k, &sample(1), &long()).await;
    must_save(&store, &k, &sample(42), &e).await;
    let l = must_load(&store, &k).await;
    assert_eq!(l.data, sample(42));
    assert!(!l.refreshed, "a load without refresh must not report one");
    assert_expiry_near(&l, &e);
    store.delete(&k).await.expect("cleanup");
}

pub async fn save_replaces<S: SessionStore>(store: S) {
    let k = key();
    put(&store, &k, &sample(1), &long()).await;
    let mut other = SessionMap::new();
    other.insert("only", Value::from("this"));
    must_save(&store, &k, &other, &long()).await;
    assert_eq!(must_load(&store, &k).await.data, other, "the whole map is replaced, not merged");
    store.delete(&k).await.expect("cleanup");
}

/// Only `create` brings an entry into being: a `save` of a key nobody created writes nothing.
pub async fn save_never_creates<S: SessionStore>(store: S) {
    let k = key();
    assert!(!store.save(&k, &sample(1), &long()).await.expect("save"), "a save of a missing key reports it");
    assert!(store.load(&k, None).await.expect("load").is_none(), "a save of a missing key wrote it");
}

/// What a logout deleted stays deleted: a request that loaded the session before cannot write
/// it back, by `save` or by `touch`.
pub async fn a_deleted_entry_stays_deleted<S: SessionStore>(store: S) {
    let k = key();
    put(&store, &k, &sample(1), &long()).await;
    store.delete(&k).await.expect("delete");
    assert!(!store.save(&k, &sample(2), &long()).await.expect("save"), "a save after the delete reports it");
    assert_ne!(store.touch(&k, &long()).await.expect("touch"), Touched::Refreshed, "a touch after the delete");
    assert!(store.load(&k, None).await.expect("load").is_none(), "the deleted entry came back");
}

pub async fn create_only_when_absent<S: SessionStore>(store: S) {
    let k = key();
    assert!(store.create(&k, &sample(1), &long()).await.expect("create"), "create of a new key");
    assert!(!store.create(&k, &sample(2), &long()).await.expect("create again"), "create on a collision");
    assert_eq!(must_load(&store, &k).await.data, sample(1), "a colliding create leaves the entry alone");
    store.delete(&k).await.expect("cleanup");
}

pub async fn create_race_has_one_winner<S: SessionStore>(store: S) {
    let store = Arc::new(store);
    let k = key();
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let (store, k) = (store.clone(), k.clone());
            tokio::spawn(async move { store.create(&k, &sample(i), &long()).await.expect("create") })
        })
        .collect();
    let mut winners = 0;
    for t in tasks {
        winners += usize::from(t.await.expect("task"));
    }
    assert_eq!(winners, 1, "exactly one concurrent create of one key may win");
    store.delete(&k).await.expect("cleanup");
}

pub async fn delete_removes<S: SessionStore>(store: S) {
    let k = key();
    put(&store, &k, &sample(1), &long()).await;
    store.delete(&k).await.expect("delete");
    assert!(store.load(&k, None).await.expect("load").is_none());
    store.delete(&k).await.expect("deleting a missing entry is not an error");
}

pub async fn touch_moves_expiry<S: SessionStore>(store: S) {
    let k = key();
    assert!(
        matches!(store.touch(&k, &long()).await.expect("touch missing"), Touched::Missing | Touched::Unsupported),
        "touching a missing entry must not report a refresh"
    );
    put(&store, &k, &sample(1), &short()).await;
    let e = long();
    match store.touch(&k, &e).await.expect("touch") {
        Touched::Refreshed => {
            assert_expiry_near(&must_load(&store, &k).await, &e);
            tokio::time::sleep(PAST_SHORT).await;
            let l = must_load(&store, &k).await;
            assert_eq!(l.data, sample(1), "touch must not change the data");
        }
        Touched::Unsupported => {}
        Touched::Missing => panic!("touch of a stored entry reported Missing"),
    }
    store.delete(&k).await.expect("cleanup");
}

pub async fn load_with_refresh_moves_expiry<S: SessionStore>(store: S) {
    let k = key();
    put(&store, &k, &sample(1), &short()).await;
    let e = long();
    let l = store.load(&k, Some(&e)).await.expect("load").expect("stored");
    assert_eq!(l.data, sample(1));
    if l.refreshed {
        tokio::time::sleep(PAST_SHORT).await;
        assert_expiry_near(&must_load(&store, &k).await, &e);
    }
    store.delete(&k).await.expect("cleanup");
}

pub async fn expiry_is_honoured<S: SessionStore>(store: S) {
    let k = key();
    let e = short();
    put(&store, &k, &sample(1), &e).await;
    assert_expiry_near(&must_load(&store, &k).await, &e);
    tokio::time::sleep(PAST_SHORT).await;
    assert_gone(&store, &k).await;
    // A create over an expired entry must succeed: the id is free again.
    assert!(store.create(&k, &sample(2), &long()).await.expect("create"), "create over an expired entry");
    assert_eq!(must_load(&store, &k).await.data, sample(2));
    store.delete(&k).await.expect("cleanup");
}

pub async fn large_value<S: SessionStore>(store: S) {
    let k = key();
    put(&store, &k, &sample(1), &long()).await;
    let mut big = sample(2);
    big.insert("blob", Value::Binary((0..400_000u32).map(|i| (i % 251) as u8).collect()));
    big.insert("text", Value::from("x".repeat(100_000)));
    match store.save(&k, &big, &long()).await {
        Ok(true) => assert_eq!(must_load(&store, &k).await.data, big),
        Err(StoreError::TooLarge { size, limit, .. }) => {
            assert!(size > limit, "TooLarge with size {size} <= limit {limit}");
            assert_eq!(must_load(&store, &k).await.data, sample(1), "a refused save leaves the old entry");
        }
        Ok(false) => panic!("the save of a stored entry found nothing"),
        Err(e) => panic!("a ~500 KB session must be stored or refused as TooLarge, got: {e}"),
    }
    store.delete(&k).await.expect("cleanup");
}

pub async fn foreign_values_preserved<S: SessionStore>(store: S) {
    let k = key();
    let mut want = foreign();
    match store.create(&k, &want, &long()).await {
        Ok(created) => assert!(created, "create of a fresh key"),
        // Pickle (the filesystem store) refuses u64::MAX: Python would not read back the int
        // it was. Everything else must still round-trip.
        Err(StoreError::Encode(e)) if e.to_string().contains("above i64::MAX") => {
            want.remove("big");
            put(&store, &k, &want, &long()).await;
        }
        Err(e) => panic!("create: {e}"),
    }
    let got = must_load(&store, &k).await.data;
    assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "key order is kept");
    for (name, v) in want.iter() {
        let g = got.get(name).expect("key kept");
        // Pickle (the filesystem store) has no timestamp: there it comes back as an RFC 3339 string.
        if name == "at" && matches!(g, Value::String(_)) {
            continue;
        }
        assert_eq!(g, v, "value of {name:?}");
    }
    store.delete(&k).await.expect("cleanup");
}

pub async fn concurrent_saves<S: SessionStore>(store: S) {
    let store = Arc::new(store);
    let shared = key();
    let own: Vec<String> = (0..32).map(|_| key()).collect();
    put(&*store, &shared, &sample(0), &long()).await;
    for k in &own {
        put(&*store, k, &sample(0), &long()).await;
    }
    let tasks: Vec<_> = own
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let (store, k, shared) = (store.clone(), k.clone(), shared.clone());
            tokio::spawn(async move {
                for round in 0..4 {
                    must_save(&*store, &k, &sample(i as i64 * 10 + round), &long()).await;
                    must_save(&*store, &shared, &sample(i as i64), &long()).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    for (i, k) in own.iter().enumerate() {
        assert_eq!(must_load(&*store, k).await.data, sample(i as i64 * 10 + 3), "last write of {i} wins");
        store.delete(k).await.expect("cleanup");
    }
    let last = must_load(&*store, &shared).await.data;
    assert!((0..32).any(|i| last == sample(i)), "the shared key holds one whole write, not a mix");
    store.delete(&shared).await.expect("cleanup");
}

pub async fn corrupt_value_is_decode_error<S: SessionStore + RawPut>(store: S) {
    for bytes in [&b"\xc1\xc1 not a session"[..], b"[1, 2, 3]", b"\x93\x01\x02\x03"] {
        let k = key();
        store.put_raw(&k, bytes, LONG).await;
        match store.load(&k, None).await {
            Err(StoreError::Decode(_)) => {}
            other => panic!("a corrupt entry must load as StoreError::Decode, got {other:?}"),
        }
        store.delete(&k).await.expect("a corrupt entry can be deleted");
        assert!(store.load(&k, None).await.expect("load").is_none());
    }
}

/// `load_for_update`, which must find the entry and give a revision the store can compare.
async fn must_load_for_update<S: SessionStore>(store: &S, key: &str) -> (Loaded, Revision) {
    match store.load_for_update(key).await {
        Ok(Some((l, rev))) => {
            assert_live(&l);
            assert!(!rev.is_unsupported(), "every store of this crate compares revisions, got {rev:?}");
            (l, rev)
        }
        Ok(None) => panic!("{key} should be stored, but load_for_update found nothing"),
        Err(e) => panic!("load_for_update of {key} failed: {e}"),
    }
}

pub async fn load_for_update_missing<S: SessionStore>(store: S) {
    assert!(store.load_for_update(&key()).await.expect("load_for_update").is_none());
}

/// The conditional write lands on the entry it was read from, with the new expiry.
pub async fn save_if_unchanged_writes_an_unchanged_entry<S: SessionStore>(store: S) {
    let k = key();
    put(&store, &k, &sample(1), &short()).await;
    let (l, rev) = must_load_for_update(&store, &k).await;
    assert_eq!(l.data, sample(1));
    assert!(store.save_if_unchanged(&k, &rev, &sample(2), &long()).await.expect("save_if_unchanged"));
    assert_eq!(must_load(&store, &k).await.data, sample(2));
    // The write moved the expiry: the entry outlives the short one it replaced.
    tokio::time::sleep(PAST_SHORT).await;
    assert_eq!(must_load(&store, &k).await.data, sample(2), "save_if_unchanged sets the new expiry");
    // Its own write is a change too: the old revision no longer matches.
    assert!(!store.save_if_unchanged(&k, &rev, &sample(3), &long()).await.expect("stale revision"));
    assert_eq!(must_load(&store, &k).await.data, sample(2));
    store.delete(&k).await.expect("cleanup");
}

/// Another writer saved between the read and the conditional write: nothing is written.
pub async fn save_if_unchanged_refuses_after_another_write<S: SessionStore>(store: S) {
    let k = key();
    put(&store, &k, &sample(1), &long()).await;
    let (_, rev) = must_load_for_update(&store, &k).await;
    must_save(&store, &k, &sample(7), &long()).await;
    assert!(!store.save_if_unchanged(&k, &rev, &sample(2), &long()).await.expect("save_if_unchanged"));
    assert_eq!(must_load(&store, &k).await.data, sample(7), "the other writer's save stands");
    // Read again, the write goes through.
    let (_, rev) = must_load_for_update(&store, &k).await;
    assert!(store.save_if_unchanged(&k, &rev, &sample(2), &long()).await.expect("save_if_unchanged"));
    assert_eq!(must_load(&store, &k).await.data, sample(2));
    store.delete(&k).await.expect("cleanup");
}

/// The entry was deleted (a logout) or expired after the read: it is not brought back.
pub async fn save_if_unchanged_refuses_a_gone_entry<S: SessionStore>(store: S) {
    let k = key();
    put(&store, &k, &sample(1), &long()).await;
    let (_, rev) = must_load_for_update(&store, &k).await;
    store.delete(&k).await.expect("delete");
    assert!(!store.save_if_unchanged(&k, &rev, &sample(2), &long()).await.expect("save_if_unchanged"));
    assert!(store.load(&k, None).await.expect("load").is_none(), "a deleted entry stays deleted");

    let k = key();
    put(&store, &k, &sample(1), &short()).await;
    let (_, rev) = must_load_for_update(&store, &k).await;
    tokio::time::sleep(PAST_SHORT).await;
    assert!(!store.save_if_unchanged(&k, &rev, &sample(2), &long()).await.expect("save_if_unchanged"));
    assert_gone(&store, &k).await;
    store.delete(&k).await.expect("cleanup");
}

/// Many conditional writes from one revision at once: exactly one lands, whole.
pub async fn save_if_unchanged_race_has_one_winner<S: SessionStore>(store: S) {
    let store = Arc::new(store);
    let k = key();
    put(&*store, &k, &sample(0), &long()).await;
    let (_, rev) = must_load_for_update(&*store, &k).await;
    let tasks: Vec<_> = (1..=16)
        .map(|i| {
            let (store, k, rev) = (store.clone(), k.clone(), rev.clone());
            tokio::spawn(async move {
                let wrote = store.save_if_unchanged(&k, &rev, &sample(i), &long()).await.expect("save_if_unchanged");
                wrote.then_some(i)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for t in tasks {
        winners.extend(t.await.expect("task"));
    }
    assert_eq!(winners.len(), 1, "exactly one conditional write from one revision may land, got {winners:?}");
    assert_eq!(must_load(&*store, &k).await.data, sample(winners[0]), "the winner's write is stored");
    store.delete(&k).await.expect("cleanup");
}

/// A refused conditional write touches nothing, not even another key holding the very bytes
/// the revision saw.
pub async fn save_if_unchanged_leaves_other_keys_alone<S: SessionStore>(store: S) {
    let (k, twin) = (key(), key());
    put(&store, &k, &sample(1), &long()).await;
    put(&store, &twin, &sample(1), &long()).await;
    let (_, rev) = must_load_for_update(&store, &k).await;
    must_save(&store, &k, &sample(3), &long()).await;
    assert!(!store.save_if_unchanged(&k, &rev, &sample(2), &long()).await.expect("changed"));
    store.delete(&k).await.expect("delete");
    assert!(!store.save_if_unchanged(&k, &rev, &sample(2), &long()).await.expect("gone"));
    assert!(store.load(&k, None).await.expect("load").is_none(), "a deleted entry stays deleted");
    assert_eq!(must_load(&store, &twin).await.data, sample(1), "another key is never written");
    store.delete(&twin).await.expect("cleanup");
}
