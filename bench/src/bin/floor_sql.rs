//! The SQLite and MySQL/MariaDB floors (`floor_sql --db sqlite|mysql`): diesel over an r2d2 pool
//! of 10 (session-runtime's pool size), no session layer, as `floor_pg` is for PostgreSQL.
//! `/incr` is one `SELECT` and one upsert, each on tokio's blocking pool; `/read` is the
//! `SELECT` alone (a read-only floor: it does not move the expiry).
//!
//! The table has session-runtime's default shape (serial id, unique `session_id`, `data` blob,
//! `expiry` datetime, no index on it, as Flask Unchained makes it), under another name. SQLite
//! runs with the same pragmas as session-runtime's pool: WAL, `synchronous = NORMAL`, a busy
//! timeout.

use std::time::SystemTime;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, NaiveDateTime, Utc};
use session_bench::{decode, encode, fresh, get_n, new_id, session_cookie, set_cookie, FloorSession, KEY_PREFIX, LIFETIME};

const TABLE: &str = "bench_floor_sessions";

fn fail(e: impl std::fmt::Display) -> Response {
    eprintln!("floor_sql: {e}");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

fn naive(t: SystemTime) -> NaiveDateTime {
    DateTime::<Utc>::from(t).naive_utc()
}

/// The two statements and the table of one database; the handlers are the same for both.
macro_rules! floor {
    ($name:ident, $conn:ty, $create:expr, $upsert:expr, $setup:expr) => {
        mod $name {
            use super::*;
            use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
            use diesel::sql_types::{Binary, Nullable, Text, Timestamp};
            use diesel::{connection::SimpleConnection as _, QueryableByName, RunQueryDsl};

            pub(crate) type DbPool = Pool<ConnectionManager<$conn>>;

            #[derive(QueryableByName)]
            struct Row {
                #[diesel(sql_type = Nullable<Binary>)]
                data: Option<Vec<u8>>,
            }

            #[derive(Debug)]
            struct Setup;
            impl CustomizeConnection<$conn, diesel::r2d2::Error> for Setup {
                fn on_acquire(&self, conn: &mut $conn) -> Result<(), diesel::r2d2::Error> {
                    // An empty batch crashes libmariadb (a NULL result in `mysql_real_query`).
                    if $setup.is_empty() {
                        return Ok(());
                    }
                    conn.batch_execute($setup).map_err(diesel::r2d2::Error::QueryError)
                }
            }

            pub(crate) fn pool(url: String) -> Result<DbPool, Box<dyn std::error::Error + Send + Sync>> {
                let pool = Pool::builder()
                    .max_size(10)
                    .min_idle(Some(1))
                    .connection_customizer(Box::new(Setup))
                    .build(ConnectionManager::<$conn>::new(url))?;
                pool.get()?.batch_execute(&format!($create, t = TABLE))?;
                Ok(pool)
            }

            pub(crate) fn select(pool: &DbPool, key: String) -> Result<Option<FloorSession>, String> {
                let conn = &mut pool.get().map_err(|e| e.to_string())?;
                let rows: Vec<Row> = diesel::sql_query(format!("SELECT data FROM {TABLE} WHERE session_id = ? AND expiry > ?"))
                    .bind::<Text, _>(key)
                    .bind::<Timestamp, _>(naive(SystemTime::now()))
                    .load(conn)
                    .map_err(|e| e.to_string())?;
                Ok(rows.into_iter().next().and_then(|r| r.data).as_deref().and_then(decode))
            }

            pub(crate) fn upsert(pool: &DbPool, key: String, bytes: Vec<u8>) -> Result<usize, String> {
                let conn = &mut pool.get().map_err(|e| e.to_string())?;
                diesel::sql_query(format!($upsert, t = TABLE))
                    .bind::<Text, _>(key)
                    .bind::<Binary, _>(bytes)
                    .bind::<Timestamp, _>(naive(SystemTime::now() + LIFETIME))
                    .execute(conn)
                    .map_err(|e| e.to_string())
            }
        }
    };
}

floor!(
    sqlite,
    diesel::sqlite::SqliteConnection,
    "CREATE TABLE IF NOT EXISTS {t} (id INTEGER NOT NULL PRIMARY KEY, session_id VARCHAR(255) NOT NULL UNIQUE, \
     data BLOB NULL, expiry DATETIME NULL)",
    "INSERT INTO {t} (session_id, data, expiry) VALUES (?, ?, ?) \
     ON CONFLICT (session_id) DO UPDATE SET data = excluded.data, expiry = excluded.expiry",
    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
);
floor!(
    mysql,
    diesel::mysql::MysqlConnection,
    "CREATE TABLE IF NOT EXISTS {t} (id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY, \
     session_id VARCHAR(255) NOT NULL UNIQUE, data BLOB NULL, expiry DATETIME NULL)",
    "INSERT INTO {t} (session_id, data, expiry) VALUES (?, ?, ?) \
     ON DUPLICATE KEY UPDATE data = VALUES(data), expiry = VALUES(expiry)",
    ""
);

#[derive(Clone)]
enum Db {
    Sqlite(sqlite::DbPool),
    Mysql(mysql::DbPool),
}

impl Db {
    async fn select(&self, key: String) -> Result<Option<FloorSession>, String> {
        let db = self.clone();
        tokio::task::spawn_blocking(move || match &db {
            Db::Sqlite(p) => sqlite::select(p, key),
            Db::Mysql(p) => mysql::select(p, key),
        })
        .await
        .map_err(|e| e.to_string())?
    }

    async fn upsert(&self, key: String, bytes: Vec<u8>) -> Result<usize, String> {
        let db = self.clone();
        tokio::task::spawn_blocking(move || match &db {
            Db::Sqlite(p) => sqlite::upsert(p, key, bytes),
            Db::Mysql(p) => mysql::upsert(p, key, bytes),
        })
        .await
        .map_err(|e| e.to_string())?
    }
}

async fn incr(State(db): State<Db>, headers: HeaderMap) -> Response {
    let id = session_cookie(&headers);
    let found = match id {
        Some(id) => match db.select(format!("{KEY_PREFIX}{id}")).await {
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
    match db.upsert(format!("{KEY_PREFIX}{id}"), encode(&session)).await {
        Ok(_) if new => ([(header::SET_COOKIE, set_cookie(&id))], n.to_string()).into_response(),
        Ok(_) => n.to_string().into_response(),
        Err(e) => fail(e),
    }
}

async fn read(State(db): State<Db>, headers: HeaderMap) -> Response {
    let Some(id) = session_cookie(&headers) else { return "0".into_response() };
    match db.select(format!("{KEY_PREFIX}{id}")).await {
        Ok(found) => found.map_or(0, |s| get_n(&s)).to_string().into_response(),
        Err(e) => fail(e),
    }
}

async fn none() -> &'static str {
    "ok"
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args: Vec<String> = std::env::args().collect();
    let db = args.iter().position(|a| a == "--db").and_then(|i| args.get(i + 1)).cloned().unwrap_or_default();
    let env_or = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let db = match db.as_str() {
        "sqlite" => {
            let path = env_or("SQLITE_PATH", "/tmp/session-bench/floor.db");
            Db::Sqlite(tokio::task::spawn_blocking(move || sqlite::pool(path)).await??)
        }
        "mysql" => {
            let url = env_or("MYSQL_URL", "mysql://root@127.0.0.1:3306/test");
            Db::Mysql(tokio::task::spawn_blocking(move || mysql::pool(url)).await??)
        }
        other => return Err(format!("--db is sqlite or mysql, not {other:?}").into()),
    };
    let app = Router::new()
        .route("/incr", get(incr))
        .route("/read", get(read))
        .route("/none", get(none))
        .with_state(db);
    session_bench::serve("floor_sql", app).await;
    Ok(())
}
