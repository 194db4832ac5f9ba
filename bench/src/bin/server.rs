//! session-runtime's layer over any of the benchmarked stores.
//!
//! `server --store redis|filesystem|postgres|memcached|mongodb|sqlite|mysql`, on
//! `127.0.0.1:$PORT`. Settings are the defaults (msgpack, 31-day permanent sessions, refresh on
//! each request) but for where each store is: `REDIS_URL`, `FS_DIR`, `PG_URL`, `MEMCACHED_URL`,
//! `MONGODB_URL`, `SQLITE_PATH`, `MYSQL_URL`.

use axum::routing::get;
use axum::Router;
use session_bench::{incr, read};
use session_runtime::Settings;

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
    let settings = match store.as_str() {
        #[cfg(feature = "redis")]
        "redis" => Settings::redis(env_or("REDIS_URL", "redis://127.0.0.1:6379")),
        "filesystem" => Settings::filesystem(env_or("FS_DIR", "/tmp/session-bench/fs")),
        #[cfg(feature = "postgres")]
        "postgres" => Settings::sqlalchemy(env_or("PG_URL", "postgres://postgres@127.0.0.1:5432/test")),
        #[cfg(feature = "memcached")]
        "memcached" => Settings::memcached(env_or("MEMCACHED_URL", "memcache://127.0.0.1:11211")),
        #[cfg(feature = "mongodb")]
        "mongodb" => Settings::mongodb(env_or("MONGODB_URL", "mongodb://127.0.0.1:27017")),
        // SQLAlchemy's form: `sqlite:///` then the path, absolute here.
        #[cfg(feature = "sqlite")]
        "sqlite" => Settings::sqlalchemy(format!("sqlite:///{}", env_or("SQLITE_PATH", "/tmp/session-bench/sqlite.db"))),
        #[cfg(feature = "mysql")]
        "mysql" => Settings::sqlalchemy(env_or("MYSQL_URL", "mysql://root@127.0.0.1:3306/test")),
        other => {
            return Err(format!("--store {other:?} is not one this binary was built with (see bench/Cargo.toml's features)").into())
        }
    };
    let layer = settings.into_layer().await?;
    let app = Router::new()
        .route("/incr", get(incr))
        .route("/read", get(read))
        .route("/none", get(none))
        .layer(layer);
    session_bench::serve(&format!("server --store {store}"), app).await;
    Ok(())
}
