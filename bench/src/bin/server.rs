//! session-runtime's layer over any of the benchmarked stores.
//!
//! `server --store redis|filesystem|postgres`, on `127.0.0.1:$PORT`. Settings are the defaults
//! (msgpack, 31-day permanent sessions, refresh on each request) but for where each store is:
//! `REDIS_URL`, `FS_DIR`, `PG_URL`.

use axum::routing::get;
use axum::Router;
use session_runtime::store::sql::SqlStore;
use session_runtime::store::{FilesystemStore, RedisStore};
use session_bench::{incr, read};
use session_runtime::{SessionLayer, SessionType, Settings};

/// Takes no `Session`: the layer must cost no store round trip here.
async fn none() -> &'static str {
    "ok"
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let store = match args.iter().position(|a| a == "--store") {
        Some(i) => args.get(i + 1).cloned().unwrap_or_default(),
        None => String::new(),
    };
    let mut settings = Settings::default();
    // Until `Settings::into_layer` builds the network and SQL stores, each is built here with
    // its own constructor, from the same settings.
    let layer = match store.as_str() {
        "redis" => {
            settings.session_type = SessionType::Redis;
            settings.session_redis = env_or("REDIS_URL", "redis://127.0.0.1:6379");
            SessionLayer::new(RedisStore::connect(&settings).await?, settings)?
        }
        "filesystem" => {
            settings.session_type = SessionType::Filesystem;
            settings.session_file_dir = env_or("FS_DIR", "/tmp/session-bench/fs").into();
            SessionLayer::new(FilesystemStore::from_settings(&settings)?, settings)?
        }
        "postgres" => {
            settings.session_type = SessionType::Sqlalchemy;
            settings.session_sqlalchemy = Some(env_or("PG_URL", "postgres://postgres@127.0.0.1:5432/test"));
            SessionLayer::new(SqlStore::connect(&settings).await?, settings)?
        }
        other => return Err(format!("--store must be redis, filesystem or postgres, not {other:?}").into()),
    };
    let app = Router::new()
        .route("/incr", get(incr))
        .route("/read", get(read))
        .route("/none", get(none))
        .layer(layer);
    session_bench::serve(&format!("server --store {store}"), app).await;
    Ok(())
}
