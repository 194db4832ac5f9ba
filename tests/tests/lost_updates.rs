//! `session_merge_on_save` on every store, with real concurrency over HTTP.
//!
//! * Two requests on one session, the second starting while the first holds it, change
//!   different keys: both keep their change (a layer built from `Settings`, as an app does).
//! * [`RACERS`] requests on one session at once, each setting its own key, behind [`Gate`]: a
//!   store wrapper that holds every racer's first conditional write until all the racers have
//!   read the session. So they all merge onto the same stored session and all but one of those
//!   writes meet a changed entry: every key survives only if the write is an atomic
//!   compare-and-set and the lifecycle merges again after a refusal. The same race on a store
//!   without compare-and-set loses keys (`racing::the_gate_catches_a_store_without_compare_and_set`),
//!   so passing is proof, not luck. Nothing here depends on timing.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::env;
use common::http::{browser, serve_sessions, text};
use session_runtime::store::{Loaded, Revision, Touched};
use session_runtime::{Expiry, SessionLayer, SessionMap, SessionStore, SessionType, Settings, StoreError};

async fn both_changes_survive(s: Settings) {
    let base = serve_sessions(s.into_layer().await.expect("session layer")).await;
    let b = browser();
    assert_eq!(text(&b, &format!("{base}/incr")).await, "1");
    // Both requests load the session before either saves it.
    let first = format!("{base}/slow-set?k=left&v=L");
    tokio::join!(text(&b, &first), async {
        tokio::time::sleep(common::http::SECOND_RACER_DELAY).await;
        text(&b, &format!("{base}/slow-set?k=right&v=R")).await
    });
    assert_eq!(text(&b, &format!("{base}/keys")).await, "_permanent,left,right,visits");
}

/// How many requests race on one session: as many as the lifecycle's merge rounds, so every
/// racer gets through however the retries interleave (a round fails only on another racer's
/// successful save, and each racer saves once).
const RACERS: usize = 8;

/// Only against a hang when a racer fails before its write (the test then fails on the keys);
/// never reached when the racers work.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// Forwards everything to `inner`, but holds the first [`RACERS`] writes of a merge (one per
/// racer: a racer's second cannot come before its first returns) until all of them are in. A
/// merge writes with `save_if_unchanged`, or, after a read that gave no revision, with `save`.
#[derive(Debug)]
struct Gate<S> {
    inner: S,
    arrived: AtomicUsize,
    all_in: tokio::sync::Barrier,
    /// Conditional writes the store refused, i.e. conflicts the lifecycle had to merge again on.
    refused: Arc<AtomicUsize>,
}

impl<S> Gate<S> {
    fn new(inner: S) -> (Self, Arc<AtomicUsize>) {
        let refused = Arc::new(AtomicUsize::new(0));
        let all_in = tokio::sync::Barrier::new(RACERS);
        let gate = Gate { inner, arrived: AtomicUsize::new(0), all_in, refused: refused.clone() };
        (gate, refused)
    }

    /// Holds the first [`RACERS`] merge writes until all of them are in.
    async fn hold(&self) {
        if self.arrived.fetch_add(1, Ordering::SeqCst) < RACERS {
            let _ = tokio::time::timeout(HANG_GUARD, self.all_in.wait()).await;
        }
    }
}

impl<S: SessionStore> SessionStore for Gate<S> {
    async fn load(&self, key: &str, refresh: Option<&Expiry>) -> Result<Option<Loaded>, StoreError> {
        self.inner.load(key, refresh).await
    }
    /// In the race only a merge after a read without revision saves (everything else there is
    /// `create` or a conditional write), so every save is held like one.
    async fn save(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        self.hold().await;
        self.inner.save(key, data, expiry).await
    }
    async fn create(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        self.inner.create(key, data, expiry).await
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.inner.delete(key).await
    }
    async fn touch(&self, key: &str, expiry: &Expiry) -> Result<Touched, StoreError> {
        self.inner.touch(key, expiry).await
    }
    async fn delete_expired(&self) -> Result<u64, StoreError> {
        self.inner.delete_expired().await
    }
    async fn load_for_update(&self, key: &str) -> Result<Option<(Loaded, Revision)>, StoreError> {
        self.inner.load_for_update(key).await
    }
    async fn save_if_unchanged(
        &self,
        key: &str,
        revision: &Revision,
        data: &SessionMap,
        expiry: &Expiry,
    ) -> Result<bool, StoreError> {
        self.hold().await;
        let wrote = self.inner.save_if_unchanged(key, revision, data, expiry).await?;
        if !wrote {
            self.refused.fetch_add(1, Ordering::SeqCst);
        }
        Ok(wrote)
    }
}

/// `inner` with the trait's default `load_for_update` and `save_if_unchanged`: a store that
/// cannot compare, whose merges the lifecycle writes with a plain save.
#[derive(Debug)]
struct NoCompareAndSet<S>(S);

impl<S: SessionStore> SessionStore for NoCompareAndSet<S> {
    async fn load(&self, key: &str, refresh: Option<&Expiry>) -> Result<Option<Loaded>, StoreError> {
        self.0.load(key, refresh).await
    }
    async fn save(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        self.0.save(key, data, expiry).await
    }
    async fn create(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        self.0.create(key, data, expiry).await
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.0.delete(key).await
    }
    async fn touch(&self, key: &str, expiry: &Expiry) -> Result<Touched, StoreError> {
        self.0.touch(key, expiry).await
    }
}

/// `inner`, except that every conditional write is refused, as if another request always saved
/// first; counts the refusals.
#[derive(Debug)]
struct AlwaysChanged<S> {
    inner: S,
    refused: Arc<AtomicUsize>,
}

impl<S: SessionStore> SessionStore for AlwaysChanged<S> {
    async fn load(&self, key: &str, refresh: Option<&Expiry>) -> Result<Option<Loaded>, StoreError> {
        self.inner.load(key, refresh).await
    }
    async fn save(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        self.inner.save(key, data, expiry).await
    }
    async fn create(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        self.inner.create(key, data, expiry).await
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.inner.delete(key).await
    }
    async fn load_for_update(&self, key: &str) -> Result<Option<(Loaded, Revision)>, StoreError> {
        self.inner.load_for_update(key).await
    }
    async fn save_if_unchanged(&self, _: &str, _: &Revision, _: &SessionMap, _: &Expiry) -> Result<bool, StoreError> {
        self.refused.fetch_add(1, Ordering::SeqCst);
        Ok(false)
    }
}

/// [`RACERS`] concurrent `/slow-set`s on one session through [`Gate`]; returns the session's
/// keys afterwards, the racers' answers, and how many conditional writes were refused.
async fn race(store: impl SessionStore, s: Settings) -> (String, Vec<String>, usize) {
    let (gate, refused) = Gate::new(store);
    let base = serve_sessions(SessionLayer::new(gate, s).expect("session layer")).await;
    let b = browser();
    assert_eq!(text(&b, &format!("{base}/incr")).await, "1");
    let racers: Vec<_> = (0..RACERS)
        .map(|i| {
            let (b, url) = (b.clone(), format!("{base}/slow-set?k=r{i}&v={i}"));
            tokio::spawn(async move { text(&b, &url).await })
        })
        .collect();
    let mut answers = Vec::new();
    for r in racers {
        answers.push(r.await.expect("racer task"));
    }
    let keys = text(&b, &format!("{base}/keys")).await;
    (keys, answers, refused.load(Ordering::SeqCst))
}

/// Every racer's key is in the session, and the race really happened.
async fn all_racers_keep_their_key(store: impl SessionStore, s: Settings) {
    let (keys, answers, refused) = race(store, s).await;
    assert!(answers.iter().all(|a| a == "set"), "every racer's request succeeds: {answers:?}");
    let mut want: Vec<String> = (0..RACERS).map(|i| format!("r{i}")).collect();
    want.extend(["_permanent".into(), "visits".into()]);
    want.sort();
    assert_eq!(keys, want.join(","), "every racer's key survives");
    assert!(
        refused >= RACERS - 1,
        "all racers wrote from one read, so all but one first write must be refused; {refused} were"
    );
}

fn merging(kind: SessionType) -> Settings {
    let mut s = Settings::default();
    s.session_type = kind;
    s.session_merge_on_save = true;
    s
}

fn filesystem_settings(label: &str) -> Settings {
    let mut s = merging(SessionType::Filesystem);
    s.session_file_dir = common::temp_dir(label);
    s
}

fn redis_settings() -> Settings {
    let mut s = merging(SessionType::Redis);
    s.session_redis = env::redis_url();
    s
}

fn redis_cluster_settings() -> Settings {
    let mut s = merging(SessionType::Redis);
    s.session_redis = env::redis_cluster_urls();
    s
}

fn memcached_settings() -> Settings {
    let mut s = merging(SessionType::Memcached);
    s.session_memcached = env::memcached_url();
    s
}

fn mongodb_settings() -> Settings {
    let mut s = merging(SessionType::Mongodb);
    s.session_mongodb = env::mongodb_url();
    s
}

fn postgres_settings() -> Settings {
    let mut s = merging(SessionType::Sqlalchemy);
    s.session_sqlalchemy = Some(env::postgres_url());
    s.session_sqlalchemy_table = "lost_updates".into();
    s
}

fn mysql_settings() -> Settings {
    let mut s = merging(SessionType::Sqlalchemy);
    s.session_sqlalchemy = Some(env::mysql_url());
    s.session_sqlalchemy_table = "lost_updates".into();
    s
}

fn sqlite_settings(label: &str) -> Settings {
    let mut s = merging(SessionType::Sqlalchemy);
    s.session_sqlalchemy = Some(common::temp_dir(label).join("sessions.db").display().to_string());
    s
}

#[tokio::test]
async fn filesystem() {
    both_changes_survive(filesystem_settings("lost-updates")).await;
}

#[tokio::test]
async fn redis() {
    both_changes_survive(redis_settings()).await;
}

#[tokio::test]
async fn redis_cluster() {
    both_changes_survive(redis_cluster_settings()).await;
}

#[tokio::test]
async fn memcached() {
    both_changes_survive(memcached_settings()).await;
}

#[tokio::test]
async fn mongodb() {
    both_changes_survive(mongodb_settings()).await;
}

#[tokio::test]
async fn postgres() {
    both_changes_survive(postgres_settings()).await;
}

#[tokio::test]
async fn mysql() {
    both_changes_survive(mysql_settings()).await;
}

#[tokio::test]
async fn sqlite() {
    both_changes_survive(sqlite_settings("lost-updates-sqlite")).await;
}

/// [`RACERS`] requests at once through [`Gate`], on each store.
mod racing {
    use super::*;
    use session_runtime::store::{FilesystemStore, MemcachedStore, MongoStore, RedisStore};
    use session_runtime::SqlStore;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn filesystem() {
        let s = filesystem_settings("racing");
        all_racers_keep_their_key(FilesystemStore::open(&s.session_file_dir, (&s).into()).expect("store"), s).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn redis() {
        let s = redis_settings();
        all_racers_keep_their_key(RedisStore::connect(&s.session_redis, (&s).into()).await.expect("redis"), s).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn redis_cluster() {
        let s = redis_cluster_settings();
        all_racers_keep_their_key(RedisStore::connect(&s.session_redis, (&s).into()).await.expect("redis cluster"), s).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn memcached() {
        let s = memcached_settings();
        all_racers_keep_their_key(MemcachedStore::connect(&s.session_memcached, (&s).into()).await.expect("memcached"), s).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mongodb() {
        let s = mongodb_settings();
        all_racers_keep_their_key(MongoStore::connect(&s.session_mongodb, &s.session_mongodb_db, &s.session_mongodb_collect, (&s).into()).await.expect("mongodb"), s).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let s = postgres_settings();
        all_racers_keep_their_key(SqlStore::connect(s.session_sqlalchemy.as_deref().unwrap(), &s.session_sqlalchemy_table, (&s).into()).await.expect("postgres"), s).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mysql() {
        let s = mysql_settings();
        all_racers_keep_their_key(SqlStore::connect(s.session_sqlalchemy.as_deref().unwrap(), &s.session_sqlalchemy_table, (&s).into()).await.expect("mysql"), s).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let s = sqlite_settings("racing-sqlite");
        all_racers_keep_their_key(SqlStore::connect(s.session_sqlalchemy.as_deref().unwrap(), &s.session_sqlalchemy_table, (&s).into()).await.expect("sqlite"), s).await;
    }

    /// A session whose every conditional write is refused: the lifecycle merges again a
    /// bounded number of times, then answers 500 and leaves the stored session as it was.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_merge_that_never_lands_gives_up_with_a_500() {
        let s = filesystem_settings("racing-never-lands");
        let refused = Arc::new(AtomicUsize::new(0));
        let store = AlwaysChanged { inner: FilesystemStore::open(&s.session_file_dir, (&s).into()).expect("store"), refused: refused.clone() };
        let base = serve_sessions(SessionLayer::new(store, s).expect("session layer")).await;
        let b = browser();
        assert_eq!(text(&b, &format!("{base}/incr")).await, "1");
        let res = b.get(format!("{base}/incr")).send().await.unwrap();
        assert_eq!(res.status(), 500, "a merge that cannot land is an error, not a silent loss");
        assert_eq!(refused.load(Ordering::SeqCst), 8, "eight read-merge-write rounds, then it gives up");
        assert_eq!(text(&b, &format!("{base}/get")).await, "1", "the stored session is untouched");
    }

    /// The control: the same race on a store whose conditional write is a plain save keeps the
    /// key of one racer only, so the tests above can fail.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_gate_catches_a_store_without_compare_and_set() {
        let s = filesystem_settings("racing-no-cas");
        let store = NoCompareAndSet(FilesystemStore::open(&s.session_file_dir, (&s).into()).expect("store"));
        let (keys, answers, refused) = race(store, s).await;
        assert!(answers.iter().all(|a| a == "set"), "{answers:?}");
        assert_eq!(refused, 0, "a plain save never refuses");
        let kept = keys.split(',').filter(|k| k.starts_with('r')).count();
        assert_eq!(kept, 1, "without compare-and-set the last plain save wins alone: {keys}");
    }
}
