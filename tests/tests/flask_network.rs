//! A real Flask-Session 0.8 app (redis-py, pymemcache, pymongo) and the Rust app on one Redis,
//! memcached or MongoDB store and one cookie jar, each reading what the other wrote.

mod common;
#[allow(dead_code)]
#[path = "../../session-runtime/examples/flask_compat.rs"]
mod flask_compat;

use common::env;
use common::flask::FlaskApp;
use common::http::serve;
use common::interop;
use session_runtime::{SessionType, Settings};

/// The Flask app and the Rust app on the store `kind`; both use the seed's defaults (prefix
/// `session:`, database `flask_session`, collection `sessions`, 31 days).
async fn apps(kind: &str) -> (FlaskApp, String) {
    let mut s = Settings::default();
    let env = match kind {
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
        _ => {
            s.session_type = SessionType::Mongodb;
            s.session_mongodb = env::mongodb_url();
            ("MONGODB_URL", s.session_mongodb.clone())
        }
    };
    let flask = FlaskApp::start(&[("SESSION_TYPE", kind.to_owned()), env]).await;
    let rust = serve(flask_compat::router().layer(s.into_layer().await.expect("session layer"))).await;
    (flask, rust)
}

macro_rules! interop_on {
    ($name:ident, $kind:literal) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn values_cross_both_ways() {
                let (flask, rust) = apps($kind).await;
                interop::values_cross_both_ways(&flask.base, &rust).await;
            }

            #[tokio::test]
            async fn flashes_cross() {
                let (flask, rust) = apps($kind).await;
                interop::flashes_cross(&flask.base, &rust).await;
            }

            #[tokio::test]
            async fn both_writers_survive_and_clear_is_shared() {
                let (flask, rust) = apps($kind).await;
                interop::shared_session_and_clear(&flask.base, &rust).await;
            }
        }
    };
}

interop_on!(redis, "redis");
interop_on!(memcached, "memcached");
interop_on!(mongodb, "mongodb");
