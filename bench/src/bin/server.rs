//! session-runtime's layer over any of the benchmarked stores.
//!
//! `server --store redis|filesystem|postgres`, on `127.0.0.1:$PORT`. Settings are the defaults
//! (msgpack, 31-day permanent sessions, refresh on each request) but for where each store is:
//! `REDIS_URL`, `FS_DIR`, `PG_URL`.

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
        "redis" => Settings::redis(env_or("REDIS_URL", "redis://127.0.0.1:6379")),
        "filesystem" => Settings::filesystem(env_or("FS_DIR", "/tmp/session-bench/fs")),
        "postgres" => Settings::sqlalchemy(env_or("PG_URL", "postgres://postgres@127.0.0.1:5432/test")),
        other => return Err(format!("--store must be redis, filesystem or postgres, not {other:?}").into()),
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
