//! The Redis floor: axum + redis-rs `ConnectionManager`, no session layer. Parse the cookie,
//! `GET`, `SET EX`: the least a handler can do and still keep a server-side session.
//!
//! `/read` uses `GETEX … EX`, one command that also moves the TTL, since that is what "read and
//! keep the session alive" costs at minimum; `/incr` is `GET` then `SET EX`. With `--read-only`
//! (the `floor_redis_ro` of run.sh), `/read` is a plain `GET`: the floor of a read that leaves
//! the TTL alone, as a throttled refresh does between refreshes.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use redis::aio::ConnectionManager;
use session_bench::{decode, encode, fresh, get_n, new_id, session_cookie, set_cookie, KEY_PREFIX, LIFETIME};

type Conn = State<ConnectionManager>;

fn fail(e: redis::RedisError) -> Response {
    eprintln!("redis: {e}");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

async fn incr(State(mut conn): Conn, headers: HeaderMap) -> Response {
    let id = session_cookie(&headers);
    let stored: Option<Vec<u8>> = match id {
        Some(id) => match redis::cmd("GET").arg(format!("{KEY_PREFIX}{id}")).query_async(&mut conn).await {
            Ok(v) => v,
            Err(e) => return fail(e),
        },
        None => None,
    };
    let (id, mut session, new) = match (id, stored.as_deref().and_then(decode)) {
        (Some(id), Some(s)) => (id.to_owned(), s, false),
        _ => (new_id(), fresh(), true),
    };
    let n = get_n(&session) + 1;
    session.insert("n".into(), n.into());
    let set: Result<(), _> = redis::cmd("SET")
        .arg(format!("{KEY_PREFIX}{id}"))
        .arg(encode(&session))
        .arg("EX")
        .arg(LIFETIME.as_secs())
        .query_async(&mut conn)
        .await;
    if let Err(e) = set {
        return fail(e);
    }
    if new {
        ([(header::SET_COOKIE, set_cookie(&id))], n.to_string()).into_response()
    } else {
        n.to_string().into_response()
    }
}

async fn read(State(mut conn): Conn, headers: HeaderMap) -> Response {
    let Some(id) = session_cookie(&headers) else { return "0".into_response() };
    let key = format!("{KEY_PREFIX}{id}");
    let stored: Result<Option<Vec<u8>>, _> =
        redis::cmd("GETEX").arg(key).arg("EX").arg(LIFETIME.as_secs()).query_async(&mut conn).await;
    answer(stored)
}

async fn read_only(State(mut conn): Conn, headers: HeaderMap) -> Response {
    let Some(id) = session_cookie(&headers) else { return "0".into_response() };
    answer(redis::cmd("GET").arg(format!("{KEY_PREFIX}{id}")).query_async(&mut conn).await)
}

fn answer(stored: Result<Option<Vec<u8>>, redis::RedisError>) -> Response {
    match stored {
        Ok(v) => v.as_deref().and_then(decode).map_or(0, |s| get_n(&s)).to_string().into_response(),
        Err(e) => fail(e),
    }
}

async fn none() -> &'static str {
    "ok"
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let conn = ConnectionManager::new(redis::Client::open(url)?).await?;
    let read_only_floor = std::env::args().any(|a| a == "--read-only");
    let app = Router::new()
        .route("/incr", get(incr))
        .route("/read", if read_only_floor { get(read_only) } else { get(read) })
        .route("/none", get(none))
        .with_state(conn);
    session_bench::serve(if read_only_floor { "floor_redis --read-only" } else { "floor_redis" }, app).await;
    Ok(())
}
