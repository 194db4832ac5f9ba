//! The filesystem floor: one file per session, named by its id, holding msgpack. `/incr` reads
//! the file, then writes a temp file and renames it over (atomic, as any safe store must);
//! `/read` reads it. Each step runs on tokio's blocking pool, as file I/O in an async server must.
//!
//! No hashing of names, no expiry header, no pruning: the minimum, which is what session-runtime's
//! cachelib-compatible store (sha256 names, 4-byte header, pickle) is measured against.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use session_bench::{decode, encode, fresh, get_n, new_id, session_cookie, set_cookie};

type Dir = State<Arc<PathBuf>>;

fn fail(e: impl std::fmt::Display) -> Response {
    eprintln!("floor_fs: {e}");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

async fn load(dir: &Path, id: Option<&str>) -> Option<session_bench::FloorSession> {
    tokio::fs::read(dir.join(id?)).await.ok().as_deref().and_then(decode)
}

async fn incr(State(dir): Dir, headers: HeaderMap) -> Response {
    let id = session_cookie(&headers);
    let (id, mut session, new) = match load(&dir, id).await {
        Some(s) => (id.unwrap_or_default().to_owned(), s, false),
        None => (new_id(), fresh(), true),
    };
    let n = get_n(&session) + 1;
    session.insert("n".into(), n.into());
    let bytes = encode(&session);
    let (target, tmp) = (dir.join(&id), dir.join(format!(".{}.tmp", new_id())));
    let written = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        f.write_all(&bytes)?;
        std::fs::rename(&tmp, &target)
    })
    .await;
    match written {
        Ok(Ok(())) if new => ([(header::SET_COOKIE, set_cookie(&id))], n.to_string()).into_response(),
        Ok(Ok(())) => n.to_string().into_response(),
        Ok(Err(e)) => fail(e),
        Err(e) => fail(e),
    }
}

async fn read(State(dir): Dir, headers: HeaderMap) -> Response {
    load(&dir, session_cookie(&headers)).await.map_or(0, |s| get_n(&s)).to_string().into_response()
}

async fn none() -> &'static str {
    "ok"
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(std::env::var("FS_DIR").unwrap_or_else(|_| "/tmp/session-bench/floor_fs".into()));
    std::fs::create_dir_all(&dir)?;
    let app = Router::new()
        .route("/incr", get(incr))
        .route("/read", get(read))
        .route("/none", get(none))
        .with_state(Arc::new(dir));
    session_bench::serve("floor_fs", app).await;
    Ok(())
}
