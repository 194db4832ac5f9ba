//! tower-sessions with its Redis store (tower-sessions-redis-store, on fred): the layer users
//! compare us with.
//!
//! Configured for the same semantics as session-runtime's defaults: a 31-day lifetime moved on
//! every request (`Expiry::OnInactivity` + `with_always_save(true)`, tower-sessions' way to keep
//! an unmodified session alive), cookie `session`. The fred pool has 6 connections, as in
//! tower-sessions-redis-store's own example.

use axum::routing::get;
use axum::Router;
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use tower_sessions_redis_store::fred::prelude::{ClientLike, Config, Pool};
use tower_sessions_redis_store::RedisStore;

async fn incr(session: Session) -> Result<String, (axum::http::StatusCode, String)> {
    let fail = |e: tower_sessions::session::Error| (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    let n = session.get::<u64>("n").await.map_err(fail)?.unwrap_or(0) + 1;
    session.insert("n", n).await.map_err(fail)?;
    Ok(n.to_string())
}

async fn read(session: Session) -> Result<String, (axum::http::StatusCode, String)> {
    let fail = |e: tower_sessions::session::Error| (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    Ok(session.get::<u64>("n").await.map_err(fail)?.unwrap_or(0).to_string())
}

async fn none() -> &'static str {
    "ok"
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let pool = Pool::new(Config::from_url(&url)?, None, None, None, 6)?;
    // The connection task runs for the life of the process.
    let _conn = pool.connect();
    pool.wait_for_connect().await?;
    let layer = SessionManagerLayer::new(RedisStore::new(pool))
        .with_name("session")
        .with_secure(false)
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(session_bench::LIFETIME.as_secs() as i64)))
        .with_always_save(true);
    let app = Router::new()
        .route("/incr", get(incr))
        .route("/read", get(read))
        .route("/none", get(none))
        .layer(layer);
    session_bench::serve("tower_sessions", app).await;
    Ok(())
}
