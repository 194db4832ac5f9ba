//! A `#[session_model]` with a `user_id` column filled from the session: listing and revoking
//! every session of a user.

use std::time::Duration;

use chrono::NaiveDateTime;
use session_runtime::store::sql::{Backend, SqlStore};
use session_runtime::store::StoreOptions;
use session_runtime::{session_model, Expiry, SessionMap, SessionModel, SessionStore, Value};

use crate::support::Raw;

diesel::table! {
    user_sessions (id) {
        id -> Integer,
        session_id -> Varchar,
        data -> Binary,
        expiry -> Nullable<Timestamp>,
        user_id -> Nullable<Varchar>,
        note -> Nullable<Varchar>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

#[session_model(table = user_sessions)]
#[allow(dead_code)]
pub struct UserSession {
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
    /// Not written by the store: the database default (NULL) applies.
    #[session(default)]
    note: Option<String>,
    #[session(created_at)]
    created_at: NaiveDateTime,
    #[session(updated_at)]
    updated_at: NaiveDateTime,
}

fn user(id: Option<&str>) -> SessionMap {
    let mut m = SessionMap::new();
    m.insert("_permanent", Value::Boolean(true));
    if let Some(id) = id {
        m.insert("_user_id", Value::from(id));
    }
    m
}

pub async fn user_sessions_listed_and_revoked(url: &str) {
    let raw = Raw::new(url);
    raw.drop_table("user_sessions").await;
    let store = SqlStore::connect_with_model::<UserSession>(url, StoreOptions::default()).await.unwrap();
    assert_eq!(store.schema().table, "user_sessions");
    let e = Expiry::after(Duration::from_secs(3600));
    for (key, id) in [("session:laptop", Some("42")), ("session:phone", Some("42")), ("session:other", Some("7")), ("session:anon", None)] {
        assert!(store.create(key, &user(id), &e).await.unwrap());
    }
    // A save that logs in fills the column on update too.
    assert!(store.save("session:anon", &user(Some("42")), &e).await.unwrap());
    let n = raw.count("SELECT COUNT(*) AS n FROM user_sessions WHERE user_id = '42' AND created_at IS NOT NULL AND updated_at IS NOT NULL").await;
    assert_eq!(n, 3);
    assert_eq!(raw.count("SELECT COUNT(*) AS n FROM user_sessions WHERE note IS NULL").await, 4, "`default` columns are left alone");

    let listed = store.sessions_where(UserSession::by_user_id("42")).await.unwrap();
    let keys: Vec<&str> = listed.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, ["session:anon", "session:laptop", "session:phone"]);
    assert!(listed.iter().all(|s| s.data.as_ref().is_some_and(|d| d.get("_user_id") == Some(&Value::from("42")))));

    assert_eq!(store.revoke_where(UserSession::by_user_id("42")).await.unwrap(), 3);
    assert_eq!(store.load("session:laptop", None).await.unwrap(), None, "logged out everywhere");
    assert!(store.load("session:other", None).await.unwrap().is_some(), "other users untouched");
    assert!(store.sessions_where(UserSession::by_user_id("42")).await.unwrap().is_empty());
    raw.drop_table("user_sessions").await;
}

pub async fn model_ddl_has_user_index(_url: &str) {
    let pg = UserSession::create_table_sql(Backend::Postgres);
    assert!(pg[0].contains("\"user_id\" VARCHAR(255) NULL"), "{}", pg[0]);
    assert!(pg[0].contains("\"created_at\" TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT now()"), "{}", pg[0]);
    assert!(pg.iter().any(|s| s.contains("\"ix_user_sessions_expiry\"")), "a model keeps its expiry index");
    assert!(pg[0].contains("\"note\" VARCHAR(255) NULL"), "{}", pg[0]);
    assert!(pg.iter().any(|s| s == "CREATE INDEX IF NOT EXISTS \"ix_user_sessions_user_id\" ON \"user_sessions\" (\"user_id\")"));
    let my = UserSession::create_table_sql(Backend::Mysql);
    assert!(my[0].contains("INDEX `ix_user_sessions_user_id` (`user_id`)"), "{}", my[0]);
}
