//! A real Flask-Session 0.8 app (redis-py, pymemcache, pymongo, Flask-SQLAlchemy) and the Rust
//! app on one Redis, memcached, MongoDB or PostgreSQL store and one cookie jar, each reading what
//! the other wrote; and sessions older Flask-Session versions left in Redis.

mod common;
#[allow(dead_code)]
#[path = "../../session-runtime/examples/flask_compat.rs"]
mod flask_compat;

use common::env;
use common::flask::{run_python, FlaskApp};
use common::http::{browser, serve};
use common::interop;
use session_runtime::{SecretKey, SessionType, Settings};

/// The Flask app and the Rust app on the store `kind`; both use the seed's defaults (prefix
/// `session:`, database `flask_session`, collection `sessions`, 31 days), and sign the cookie
/// with one key when `signed`.
async fn apps(kind: &str, signed: bool) -> (FlaskApp, String) {
    let mut s = Settings::default();
    let mut env = vec![("SESSION_TYPE", kind.to_owned())];
    if signed {
        s.session_use_signer = true;
        s.secret_key = Some(SecretKey::from("shared-secret"));
        env.push(("SESSION_USE_SIGNER", "1".into()));
        env.push(("SECRET_KEY", "shared-secret".into()));
    }
    let store_env = match kind {
        "redis" => {
            s.session_type = SessionType::Redis;
            s.session_redis = env::redis_url();
            ("REDIS_URL", s.session_redis.clone())
        }
        "memcached" => {
            s.session_type = SessionType::Memcached;
            s.session_memcached = env::memcached_url();
            ("MEMCACHED_URL", s.session_memcached.clone())
        }
        "mongodb" => {
            s.session_type = SessionType::Mongodb;
            s.session_mongodb = env::mongodb_url();
            ("MONGODB_URL", s.session_mongodb.clone())
        }
        _ => {
            // A table of its own per test: the tests run in parallel on one database.
            static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let table = format!("flask_interop_{n}");
            s.session_type = SessionType::Sqlalchemy;
            s.session_sqlalchemy = Some(env::postgres_url());
            s.session_sqlalchemy_table = table.clone();
            env.push(("SESSION_SQLALCHEMY_TABLE", table));
            ("DATABASE_URL", env::postgres_url())
        }
    };
    env.push(store_env);
    // The Rust side creates the table (Flask-Session's `checkfirst` then leaves it alone).
    let rust = serve(flask_compat::router().layer(s.into_layer().await.expect("session layer"))).await;
    let flask = common::flask::start(&env).await;
    (flask, rust)
}

macro_rules! interop_on {
    ($name:ident, $kind:literal) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn values_cross_both_ways() {
                let (flask, rust) = apps($kind, false).await;
                interop::values_cross_both_ways(&flask.base, &rust).await;
            }

            #[tokio::test]
            async fn signed_cookies_cross_and_tampering_is_refused() {
                let (flask, rust) = apps($kind, true).await;
                interop::tampered_cookies_refused(&flask.base, &rust).await;
            }

            #[tokio::test]
            async fn flashes_cross() {
                let (flask, rust) = apps($kind, false).await;
                interop::flashes_cross(&flask.base, &rust).await;
            }

            #[tokio::test]
            async fn both_writers_survive_and_clear_is_shared() {
                let (flask, rust) = apps($kind, false).await;
                interop::shared_session_and_clear(&flask.base, &rust).await;
            }
        }
    };
}

interop_on!(redis, "redis");
interop_on!(memcached, "memcached");
interop_on!(mongodb, "mongodb");
interop_on!(sqlalchemy, "sqlalchemy");

/// A session Flask-Session 0.6 or Flask Unchained left in Redis (a pickled dict under a uuid4
/// id) is read, and rewritten as msgpack when the Rust side modifies it.
#[tokio::test]
async fn old_pickled_sessions_with_uuid_ids_are_read_and_upgraded() {
    let mut s = Settings::default();
    s.session_type = SessionType::Redis;
    s.session_redis = env::redis_url();
    let rust = serve(flask_compat::router().layer(s.into_layer().await.unwrap())).await;
    let sid = "7f6c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f";
    let write_old = r#"
import pickle, sys, redis
r = redis.from_url(sys.argv[1])
r.set("session:" + sys.argv[2], pickle.dumps({"_permanent": True, "name": "alice", "_user_id": "3"}, protocol=4), ex=3600)
"#;
    run_python(write_old, &[&env::redis_url(), sid]);

    let client = browser();
    let cookie = format!("session={sid}");
    let get = |k: &str| client.get(format!("{rust}/get?k={k}")).header("cookie", cookie.clone()).send();
    assert_eq!(get("name").await.unwrap().text().await.unwrap(), "\"alice\"");
    client.get(format!("{rust}/set?k=visits&v=1&t=int")).header("cookie", cookie.clone()).send().await.unwrap();

    let read_new = r#"
import json, sys, msgspec, redis
raw = redis.from_url(sys.argv[1]).get("session:" + sys.argv[2])
print(json.dumps(msgspec.msgpack.decode(raw)))
"#;
    let stored: serde_json::Value = serde_json::from_str(&run_python(read_new, &[&env::redis_url(), sid])).unwrap();
    assert_eq!(stored, serde_json::json!({"_permanent": true, "name": "alice", "_user_id": "3", "visits": 1}));
}
