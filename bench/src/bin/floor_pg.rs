//! The PostgreSQL floor: diesel over an r2d2 pool of 10 connections (session-runtime's pool
//! size), no session layer. `/incr` is one `SELECT` and one upsert, each on tokio's blocking
//! pool as diesel is synchronous; `/read` is the `SELECT` alone.
//!
//! Its table has the shape of session-runtime's default (Flask Unchained's `flask_sessions`:
//! serial id, unique `session_id`, `data` bytea, `expiry` timestamp indexed), under another name
//! so the two never share rows.

use std::time::SystemTime;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::sql_types::{Binary, Nullable, Text, Timestamp};
use diesel::{QueryableByName, RunQueryDsl};
use session_bench::{decode, encode, fresh, get_n, new_id, session_cookie, set_cookie, KEY_PREFIX, LIFETIME};

type PgPool = Pool<ConnectionManager<PgConnection>>;

const TABLE: &str = "bench_floor_sessions";

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Nullable<Binary>)]
    data: Option<Vec<u8>>,
}

fn fail(e: impl std::fmt::Display) -> Response {
    eprintln!("floor_pg: {e}");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

fn naive(t: SystemTime) -> NaiveDateTime {
    DateTime::<Utc>::from(t).naive_utc()
}

type Loaded = Result<Option<session_bench::FloorSession>, String>;

async fn select(pool: &PgPool, key: String) -> Loaded {
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let conn = &mut pool.get().map_err(|e| e.to_string())?;
        let rows: Vec<Row> = diesel::sql_query(format!(
            "SELECT data FROM {TABLE} WHERE session_id = $1 AND expiry > $2"
        ))
        .bind::<Text, _>(key)
        .bind::<Timestamp, _>(naive(SystemTime::now()))
        .load(conn)
        .map_err(|e| e.to_string())?;
        Ok(rows.into_iter().next().and_then(|r| r.data).as_deref().and_then(decode))
    })
    .await
    .map_err(|e| e.to_string())?
}

async fn incr(State(pool): State<PgPool>, headers: HeaderMap) -> Response {
    let id = session_cookie(&headers);
    let found = match id {
        Some(id) => match select(&pool, format!("{KEY_PREFIX}{id}")).await {
            Ok(found) => found,
            Err(e) => return fail(e),
        },
        None => None,
    };
    let (id, mut session, new) = match found {
        Some(s) => (id.unwrap_or_default().to_owned(), s, false),
        None => (new_id(), fresh(), true),
    };
    let n = get_n(&session) + 1;
    session.insert("n".into(), n.into());
    let (key, bytes, expiry) = (format!("{KEY_PREFIX}{id}"), encode(&session), naive(SystemTime::now() + LIFETIME));
    let written = tokio::task::spawn_blocking(move || -> Result<usize, String> {
        let conn = &mut pool.get().map_err(|e| e.to_string())?;
        diesel::sql_query(format!(
            "INSERT INTO {TABLE} (session_id, data, expiry) VALUES ($1, $2, $3) \
             ON CONFLICT (session_id) DO UPDATE SET data = excluded.data, expiry = excluded.expiry"
        ))
        .bind::<Text, _>(key)
        .bind::<Binary, _>(bytes)
        .bind::<Timestamp, _>(expiry)
        .execute(conn)
        .map_err(|e| e.to_string())
    })
    .await;
    match written {
        Ok(Ok(_)) if new => ([(header::SET_COOKIE, set_cookie(&id))], n.to_string()).into_response(),
        Ok(Ok(_)) => n.to_string().into_response(),
        Ok(Err(e)) => fail(e),
        Err(e) => fail(e),
    }
}

async fn read(State(pool): State<PgPool>, headers: HeaderMap) -> Response {
    let Some(id) = session_cookie(&headers) else { return "0".into_response() };
    match select(&pool, format!("{KEY_PREFIX}{id}")).await {
        Ok(found) => found.map_or(0, |s| get_n(&s)).to_string().into_response(),
        Err(e) => fail(e),
    }
}

async fn none() -> &'static str {
    "ok"
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let pool = tokio::task::spawn_blocking(move || {
        Pool::builder().max_size(10).min_idle(Some(1)).build(ConnectionManager::<PgConnection>::new(url))
    })
    .await??;
    {
        let pool = pool.clone();
        tokio::task::spawn_blocking(move || -> Result<(), diesel::result::Error> {
            let conn = &mut pool.get().map_err(|e| diesel::result::Error::QueryBuilderError(e.into()))?;
            diesel::sql_query(format!(
                "CREATE TABLE IF NOT EXISTS {TABLE} (id SERIAL NOT NULL PRIMARY KEY, \
                 session_id VARCHAR(255) NOT NULL UNIQUE, data BYTEA NULL, expiry TIMESTAMP NULL)"
            ))
            .execute(conn)?;
            diesel::sql_query(format!("CREATE INDEX IF NOT EXISTS ix_{TABLE}_expiry ON {TABLE} (expiry)")).execute(conn)?;
            Ok(())
        })
        .await??;
    }
    let app = Router::new()
        .route("/incr", get(incr))
        .route("/read", get(read))
        .route("/none", get(none))
        .with_state(pool);
    session_bench::serve("floor_pg", app).await;
    Ok(())
}
