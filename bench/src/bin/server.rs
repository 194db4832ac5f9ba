//! session-runtime's layer over any of the benchmarked stores.
//!
//! `server --store redis|filesystem|postgres|memcached|mongodb|sqlite|mysql [--refresh-interval SECS] [--user-key]`
//! `[--file-threshold N]`,
//! on `127.0.0.1:$PORT`. Settings are the defaults (msgpack, 31-day permanent sessions, refresh
//! on each request) but for where each store is: `REDIS_URL`, `FS_DIR`, `PG_URL`,
//! `MEMCACHED_URL`, `MONGODB_URL`, `SQLITE_PATH`, `MYSQL_URL`; `--refresh-interval` turns refresh
//! throttling on (`session_refresh_interval`), so an unmodified session's read is a pure read.
//! `--user-key` sets `session_user_key = "_user_id"` (SQL: in the table `bench_owned_sessions`,
//! which has the indexed `user_id` column) and makes `/incr` log each new session in as one of
//! 32 users, so every save and refresh also keeps the user index: what the index costs.
//! `--file-threshold` sets `session_file_threshold` (0: unbounded), so the scale step can hold
//! 100,000 session files, which the default 500 prunes away.

use std::sync::atomic::{AtomicUsize, Ordering};

use axum::routing::get;
use axum::Router;
use session_bench::{incr, read};
use session_runtime::{Session, SessionError, Settings};

const USER_KEY: &str = "_user_id";

/// `/incr`, on a session that belongs to a user (one of 32, given out in turn when it is new).
async fn incr_owned(session: Session) -> Result<String, SessionError> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    if session.get::<String>(USER_KEY).await?.is_none() {
        session.insert(USER_KEY, &format!("user{}", NEXT.fetch_add(1, Ordering::Relaxed) % 32)).await?;
    }
    incr(session).await
}

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
    let arg = |name: &str| args.iter().position(|a| a == name).map(|i| args.get(i + 1).cloned().unwrap_or_default());
    let store = arg("--store").unwrap_or_default();
    let refresh_interval = match arg("--refresh-interval") {
        Some(secs) => Some(std::time::Duration::from_secs(secs.parse().map_err(|_| format!("--refresh-interval takes whole seconds, not {secs:?}"))?)),
        None => None,
    };
    let mut settings = match store.as_str() {
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
    settings.session_refresh_interval = refresh_interval;
    if let Some(n) = arg("--file-threshold") {
        settings.session_file_threshold = n.parse().map_err(|_| format!("--file-threshold takes a file count, not {n:?}"))?;
    }
    let owned = args.iter().any(|a| a == "--user-key");
    if owned {
        settings.session_user_key = Some(USER_KEY.into());
        settings.session_sqlalchemy_table = "bench_owned_sessions".into();
    }
    let layer = settings.into_layer().await?;
    let app = Router::new()
        .route("/incr", if owned { get(incr_owned) } else { get(incr) })
        .route("/read", get(read))
        .route("/none", get(none))
        .layer(layer);
    let mut name = format!("server --store {store}");
    if let Some(i) = refresh_interval {
        name += &format!(" --refresh-interval {}", i.as_secs());
    }
    if owned {
        name += " --user-key";
    }
    session_bench::serve(&name, app).await;
    Ok(())
}
