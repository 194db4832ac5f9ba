//! The SQL store against a real database: the rows it writes, expiry, cleanup, Flask's table.

use std::time::{Duration, SystemTime};

use session_runtime::codec::{self, SerializationFormat};
use session_runtime::store::sql::SqlStore;
use session_runtime::store::{StoreOptions, Touched};
use session_runtime::{Expiry, SessionMap, SessionStore, Value};

use crate::support::{naive, settings, Raw};

pub fn alice() -> SessionMap {
    let mut m = SessionMap::new();
    m.insert("_permanent", Value::Boolean(true));
    m.insert("name", Value::from("alice"));
    m.insert("visits", Value::from(3));
    m
}

async fn fresh(url: &str, table: &str) -> (SqlStore, Raw) {
    let raw = Raw::new(url);
    raw.drop_table(table).await;
    let store = SqlStore::connect(url, table, StoreOptions::default()).await.expect("connect");
    (store, raw)
}

fn lifetime() -> Duration {
    Duration::from_secs(31 * 86_400)
}

/// `session_id` = prefix + sid, `data` = the msgpack map, `expiry` = now + lifetime (naive UTC).
pub async fn rows_have_flask_layout(url: &str) {
    let table = "t_layout";
    let (store, raw) = fresh(url, table).await;
    assert_eq!(store.schema().table, table);
    let key = "session:uE8VW5JpjcNUdBJq6_3IGjSR5921D4avEevMeqhgYP0";
    assert!(store.create(key, &alice(), &Expiry::after(lifetime())).await.unwrap());
    let row = raw.row(table, key).await.expect("row written");
    assert_eq!(row.session_id.as_deref(), Some(key));
    let data = row.data.unwrap();
    assert_eq!(data, codec::encode(&alice(), SerializationFormat::Msgpack).unwrap());
    assert_eq!(data[0], 0x83, "a msgpack fixmap of 3 entries");
    let want = naive(SystemTime::now() + lifetime());
    let got = row.expiry.expect("expiry set");
    assert!((want - got).num_seconds().abs() <= 2, "expiry {got} vs {want}");
    let loaded = store.load(key, None).await.unwrap().expect("loads");
    assert_eq!(loaded.data, alice());
    raw.drop_table(table).await;
}

/// The store reports an expired row as it is, its expiry in the past: deciding that it is gone
/// (and deleting it) is the lifecycle's, see `http::an_expired_row_is_deleted_when_its_cookie_returns`.
pub async fn expired_row_is_reported_as_it_is(url: &str) {
    let table = "t_expired_read";
    let (store, raw) = fresh(url, table).await;
    assert!(store.create("session:old", &alice(), &Expiry::after(lifetime())).await.unwrap());
    raw.expire(table, "session:old").await;
    let loaded = store.load("session:old", None).await.unwrap().expect("the row is reported");
    assert_eq!(loaded.data, alice());
    assert!(loaded.expires_at.expect("the row's expiry") < SystemTime::now(), "{:?}", loaded.expires_at);
    let (for_update, _) = store.load_for_update("session:old").await.unwrap().expect("reported for update too");
    assert_eq!(for_update.expires_at, loaded.expires_at);
    assert!(raw.row(table, "session:old").await.is_some(), "a read deletes nothing");
    raw.drop_table(table).await;
}

pub async fn save_create_touch_delete(url: &str) {
    let table = "t_verbs";
    let (store, raw) = fresh(url, table).await;
    let e = Expiry::after(lifetime());
    assert!(store.create("session:a", &alice(), &e).await.unwrap());
    assert!(!store.create("session:a", &SessionMap::new(), &e).await.unwrap(), "collision is Ok(false)");
    assert_eq!(store.load("session:a", None).await.unwrap().unwrap().data, alice(), "collision wrote nothing");

    let mut m = alice();
    m.insert("visits", Value::from(4));
    assert!(store.save("session:a", &m, &e).await.unwrap());
    assert_eq!(store.load("session:a", None).await.unwrap().unwrap().data, m, "save replaced");
    assert_eq!(raw.keys(table).await, ["session:a"], "one row per key");

    raw.exec(&format!("UPDATE {table} SET expiry = '2100-01-01 00:00:00' WHERE session_id = 'session:a'")).await;
    let before = raw.row(table, "session:a").await.unwrap();
    assert_eq!(store.touch("session:a", &Expiry::after(Duration::from_secs(60))).await.unwrap(), Touched::Refreshed);
    let after = raw.row(table, "session:a").await.unwrap();
    assert_eq!(after.data, before.data, "touch leaves data alone");
    assert!(after.expiry.unwrap() < before.expiry.unwrap(), "touch moved the expiry");
    assert_eq!(store.touch("session:none", &e).await.unwrap(), Touched::Missing);

    store.delete("session:a").await.unwrap();
    store.delete("session:a").await.unwrap();
    assert!(!store.save("session:a", &m, &e).await.unwrap(), "a save never inserts a deleted row again");
    assert!(raw.keys(table).await.is_empty());
    raw.drop_table(table).await;
}

pub async fn two_live_two_expired(store: &SqlStore, raw: &Raw, table: &str) {
    for k in ["session:live1", "session:live2", "session:dead1", "session:dead2"] {
        assert!(store.create(k, &alice(), &Expiry::after(lifetime())).await.unwrap());
    }
    raw.expire(table, "session:dead1").await;
    raw.expire(table, "session:dead2").await;
}

pub async fn delete_expired_one_shot(url: &str) {
    let table = "t_cleanup_once";
    let (store, raw) = fresh(url, table).await;
    two_live_two_expired(&store, &raw, table).await;
    assert_eq!(store.delete_expired().await.unwrap(), 2);
    assert_eq!(raw.keys(table).await, ["session:live1", "session:live2"]);
    raw.drop_table(table).await;
}

/// `SessionLayer::spawn_cleanup` sweeps the layer's store on a timer.
pub async fn background_cleanup_task(url: &str) {
    let table = "t_cleanup_task";
    let (store, raw) = fresh(url, table).await;
    two_live_two_expired(&store, &raw, table).await;
    let layer = session_runtime::SessionLayer::new(store, settings(url, table)).unwrap();
    let task = layer.spawn_cleanup(Duration::from_millis(100));
    let mut keys = raw.keys(table).await;
    for _ in 0..50 {
        if keys.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        keys = raw.keys(table).await;
    }
    assert_eq!(keys, ["session:live1", "session:live2"]);
    task.abort();
    raw.drop_table(table).await;
}

/// A table made by Flask-Session 0.8's own DDL (table `sessions`, nullable columns, MySQL
/// `BLOB`/`DATETIME`), holding a row Python wrote: read, rewritten, left unaltered.
pub async fn flask_session_table(url: &str) {
    let table = "t_flask_sessions";
    let raw = Raw::new(url);
    raw.drop_table(table).await;
    let ddl = if raw.is_postgres() {
        format!("CREATE TABLE {table} (id SERIAL NOT NULL, session_id VARCHAR(255), data BYTEA, \
                 expiry TIMESTAMP WITHOUT TIME ZONE, PRIMARY KEY (id), UNIQUE (session_id))")
    } else if raw.is_mysql() {
        format!("CREATE TABLE {table} (id INTEGER NOT NULL AUTO_INCREMENT, session_id VARCHAR(255), data BLOB, \
                 expiry DATETIME, PRIMARY KEY (id), UNIQUE (session_id))")
    } else {
        format!("CREATE TABLE {table} (id INTEGER NOT NULL, session_id VARCHAR(255), data BLOB, \
                 expiry DATETIME, PRIMARY KEY (id), UNIQUE (session_id))")
    };
    raw.exec(&ddl).await;
    // flask-format.md (e): the observed row, with its expiry moved into the future.
    let blob = if raw.is_postgres() { "'\\x83AA5F7065726D616E656E74C3A46E616D65A5616C696365A16E2A'" } else { "x'83AA5F7065726D616E656E74C3A46E616D65A5616C696365A16E2A'" };
    raw.exec(&format!(
        "INSERT INTO {table} (session_id, data, expiry) VALUES ('session:yjhT6T', {blob}, '2100-12-26 17:00:16.614721')"
    ))
    .await;

    let store = SqlStore::connect(url, table, StoreOptions::default()).await.unwrap();
    assert!(!store.create_table().await.unwrap(), "an existing table is left as it is");
    let loaded = store.load("session:yjhT6T", None).await.unwrap().expect("Flask's row loads");
    assert_eq!(loaded.data.get("name"), Some(&Value::from("alice")));
    assert_eq!(loaded.data.get("n"), Some(&Value::from(42)));
    assert!(loaded.data.is_permanent());

    let mut m = loaded.data.clone();
    m.insert("n", Value::from(43));
    assert!(store.save("session:yjhT6T", &m, &Expiry::after(lifetime())).await.unwrap());
    assert!(store.create("session:rust", &alice(), &Expiry::after(lifetime())).await.unwrap());
    assert_eq!(raw.keys(table).await, ["session:rust", "session:yjhT6T"]);
    assert_eq!(store.load("session:yjhT6T", None).await.unwrap().unwrap().data, m);

    // A NULL expiry (older Flask-Session versions wrote them) never panics the reader.
    raw.exec(&format!("INSERT INTO {table} (session_id, data, expiry) VALUES ('session:nullexp', {blob}, NULL)")).await;
    assert!(store.load("session:nullexp", None).await.is_ok());
    // Nor does a NULL or garbage data column: it is a decode error, not a crash.
    raw.exec(&format!("INSERT INTO {table} (session_id, data, expiry) VALUES ('session:nulldata', NULL, '2100-01-01 00:00:00')")).await;
    assert!(matches!(store.load("session:nulldata", None).await, Err(session_runtime::StoreError::Decode(_))));
    raw.drop_table(table).await;
}

/// MySQL: the `BLOB` data column of Flask-Session's and Flask Unchained's DDL (and so of the table
/// we create) holds 64 KiB. A bigger session is `TooLarge` before anything is sent (outside
/// strict mode MySQL would store it truncated), and the stored one stays as it was; a table
/// migrated to `LONGBLOB` takes it.
pub async fn mysql_blob_column_limit(url: &str) {
    let table = "t_blob_limit";
    let raw = Raw::new(url);
    raw.drop_table(table).await;
    raw.exec(&format!(
        "CREATE TABLE {table} (id INTEGER NOT NULL AUTO_INCREMENT, session_id VARCHAR(255), data BLOB, \
         expiry DATETIME, PRIMARY KEY (id), UNIQUE (session_id))"
    ))
    .await;
    let store = SqlStore::connect(url, table, StoreOptions::default()).await.unwrap();
    let e = Expiry::after(lifetime());
    assert!(store.create("session:big", &alice(), &e).await.unwrap());
    let mut big = alice();
    big.insert("upload", Value::Binary(vec![7; 70_000]));
    for attempt in [store.save("session:big", &big, &e).await.map(drop), store.create("session:new", &big, &e).await.map(drop)] {
        match attempt {
            Err(session_runtime::StoreError::TooLarge { store: "mysql", size, limit: 65_535 }) => assert!(size > 70_000),
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }
    assert_eq!(store.load("session:big", None).await.unwrap().unwrap().data, alice(), "the stored session is intact");
    assert_eq!(raw.keys(table).await, ["session:big"], "nothing half-written");
    raw.drop_table(table).await;

    let (store, raw) = fresh(url, "t_created_blob").await;
    assert!(matches!(store.create("session:big", &big, &e).await, Err(session_runtime::StoreError::TooLarge { limit: 65_535, .. })));
    raw.drop_table("t_created_blob").await;

    raw.drop_table("t_longblob").await;
    raw.exec("CREATE TABLE t_longblob (id INTEGER NOT NULL AUTO_INCREMENT, session_id VARCHAR(255), data LONGBLOB, \
              expiry DATETIME, PRIMARY KEY (id), UNIQUE (session_id))")
        .await;
    let store = SqlStore::connect(url, "t_longblob", StoreOptions::default()).await.unwrap();
    assert!(store.create("session:big", &big, &e).await.unwrap());
    assert_eq!(store.load("session:big", None).await.unwrap().unwrap().data, big);
    raw.drop_table("t_longblob").await;
}

/// The table is created at startup, once, under `session_sqlalchemy_table`.
pub async fn creates_default_table_once(url: &str) {
    let table = "t_created";
    let (store, raw) = fresh(url, table).await;
    assert!(!store.create_table().await.unwrap(), "created by connect already");
    assert_eq!(raw.count(&format!("SELECT COUNT(*) AS n FROM {table}")).await, 0);
    raw.drop_table(table).await;
}

/// PostgreSQL refreshes the expiry inside the load (`UPDATE … RETURNING`); MySQL and SQLite
/// leave it to the save or touch at the end of the request (on SQLite's one writer, a load that
/// writes made `/incr` two writes). An expired row is never revived by a refreshing load.
pub async fn load_with_refresh(url: &str) {
    let table = "t_load_refresh";
    let (store, raw) = fresh(url, table).await;
    assert!(store.create("session:r", &alice(), &Expiry::after(Duration::from_secs(60))).await.unwrap());
    let e = Expiry::after(lifetime());
    let loaded = store.load("session:r", Some(&e)).await.unwrap().unwrap();
    assert_eq!(loaded.data, alice());
    let row = raw.row(table, "session:r").await.unwrap();
    if url.starts_with("postgres") {
        assert!(loaded.refreshed);
        assert_eq!(row.expiry, Some(naive(e.at())), "expiry moved by the load");
    } else {
        assert!(!loaded.refreshed);
        assert_ne!(row.expiry, Some(naive(e.at())), "the load wrote nothing");
    }
    raw.expire(table, "session:r").await;
    let expired = store.load("session:r", Some(&e)).await.unwrap().expect("reported as it is");
    assert!(!expired.refreshed, "an expired row is not refreshed");
    assert!(expired.expires_at.expect("its expiry") < SystemTime::now());
    let row = raw.row(table, "session:r").await.expect("a read deletes nothing");
    assert!(row.expiry.unwrap() < naive(SystemTime::now()), "the expiry stays past: {:?}", row.expiry);
    raw.drop_table(table).await;
}

/// A database that is not there fails `connect` within the pool's checkout timeout, with an
/// error that names the backend, instead of hanging the application's startup.
pub async fn unreachable_server_fails_fast(url: &str) {
    let dead = if url.starts_with("postgres") {
        "postgres://postgres@127.0.0.1:1/test".to_owned()
    } else if url.starts_with("mysql") {
        "mysql://root@127.0.0.1:1/test".to_owned()
    } else {
        "/nonexistent-dir/sessions.db".to_owned()
    };
    let started = std::time::Instant::now();
    let err = SqlStore::connect(&dead, "t", StoreOptions::default()).await.expect_err("no server");
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    assert!(matches!(err, session_runtime::StoreError::Backend { .. }), "{err}");
}

/// SQLite's `:memory:` keeps one connection, so the sessions stay in one database.
pub async fn sqlite_in_memory(_url: &str) {
    let store = SqlStore::connect(":memory:", "flask_sessions", StoreOptions::default()).await.unwrap();
    assert!(store.create("session:m", &alice(), &Expiry::after(lifetime())).await.unwrap());
    assert_eq!(store.load("session:m", None).await.unwrap().unwrap().data, alice());
}
