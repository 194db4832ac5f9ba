//! The MongoDB store on a real server: the conformance suite, the document and indexes as
//! Flask-Session 0.8 lays them out read straight from the server, documents Flask wrote, and a
//! server that goes away and comes back.
//!
//! Server: `MONGODB_URL` (default `mongodb://127.0.0.1:27017`). Here that is nx-27017, a MongoDB
//! wire-protocol server over SQLite (no mongod exists for this machine); the tests hold on real
//! MongoDB too, and say where the two differ. `NX_27017` (default
//! `/opt/nx-27017-venv/bin/nx-27017`) is started on a spare port for the restart test.

mod common;

use std::time::{Duration, Instant, SystemTime};

use common::conformance::{key, sample, Raw, RawPut};
use common::env;
use common::spawn::{store_survives_its_server, Server};
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{doc, Binary, Bson, DateTime, Document};
use mongodb::error::{ErrorKind, WriteFailure};
use mongodb::{Client, Collection};
use session_runtime::store::mongodb::MongoStore;
use session_runtime::store::{StoreOptions, Touched};
use session_runtime::{Expiry, SessionId, SessionStore, Settings, StoreError, Value};

const DB: &str = "flask_session_test";

/// A fresh collection: nx-27017 keeps TTL metadata across a drop, so tests never share or
/// reuse one.
fn fresh_collection() -> String {
    format!("t_{}", SessionId::generate(16).as_str().replace('-', "_"))
}

/// Settings on a fresh collection.
fn settings(url: &str) -> Settings {
    let mut s = Settings::default();
    s.session_mongodb = url.to_owned();
    s.session_mongodb_db = DB.into();
    s.session_mongodb_collect = fresh_collection();
    s
}

/// The store on a fresh collection of `url`.
async fn connect(url: &str, options: StoreOptions) -> Result<MongoStore, StoreError> {
    MongoStore::connect(url, DB, &fresh_collection(), options).await
}

async fn store() -> MongoStore {
    let url = env::mongodb_url();
    connect(&url, StoreOptions::default()).await.unwrap_or_else(|e| env::server_missing("MongoDB", &url, e))
}

/// Writes documents as another writer would, straight into the store's collection.
#[derive(Debug)]
struct RawMongo(Collection<Document>);

impl RawPut for RawMongo {
    async fn put_raw(&self, key: &str, bytes: &[u8], ttl: Duration) {
        let doc = doc! {
            "id": key,
            "val": Binary { subtype: BinarySubtype::Generic, bytes: bytes.to_vec() },
            "expiration": DateTime::from_system_time(SystemTime::now() + ttl),
        };
        self.0.insert_one(doc).await.expect("raw insert");
    }
}

store_conformance!(on_server, async {
    let store = store().await;
    let writer = RawMongo(store.collection().clone());
    Raw { store, writer }
});

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// flask-format.md (c): `{"_permanent": True, "name": "alice", "n": 42}` as msgspec writes it.
const ALICE: &str = "83 aa 5f7065726d616e656e74 c3 a4 6e616d65 a5 616c696365 a1 6e 2a";
const LIFETIME: Duration = Duration::from_secs(2_678_400);

/// True on the nx-27017 stand-in, whose `buildInfo` names its process.
async fn is_nx(client: &Client) -> bool {
    let info = client.database("admin").run_command(doc! { "buildInfo": 1 }).await.expect("buildInfo");
    info.get_str("process").is_ok_and(|p| p.contains("nx_27017"))
}

/// MongoDB's duplicate-key write error (code 11000).
fn is_duplicate_key(e: &mongodb::error::Error) -> bool {
    matches!(&*e.kind, ErrorKind::Write(WriteFailure::WriteError(w)) if w.code == 11000)
}

fn near(t: SystemTime, want: SystemTime) -> bool {
    let d = t.duration_since(want).unwrap_or_else(|e| e.duration());
    d <= Duration::from_secs(3)
}

#[tokio::test]
async fn document_and_indexes_are_flask_sessions() {
    let store = store().await;
    let sessions = store.collection();
    let k = key();
    let e = Expiry::after(LIFETIME);
    assert!(store.create(&k, &sample(42), &e).await.unwrap());

    let doc = sessions.find_one(doc! { "id": &k }).await.unwrap().expect("a document with id = prefix + sid");
    match doc.get("val") {
        Some(Bson::Binary(b)) => {
            assert_eq!(b.subtype, BinarySubtype::Generic, "BinData(0, ...)");
            assert_eq!(b.bytes, unhex(ALICE), "msgspec's bytes");
        }
        other => panic!("val must be Binary, got {other:?}"),
    }
    match doc.get("expiration") {
        Some(Bson::DateTime(d)) => assert!(near(d.to_system_time(), e.at()), "expiration {d} = now + lifetime"),
        other => panic!("expiration must be a date, got {other:?}"),
    }
    let mut fields: Vec<&str> = doc.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["_id", "expiration", "id", "val"]);

    let indexes: Vec<_> = {
        let mut cur = sessions.list_indexes().await.unwrap();
        let mut v = Vec::new();
        while cur.advance().await.unwrap() {
            v.push(cur.deserialize_current().unwrap());
        }
        v
    };
    let ttl = indexes.iter().find(|i| i.keys == doc! { "expiration": 1 }).expect("an index on expiration");
    assert_eq!(ttl.options.as_ref().and_then(|o| o.expire_after), Some(Duration::ZERO), "TTL index, expireAfterSeconds 0");
    let unique = indexes
        .iter()
        .find(|i| i.keys == doc! { "id": 1 })
        .is_some_and(|i| i.options.as_ref().and_then(|o| o.unique) == Some(true));

    // What `create` relies on, on every server: the store's document has `_id = id`, and `_id`
    // refuses a second document with it.
    assert_eq!(doc.get_str("_id"), Ok(k.as_str()), "the store's _id is its id");
    let same_id = doc! { "_id": &k, "id": &k, "val": Binary { subtype: BinarySubtype::Generic, bytes: vec![0x80] } };
    let refused = sessions.insert_one(same_id).await.expect_err("a second document with the same _id");
    assert!(is_duplicate_key(&refused), "refused as a duplicate key: {refused}");

    // A second document with the same `id` and its own `_id`, as Flask-Session writes them: the
    // unique index refuses it on MongoDB. nx-27017 accepts createIndexes with unique but neither
    // lists nor enforces it, so there it goes in (and `_id` is the store's only guard).
    let flask_dup = doc! { "id": &k, "val": Binary { subtype: BinarySubtype::Generic, bytes: vec![0x80] } };
    let inserted = sessions.insert_one(flask_dup).await;
    let client = Client::with_uri_str(env::mongodb_url()).await.unwrap();
    if is_nx(&client).await {
        assert!(!unique, "nx-27017 now lists the unique index on id: assert it on every server");
        let dup = inserted.expect("nx-27017 now enforces the unique index on id: assert it on every server");
        sessions.delete_one(doc! { "_id": dup.inserted_id }).await.unwrap();
    } else {
        assert!(unique, "a unique index on id: {indexes:?}");
        let refused = inserted.expect_err("the unique index on id refuses a duplicate id");
        assert!(is_duplicate_key(&refused), "refused as a duplicate key: {refused}");
    }
    store.delete(&k).await.unwrap();
    assert_eq!(sessions.count_documents(doc! { "id": &k }).await.unwrap(), 0);
}

#[tokio::test]
async fn documents_flask_wrote_are_read_and_updated_in_place() {
    let store = store().await;
    let sessions = store.collection();
    let k = key();
    // What Flask-Session 0.8 writes: an ObjectId _id, and update_one({id}, {$set}, upsert).
    let flask_doc = doc! {
        "id": &k,
        "val": Binary { subtype: BinarySubtype::Generic, bytes: unhex(ALICE) },
        "expiration": DateTime::from_system_time(SystemTime::now() + Duration::from_secs(3600)),
    };
    sessions.insert_one(flask_doc).await.unwrap();
    let l = store.load(&k, None).await.unwrap().expect("Flask's document loads");
    assert_eq!(l.data, sample(42));

    let mut m = l.data.clone();
    m.insert("visits", Value::from(1));
    assert!(store.save(&k, &m, &Expiry::after(LIFETIME)).await.unwrap());
    assert_eq!(sessions.count_documents(doc! { "id": &k }).await.unwrap(), 1, "updated in place, not duplicated");
    assert!(!store.create(&k, &sample(1), &Expiry::after(LIFETIME)).await.unwrap(), "a live Flask session is a collision");

    // After an in-place `$set` of the expiry (which nx-27017 stores back as a string), loading,
    // touching and the expiry check all keep working.
    let e = Expiry::after(Duration::from_secs(5000));
    assert_eq!(store.touch(&k, &e).await.unwrap(), Touched::Refreshed);
    let raw = sessions.find_one(doc! { "id": &k }).await.unwrap().unwrap();
    let nx = is_nx(&Client::with_uri_str(env::mongodb_url()).await.unwrap()).await;
    match raw.get("expiration") {
        Some(Bson::DateTime(d)) => assert!(near(d.to_system_time(), e.at()), "expiration {d} after touch"),
        Some(Bson::String(text)) if nx => {
            let at = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
                .unwrap_or_else(|err| panic!("nx-27017's expiration {text:?} after touch: {err}"));
            assert!(near(at.and_utc().into(), e.at()), "nx-27017's expiration {text:?} after touch");
        }
        other => panic!("expiration after touch must be a date (or nx-27017's naive-UTC text), got {other:?}"),
    }
    let l = store.load(&k, None).await.unwrap().expect("still live");
    assert_eq!(l.data, m);
    assert!(near(l.expires_at.expect("expiration read leniently"), e.at()), "{:?}", l.expires_at);
    let l = store.load(&k, Some(&Expiry::after(LIFETIME))).await.unwrap().expect("load with refresh");
    assert!(l.refreshed);
    store.delete(&k).await.unwrap();
}

/// Before MongoDB's TTL monitor removes an expired document, the store reports it with its past
/// expiry (whether it is gone is the lifecycle's to decide), and no write brings it back.
/// (nx-27017 drops an expired document when a query meets it, so there a read finds nothing.)
#[tokio::test]
async fn expired_documents_are_reported_and_never_revived_before_the_ttl_monitor_runs() {
    let store = store().await;
    let sessions = store.collection();
    let k = key();
    let past = SystemTime::now() - Duration::from_secs(10);
    let doc = doc! { "id": &k, "val": Binary { subtype: BinarySubtype::Generic, bytes: unhex(ALICE) }, "expiration": DateTime::from_system_time(past) };
    sessions.insert_one(doc).await.unwrap();
    if let Some(l) = store.load(&k, Some(&Expiry::after(LIFETIME))).await.unwrap() {
        assert!(!l.refreshed && near(l.expires_at.expect("its expiration"), past), "reported as it is, not refreshed: {l:?}");
    }
    if let Some(l) = store.load(&k, None).await.unwrap() {
        assert!(near(l.expires_at.expect("its expiration"), past), "{:?}", l.expires_at);
    }
    assert_eq!(store.touch(&k, &Expiry::after(LIFETIME)).await.unwrap(), Touched::Missing, "expired is not revived");
    assert!(store.create(&k, &sample(1), &Expiry::after(LIFETIME)).await.unwrap(), "an expired id is free");
    assert_eq!(store.load(&k, None).await.unwrap().expect("created").data, sample(1));

    let other = key();
    let doc = doc! { "id": &other, "val": Binary { subtype: BinarySubtype::Generic, bytes: vec![0x80] }, "expiration": DateTime::from_system_time(past) };
    sessions.insert_one(doc).await.unwrap();
    // The TTL purge may beat us to it (nx-27017 purges lazily), so at most one is left to delete.
    assert!(store.delete_expired().await.unwrap() <= 1);
    assert_eq!(sessions.count_documents(doc! { "id": &other }).await.unwrap(), 0);
    store.delete(&k).await.unwrap();
}

#[tokio::test]
async fn bad_urls_fail_at_connect() {
    for bad in ["", "not a url", "http://127.0.0.1:27017"] {
        assert!(connect(bad, StoreOptions::default()).await.is_err(), "{bad:?}");
    }
    let port = common::spawn::spare_port();
    let t = Instant::now();
    let e = connect(&format!("mongodb://127.0.0.1:{port}"), StoreOptions::default().with_timeout(Duration::from_millis(500)))
        .await
        .unwrap_err();
    assert!(t.elapsed() < Duration::from_millis(1500), "{e} after {:?}", t.elapsed());
}

fn nx_program() -> String {
    std::env::var("NX_27017").unwrap_or_else(|_| "/opt/nx-27017-venv/bin/nx-27017".into())
}

/// A server that goes away: operations fail within the timeout (the test process lives on),
/// and the same store object works again once the server is back, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_goes_away_and_comes_back() {
    let mut server = Server::start(
        &nx_program(),
        &["--host", "127.0.0.1", "-p", "{port}", "--db", "memory", "--log-file", "/dev/null", "--pid-file", "/tmp/session-tests-nx-{port}.pid"],
    );
    let timeout = Duration::from_millis(1000);
    let url = format!("mongodb://127.0.0.1:{}", server.port);
    let store = connect(&url, StoreOptions::default().with_timeout(timeout)).await.expect("connect to the spawned nx-27017");
    store_survives_its_server("mongodb", &store, &mut server, timeout).await;
}

fn http_settings(url: &str) -> Settings {
    let mut s = settings(url);
    s.session_type = session_runtime::SessionType::Mongodb;
    s
}

/// Over real HTTP: the document a request leaves is Flask-Session 0.8's; clearing deletes it.
#[tokio::test]
async fn http_requests_leave_flask_documents() {
    let s = http_settings(&env::mongodb_url());
    let client = Client::with_uri_str(env::mongodb_url()).await.unwrap();
    let sessions: Collection<Document> = client.database(DB).collection(&s.session_mongodb_collect);
    let base = common::backend_http::app(s).await;
    let (b, sid) = common::backend_http::first_visit(&base).await;
    let k = format!("session:{sid}");
    let doc = sessions.find_one(doc! { "id": &k }).await.unwrap().expect("a document with id = session:<sid>");
    match doc.get("val") {
        Some(Bson::Binary(v)) => assert_eq!(v.bytes, common::backend_http::visits_msgpack(1)),
        other => panic!("val must be Binary, got {other:?}"),
    }
    match doc.get("expiration") {
        Some(Bson::DateTime(d)) => assert!(near(d.to_system_time(), SystemTime::now() + LIFETIME)),
        other => panic!("expiration must be a date, got {other:?}"),
    }
    assert_eq!(common::http::text(&b, &format!("{base}/get")).await, "1");
    assert_eq!(common::http::text(&b, &format!("{base}/incr")).await, "2");
    let doc = sessions.find_one(doc! { "id": &k }).await.unwrap().unwrap();
    assert!(matches!(doc.get("val"), Some(Bson::Binary(v)) if v.bytes == common::backend_http::visits_msgpack(2)));
    assert_eq!(sessions.count_documents(doc! { "id": &k }).await.unwrap(), 1);
    assert_eq!(common::http::text(&b, &format!("{base}/clear")).await, "cleared");
    assert_eq!(sessions.count_documents(doc! { "id": &k }).await.unwrap(), 0, "an emptied session is deleted");
}

/// Over real HTTP: a document whose expiration passed reads as a fresh session and is gone
/// afterwards (deleted by the lifecycle on MongoDB; nx-27017 drops it itself when a query meets it).
#[tokio::test]
async fn http_an_expired_document_is_deleted_when_its_cookie_returns() {
    let s = http_settings(&env::mongodb_url());
    let client = Client::with_uri_str(env::mongodb_url()).await.unwrap();
    let sessions: Collection<Document> = client.database(DB).collection(&s.session_mongodb_collect);
    let base = common::backend_http::app(s).await;
    let (b, sid) = common::backend_http::first_visit(&base).await;
    let k = format!("session:{sid}");
    let past = DateTime::from_system_time(SystemTime::now() - Duration::from_secs(10));
    let moved = sessions.update_one(doc! { "id": &k }, doc! { "$set": { "expiration": past } }).await.unwrap();
    assert_eq!(moved.matched_count, 1);
    assert_eq!(common::http::text(&b, &format!("{base}/get")).await, "none", "an expired session reads as a fresh one");
    assert_eq!(sessions.count_documents(doc! { "id": &k }).await.unwrap(), 0, "the expired document was deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_server_goes_away_and_comes_back() {
    let mut server = Server::start(
        &nx_program(),
        &["--host", "127.0.0.1", "-p", "{port}", "--db", "memory", "--log-file", "/dev/null", "--pid-file", "/tmp/session-tests-nx-{port}.pid"],
    );
    let url = format!("mongodb://127.0.0.1:{}", server.port);
    common::backend_http::outage(http_settings(&url), &mut server).await;
}

/// MongoDB refuses documents over 16 MiB: a bigger session is `TooLarge` before it is sent, for
/// both `save` and `create`, and the stored one stays as it was.
#[tokio::test]
async fn over_the_document_limit_is_refused_and_the_old_session_stays() {
    use session_runtime::store::mongodb::MAX_VALUE;
    use session_runtime::StoreError;

    // Above MongoDB's own limit, so that one is what refuses.
    let store = store().await.with_max_session_size(2 * MAX_VALUE);
    let k = key();
    let e = Expiry::after(Duration::from_secs(600));
    assert!(store.create(&k, &sample(1), &e).await.unwrap());
    let mut big = sample(2);
    big.insert("blob", Value::Binary(vec![7; MAX_VALUE + 1]));
    for attempt in [store.save(&k, &big, &e).await.map(drop), store.create(&key(), &big, &e).await.map(drop)] {
        match attempt {
            Err(e @ StoreError::TooLarge { store: "mongodb", limit: MAX_VALUE, .. }) => {
                assert!(e.to_string().contains("limit"), "{e}");
            }
            other => panic!("a session over 16 MiB must be refused as TooLarge, got {other:?}"),
        }
    }
    assert_eq!(store.load(&k, None).await.unwrap().unwrap().data, sample(1), "the stored session is intact");
    store.delete(&k).await.unwrap();
}
