//! The memcached floor: the `memcache` crate (blocking, r2d2 pool of 16: session-runtime's
//! client and pool size) on tokio's blocking pool, no session layer. `/incr` is `get` then
//! `set` in one blocking call; `/read` is `get` then `touch` (memcached has no get-and-touch in
//! the crate), also in one call: the same round trips session-runtime's store makes.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use memcache::Client;
use session_bench::{decode, encode, fresh, get_n, new_id, session_cookie, set_cookie, KEY_PREFIX, LIFETIME};

type Conn = State<Arc<Client>>;

fn fail(e: impl std::fmt::Display) -> Response {
    eprintln!("floor_memcached: {e}");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// Seconds of TTL as memcached reads them: over 30 days is an absolute Unix time.
fn expiration() -> u32 {
    let ttl = LIFETIME.as_secs();
    let secs = if ttl > 30 * 24 * 3600 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) + ttl
    } else {
        ttl
    };
    u32::try_from(secs).unwrap_or(u32::MAX)
}

async fn incr(State(client): Conn, headers: HeaderMap) -> Response {
    let id = session_cookie(&headers).map(str::to_owned);
    let done = tokio::task::spawn_blocking(move || -> Result<(u64, Option<String>), memcache::MemcacheError> {
        let stored: Option<Vec<u8>> = match &id {
            Some(id) => client.get(&format!("{KEY_PREFIX}{id}"))?,
            None => None,
        };
        let (id, mut session, new) = match (id, stored.as_deref().and_then(decode)) {
            (Some(id), Some(s)) => (id, s, false),
            _ => (new_id(), fresh(), true),
        };
        let n = get_n(&session) + 1;
        session.insert("n".into(), n.into());
        client.set(&format!("{KEY_PREFIX}{id}"), encode(&session).as_slice(), expiration())?;
        Ok((n, new.then_some(id)))
    })
    .await;
    match done {
        Ok(Ok((n, Some(id)))) => ([(header::SET_COOKIE, set_cookie(&id))], n.to_string()).into_response(),
        Ok(Ok((n, None))) => n.to_string().into_response(),
        Ok(Err(e)) => fail(e),
        Err(e) => fail(e),
    }
}

async fn read(State(client): Conn, headers: HeaderMap) -> Response {
    let Some(id) = session_cookie(&headers) else { return "0".into_response() };
    let key = format!("{KEY_PREFIX}{id}");
    let done = tokio::task::spawn_blocking(move || -> Result<u64, memcache::MemcacheError> {
        let stored: Option<Vec<u8>> = client.get(&key)?;
        if stored.is_some() {
            client.touch(&key, expiration())?;
        }
        Ok(stored.as_deref().and_then(decode).map_or(0, |s| get_n(&s)))
    })
    .await;
    match done {
        Ok(Ok(n)) => n.to_string().into_response(),
        Ok(Err(e)) => fail(e),
        Err(e) => fail(e),
    }
}

async fn none() -> &'static str {
    "ok"
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("MEMCACHED_URL").unwrap_or_else(|_| "memcache://127.0.0.1:11211".into());
    let url = if url.contains('?') { format!("{url}&protocol=binary") } else { format!("{url}?protocol=binary") };
    let client = tokio::task::spawn_blocking(move || Client::builder().add_server(url)?.with_max_pool_size(16).build()).await??;
    let app = Router::new()
        .route("/incr", get(incr))
        .route("/read", get(read))
        .route("/none", get(none))
        .with_state(Arc::new(client));
    session_bench::serve("floor_memcached", app).await;
    Ok(())
}
