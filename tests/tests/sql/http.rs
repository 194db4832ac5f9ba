//! End to end over real HTTP: the rows a browser's visits leave, and revoking a user's sessions.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::extract::Query;
use axum::routing::get;
use axum::Router;
use chrono::NaiveDateTime;
use session_runtime::codec;
use session_runtime::store::sql::SqlStore;
use session_runtime::store::{Loaded, Revision, StoreOptions, Touched};
use session_runtime::{session_model, Expiry, Session, SessionError, SessionLayer, SessionMap, SessionStore, StoreError, Value};

use crate::common::http::{bare, browser, serve, serve_sessions, set_cookie, text};
use crate::support::{naive, settings, Raw};

/// `GET /incr` three times: one row `session:<sid>` holding `{_permanent: true, visits: 3}` in
/// msgpack, expiring a lifetime from now; `GET /clear` deletes it.
pub async fn http_visits_leave_flask_rows(url: &str) {
    let table = "t_http_visits";
    let raw = Raw::new(url);
    raw.drop_table(table).await;
    let base = serve_sessions(settings(url, table).into_layer().await.unwrap()).await;
    let b = browser();
    let res = b.get(format!("{base}/incr")).send().await.unwrap();
    let (sid, _) = set_cookie(&res).expect("cookie");
    assert_eq!(res.text().await.unwrap(), "1");
    assert_eq!(text(&b, &format!("{base}/incr")).await, "2");
    assert_eq!(text(&b, &format!("{base}/incr")).await, "3");

    let key = format!("session:{sid}");
    assert_eq!(raw.keys(table).await, std::slice::from_ref(&key));
    let row = raw.row(table, &key).await.unwrap();
    let data = codec::decode(row.data.as_deref().unwrap()).unwrap();
    assert!(data.is_permanent());
    assert_eq!(data.get("visits"), Some(&Value::from(3)));
    let want = naive(SystemTime::now() + Duration::from_secs(31 * 86_400));
    assert!((want - row.expiry.unwrap()).num_seconds().abs() <= 5);

    assert_eq!(text(&b, &format!("{base}/clear")).await, "cleared");
    assert!(raw.keys(table).await.is_empty(), "an emptied session is deleted");
    raw.drop_table(table).await;
}

diesel::table! {
    http_user_sessions (id) {
        id -> Integer,
        session_id -> Varchar,
        data -> Binary,
        expiry -> Nullable<Timestamp>,
        user_id -> Nullable<Varchar>,
    }
}

#[session_model(table = http_user_sessions)]
#[allow(dead_code)]
pub struct HttpUserSession {
    #[session(primary_key)]
    id: i32,
    #[session(id)]
    session_id: String,
    #[session(data)]
    data: Vec<u8>,
    #[session(expiry)]
    expiry: Option<NaiveDateTime>,
    #[session(from = "_user_id", index)]
    user_id: Option<String>,
}

async fn login(session: Session, Query(q): Query<std::collections::HashMap<String, String>>) -> Result<&'static str, SessionError> {
    // Flask-Login keeps the user id as a string under `_user_id`.
    session.regenerate().await?;
    session.insert("_user_id", &q["user"]).await?;
    Ok("logged in")
}

async fn whoami(session: Session) -> Result<String, SessionError> {
    Ok(session.get::<String>("_user_id").await?.unwrap_or_else(|| "anonymous".into()))
}

/// Revoking user 42's sessions logs 42 out of every browser, and nobody else.
pub async fn revoke_logs_user_out_of_every_browser(url: &str) {
    let raw = Raw::new(url);
    raw.drop_table("http_user_sessions").await;
    let s = settings(url, "unused");
    let store = SqlStore::connect_with_model::<HttpUserSession>(url, StoreOptions::default()).await.unwrap();
    let layer = SessionLayer::new(store.clone(), s).unwrap();
    let base = serve(Router::new().route("/login", get(login)).route("/whoami", get(whoami)).layer(layer)).await;

    let (laptop, phone, other) = (browser(), browser(), browser());
    for (b, user) in [(&laptop, "42"), (&phone, "42"), (&other, "7")] {
        assert_eq!(text(b, &format!("{base}/login?user={user}")).await, "logged in");
        assert_eq!(text(b, &format!("{base}/whoami")).await, user);
    }
    assert_eq!(store.sessions_where(HttpUserSession::by_user_id("42")).await.unwrap().len(), 2);

    assert_eq!(store.revoke_where(HttpUserSession::by_user_id("42")).await.unwrap(), 2);
    assert_eq!(text(&laptop, &format!("{base}/whoami")).await, "anonymous");
    assert_eq!(text(&phone, &format!("{base}/whoami")).await, "anonymous");
    assert_eq!(text(&other, &format!("{base}/whoami")).await, "7");
    raw.drop_table("http_user_sessions").await;
}

/// A row past its expiry reads as a fresh session, and the lifecycle deletes it: the store only
/// reported it (`store::expired_row_is_reported_as_it_is`).
pub async fn an_expired_row_is_deleted_when_its_cookie_returns(url: &str) {
    let table = "t_http_expired";
    let raw = Raw::new(url);
    raw.drop_table(table).await;
    let base = serve_sessions(settings(url, table).into_layer().await.unwrap()).await;
    let b = browser();
    let res = b.get(format!("{base}/incr")).send().await.unwrap();
    let (sid, _) = set_cookie(&res).expect("cookie");
    let key = format!("session:{sid}");
    raw.expire(table, &key).await;
    assert_eq!(text(&b, &format!("{base}/get")).await, "none", "an expired session reads as a fresh one");
    assert!(raw.keys(table).await.is_empty(), "the expired row was deleted, and nothing stored in its place");
    assert_eq!(text(&b, &format!("{base}/incr")).await, "1", "the next write starts a new session");
    let keys = raw.keys(table).await;
    assert!(keys.len() == 1 && keys[0] != key, "under a new id: {keys:?}");
    raw.drop_table(table).await;
}

/// What the sweeps of [`HeldSweeps`] did.
#[derive(Debug)]
struct Sweeps {
    started: AtomicUsize,
    running: AtomicUsize,
    most_at_once: AtomicUsize,
    /// One permit lets one held sweep run.
    gate: tokio::sync::Semaphore,
}

impl Sweeps {
    fn new() -> Self {
        let counter = || AtomicUsize::new(0);
        Sweeps { started: counter(), running: counter(), most_at_once: counter(), gate: tokio::sync::Semaphore::new(0) }
    }

    /// Waits until `n` sweeps have started (at most 10 s).
    async fn until_started(&self, n: usize) {
        let t = Instant::now();
        while self.started.load(Ordering::SeqCst) < n {
            assert!(t.elapsed() < Duration::from_secs(10), "sweep {n} never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until no sweep runs (at most 10 s).
    async fn until_idle(&self) {
        let t = Instant::now();
        while self.running.load(Ordering::SeqCst) > 0 {
            assert!(t.elapsed() < Duration::from_secs(10), "a sweep never ended");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The SQL store, with every `delete_expired` held until the test lets it run.
#[derive(Debug)]
struct HeldSweeps {
    inner: SqlStore,
    sweeps: Arc<Sweeps>,
}

impl SessionStore for HeldSweeps {
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
    async fn touch(&self, key: &str, expiry: &Expiry) -> Result<Touched, StoreError> {
        self.inner.touch(key, expiry).await
    }
    async fn load_for_update(&self, key: &str) -> Result<Option<(Loaded, Revision)>, StoreError> {
        self.inner.load_for_update(key).await
    }
    async fn save_if_unchanged(&self, key: &str, revision: &Revision, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        self.inner.save_if_unchanged(key, revision, data, expiry).await
    }
    async fn delete_expired(&self) -> Result<u64, StoreError> {
        let s = &self.sweeps;
        s.started.fetch_add(1, Ordering::SeqCst);
        let now = s.running.fetch_add(1, Ordering::SeqCst) + 1;
        s.most_at_once.fetch_max(now, Ordering::SeqCst);
        s.gate.acquire().await.expect("the gate stays open").forget();
        let deleted = self.inner.delete_expired().await;
        s.running.fetch_sub(1, Ordering::SeqCst);
        deleted
    }
}

/// `session_cleanup_n_requests = 3` over HTTP: the 3rd request starts a sweep of the store; the
/// requests due while it runs (30 at once) start none beside it; once it has ended, the next
/// due request starts the next one. Requests that never touch the session count too.
pub async fn cleanup_every_n_requests_one_sweep_at_a_time(url: &str) {
    let table = "t_cleanup_n";
    let raw = Raw::new(url);
    raw.drop_table(table).await;
    let store = SqlStore::connect(url, table, StoreOptions::default()).await.unwrap();
    crate::store::two_live_two_expired(&store, &raw, table).await;
    let sweeps = Arc::new(Sweeps::new());
    let mut s = settings(url, table);
    s.session_cleanup_n_requests = Some(3);
    let base = serve_sessions(SessionLayer::new(HeldSweeps { inner: store, sweeps: sweeps.clone() }, s).unwrap()).await;
    let untouched = format!("{base}/none");
    let client = bare();

    for _ in 0..2 {
        text(&client, &untouched).await;
    }
    // Long enough for a sweep spawned by mistake to have started.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sweeps.started.load(Ordering::SeqCst), 0, "no sweep before the 3rd request");
    text(&client, &untouched).await;
    sweeps.until_started(1).await;

    let mut racing = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let (client, url) = (client.clone(), untouched.clone());
        racing.spawn(async move { text(&client, &url).await });
    }
    while let Some(done) = racing.join_next().await {
        assert_eq!(done.unwrap(), "untouched");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sweeps.started.load(Ordering::SeqCst), 1, "ten sweeps fell due while one ran; none started beside it");
    assert_eq!(raw.keys(table).await.len(), 4, "the held sweep has deleted nothing yet");

    sweeps.gate.add_permits(1);
    sweeps.until_idle().await;
    assert_eq!(raw.keys(table).await, ["session:live1", "session:live2"], "the sweep deleted the expired rows");

    // 33 requests so far: the 36th is due, and nothing runs now.
    for _ in 0..2 {
        text(&client, &untouched).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sweeps.started.load(Ordering::SeqCst), 1, "the count goes on from where it was");
    text(&client, &untouched).await;
    sweeps.until_started(2).await;
    sweeps.gate.add_permits(1);
    sweeps.until_idle().await;
    assert_eq!(sweeps.most_at_once.load(Ordering::SeqCst), 1, "never two sweeps at once");
    raw.drop_table(table).await;
}
