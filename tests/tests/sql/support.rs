//! Database URLs and raw SQL access, to check what the store wrote without going through it.

use std::time::SystemTime;

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use diesel::sql_types::{BigInt, Binary, Nullable, Text, Timestamp};
use diesel::{Connection, QueryableByName, RunQueryDsl};
use session_runtime::{SessionType, Settings};

pub fn pg_url(_test: &str) -> String {
    crate::common::env::postgres_url()
}

pub fn mysql_url(_test: &str) -> String {
    crate::common::env::mysql_url()
}

/// One database file per test, so tests run in parallel without sharing a lock.
pub fn sqlite_url(test: &str) -> String {
    let path = std::env::temp_dir().join(format!("session-sql-{test}-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path.to_string_lossy().into_owned()
}

/// `t` as Flask-Session writes the `expiry` column: naive UTC, whole microseconds (Python's
/// datetime resolution). Written here, not taken from the store, so the tests check its clock.
pub fn naive(t: SystemTime) -> NaiveDateTime {
    let n = DateTime::<Utc>::from(t).naive_utc();
    n.with_nanosecond(n.nanosecond() / 1_000 * 1_000).unwrap()
}

/// Settings for the SQL store on `url` and `table`.
pub fn settings(url: &str, table: &str) -> Settings {
    let mut s = Settings::default();
    s.session_type = SessionType::Sqlalchemy;
    s.session_sqlalchemy = Some(url.to_owned());
    s.session_sqlalchemy_table = table.to_owned();
    s
}

#[derive(Debug, QueryableByName, PartialEq)]
pub struct RawRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub session_id: Option<String>,
    #[diesel(sql_type = Nullable<Binary>)]
    pub data: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub expiry: Option<NaiveDateTime>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Raw SQL on a fresh connection per call; panics (fails the test) when the server is missing.
#[derive(Debug, Clone)]
pub struct Raw {
    url: String,
}

macro_rules! on_conn {
    ($url:expr, |$c:ident| $body:expr) => {{
        let url: String = $url;
        tokio::task::spawn_blocking(move || {
            if url.starts_with("postgres") {
                let $c = &mut diesel::PgConnection::establish(&url).unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e}"));
                $body
            } else if url.starts_with("mysql") {
                let $c = &mut diesel::MysqlConnection::establish(&url).unwrap_or_else(|e| panic!("MySQL at {url}: {e}"));
                $body
            } else {
                let $c = &mut diesel::SqliteConnection::establish(&url).unwrap_or_else(|e| panic!("SQLite at {url}: {e}"));
                $body
            }
        })
        .await
        .unwrap()
    }};
}

impl Raw {
    pub fn new(url: &str) -> Self {
        Raw { url: url.to_owned() }
    }

    pub fn is_mysql(&self) -> bool {
        self.url.starts_with("mysql")
    }

    pub fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres")
    }

    pub async fn exec(&self, sql: &str) -> usize {
        let sql = sql.to_owned();
        on_conn!(self.url.clone(), |c| diesel::sql_query(&sql).execute(c).unwrap_or_else(|e| panic!("{sql}: {e}")))
    }

    pub async fn rows(&self, sql: &str) -> Vec<RawRow> {
        let sql = sql.to_owned();
        on_conn!(self.url.clone(), |c| diesel::sql_query(&sql).load::<RawRow>(c).unwrap_or_else(|e| panic!("{sql}: {e}")))
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let sql = sql.to_owned();
        on_conn!(self.url.clone(), |c| diesel::sql_query(&sql).get_result::<Count>(c).unwrap_or_else(|e| panic!("{sql}: {e}")).n)
    }

    pub async fn drop_table(&self, table: &str) {
        self.exec(&format!("DROP TABLE IF EXISTS {table}")).await;
    }

    /// The session row under `key` of the default-named columns.
    pub async fn row(&self, table: &str, key: &str) -> Option<RawRow> {
        self.rows(&format!("SELECT session_id, data, expiry FROM {table} WHERE session_id = '{key}'")).await.pop()
    }

    pub async fn keys(&self, table: &str) -> Vec<String> {
        let rows = self.rows(&format!("SELECT session_id, data, expiry FROM {table} ORDER BY session_id")).await;
        rows.into_iter().filter_map(|r| r.session_id).collect()
    }

    /// Moves a row's expiry into the past.
    pub async fn expire(&self, table: &str, key: &str) {
        let n = self.exec(&format!("UPDATE {table} SET expiry = '2001-01-01 00:00:00' WHERE session_id = '{key}'")).await;
        assert_eq!(n, 1, "no row {key} to expire");
    }
}
