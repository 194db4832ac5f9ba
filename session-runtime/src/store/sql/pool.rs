//! Connection pools, one r2d2 pool per backend, and the blocking calls that run statements.
//!
//! diesel is synchronous; every function here blocks and is only called from
//! `tokio::task::spawn_blocking` (see [`super::retry`]). r2d2 rather than diesel-async: the
//! three backends share one code path (diesel-async drives SQLite through a blocking wrapper
//! anyway), and no second MySQL driver is pulled in next to libmysqlclient.

use std::fmt;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::sql_types::{BigInt, Binary, Bool, Double, Integer, Nullable, SmallInt, Text, Timestamp};
use diesel::{Connection as _, QueryableByName, RunQueryDsl};

use super::backend::{Backend, DatabaseUrl};
use super::model::ColumnValue;

/// A pool of connections to one of the three databases; give one to
/// [`SqlStore::from_pool`](super::SqlStore::from_pool) to share an application's pool.
#[derive(Clone)]
#[non_exhaustive]
pub enum SqlPool {
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(Pool<ConnectionManager<diesel::PgConnection>>),
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(Pool<ConnectionManager<diesel::SqliteConnection>>),
    /// MySQL or MariaDB.
    #[cfg(feature = "mysql")]
    Mysql(Pool<ConnectionManager<diesel::MysqlConnection>>),
}

impl fmt::Debug for SqlPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The pool's Debug would print its manager, whose URL may hold a password.
        write!(f, "SqlPool({})", self.backend())
    }
}

#[cfg(feature = "postgres")]
impl From<Pool<ConnectionManager<diesel::PgConnection>>> for SqlPool {
    fn from(p: Pool<ConnectionManager<diesel::PgConnection>>) -> Self {
        SqlPool::Postgres(p)
    }
}

#[cfg(feature = "sqlite")]
impl From<Pool<ConnectionManager<diesel::SqliteConnection>>> for SqlPool {
    fn from(p: Pool<ConnectionManager<diesel::SqliteConnection>>) -> Self {
        SqlPool::Sqlite(p)
    }
}

#[cfg(feature = "mysql")]
impl From<Pool<ConnectionManager<diesel::MysqlConnection>>> for SqlPool {
    fn from(p: Pool<ConnectionManager<diesel::MysqlConnection>>) -> Self {
        SqlPool::Mysql(p)
    }
}

/// What a statement or a checkout failed with.
#[derive(Debug)]
pub(crate) enum SqlError {
    /// No connection within the pool's timeout (the server is down or the pool exhausted).
    Pool(String),
    /// The database refused or failed the statement.
    Query(diesel::result::Error),
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlError::Pool(e) => write!(f, "no database connection: {e}"),
            SqlError::Query(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SqlError {}

impl From<diesel::result::Error> for SqlError {
    fn from(e: diesel::result::Error) -> Self {
        SqlError::Query(e)
    }
}

impl From<diesel::r2d2::PoolError> for SqlError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        SqlError::Pool(e.to_string())
    }
}

/// A session row as the store selects it (`SELECT … AS session_id, … AS data, … AS expiry`).
/// Every column is read as nullable: a table made by Flask-Session allows NULL in all three,
/// and a NULL must become a miss or a decode error, never a failed query.
#[derive(Debug, QueryableByName)]
pub(crate) struct Row {
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) session_id: Option<String>,
    #[diesel(sql_type = Nullable<Binary>)]
    pub(crate) data: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub(crate) expiry: Option<NaiveDateTime>,
}

#[derive(Debug, QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How pools this crate builds are sized.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PoolConfig {
    pub(crate) max_size: u32,
    pub(crate) connection_timeout: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        // The checkout timeout is `session_store_timeout` (the store passes it in), not
        // r2d2's 30 s: a request on a dead database fails within that bound.
        PoolConfig { max_size: 10, connection_timeout: crate::settings::DEFAULT_STORE_TIMEOUT }
    }
}

/// SQLite: WAL lets readers and the writer overlap, and busy_timeout makes a writer wait for
/// the lock instead of failing at once with "database is locked".
#[cfg(feature = "sqlite")]
#[derive(Debug)]
struct SqlitePragmas;

#[cfg(feature = "sqlite")]
impl diesel::r2d2::CustomizeConnection<diesel::SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut diesel::SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Builds a pool for `url`, opening one connection so a bad URL fails here. Blocks.
pub(crate) fn build(url: &DatabaseUrl, cfg: PoolConfig) -> Result<SqlPool, String> {
    fn builder<C: diesel::r2d2::R2D2Connection + 'static>(cfg: PoolConfig) -> diesel::r2d2::Builder<ConnectionManager<C>> {
        Pool::builder().max_size(cfg.max_size).min_idle(Some(1)).connection_timeout(cfg.connection_timeout)
    }
    let target = url.target.clone();
    let err = |e: diesel::r2d2::PoolError| e.to_string();
    // One connection first, for the server's own error: the pool would retry a refused one
    // until its timeout and then report only the timeout.
    fn probe<C: diesel::r2d2::R2D2Connection + 'static>(target: &str) -> Result<ConnectionManager<C>, String> {
        use diesel::r2d2::ManageConnection;
        let manager = ConnectionManager::new(target);
        manager.connect().map_err(|e| e.to_string())?;
        Ok(manager)
    }
    match url.backend {
        #[cfg(feature = "postgres")]
        Backend::Postgres => builder(cfg).build(probe(&target)?).map(SqlPool::Postgres).map_err(err),
        // `:memory:` is a new, empty database per connection: one connection, kept forever.
        #[cfg(feature = "sqlite")]
        Backend::Sqlite if target == ":memory:" => builder(PoolConfig { max_size: 1, ..cfg })
            .idle_timeout(None)
            .max_lifetime(None)
            .build(ConnectionManager::new(target))
            .map(SqlPool::Sqlite)
            .map_err(err),
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => builder(cfg)
            .connection_customizer(Box::new(SqlitePragmas))
            .build(ConnectionManager::new(target))
            .map(SqlPool::Sqlite)
            .map_err(err),
        #[cfg(feature = "mysql")]
        Backend::Mysql => builder(cfg).build(probe(&target)?).map(SqlPool::Mysql).map_err(err),
        #[allow(unreachable_patterns)]
        other => Err(format!(
            "session_sqlalchemy names a {other} database, but session-runtime was built without its feature; \
             enable feature \"{}\"",
            other.feature()
        )),
    }
}

/// `sql_query(sql)` with `binds` attached, boxed for backend `$db` (binds vary in number).
macro_rules! bound {
    ($db:ty, $sql:expr, $binds:expr) => {{
        let mut q = diesel::sql_query($sql).into_boxed::<$db>();
        for b in $binds {
            q = match b.clone() {
                ColumnValue::Text(v) => q.bind::<Nullable<Text>, _>(v),
                ColumnValue::Binary(v) => q.bind::<Nullable<Binary>, _>(v),
                ColumnValue::Timestamp(v) => q.bind::<Nullable<Timestamp>, _>(v),
                ColumnValue::SmallInt(v) => q.bind::<Nullable<SmallInt>, _>(v),
                ColumnValue::Integer(v) => q.bind::<Nullable<Integer>, _>(v),
                ColumnValue::BigInt(v) => q.bind::<Nullable<BigInt>, _>(v),
                ColumnValue::Bool(v) => q.bind::<Nullable<Bool>, _>(v),
                ColumnValue::Double(v) => q.bind::<Nullable<Double>, _>(v),
            };
        }
        q
    }};
}

/// Runs `$body` with `$q` bound to the statement, `$conn` to a checked-out connection and, when
/// named, `$db` to the backend's diesel type (for a second statement on that connection).
macro_rules! on_pool {
    ($pool:expr, $sql:expr, $binds:expr, |$q:ident, $conn:ident| $body:expr) => {
        on_pool!($pool, $sql, $binds, |$q, $conn, Db| $body)
    };
    ($pool:expr, $sql:expr, $binds:expr, |$q:ident, $conn:ident, $db:ident| $body:expr) => {
        match $pool {
            #[cfg(feature = "postgres")]
            SqlPool::Postgres(p) => {
                #[allow(dead_code)]
                type $db = diesel::pg::Pg;
                let $conn = &mut *p.get()?;
                let $q = bound!(diesel::pg::Pg, $sql, $binds);
                $body
            }
            #[cfg(feature = "sqlite")]
            SqlPool::Sqlite(p) => {
                #[allow(dead_code)]
                type $db = diesel::sqlite::Sqlite;
                let $conn = &mut *p.get()?;
                let $q = bound!(diesel::sqlite::Sqlite, $sql, $binds);
                $body
            }
            #[cfg(feature = "mysql")]
            SqlPool::Mysql(p) => {
                #[allow(dead_code)]
                type $db = diesel::mysql::Mysql;
                let $conn = &mut *p.get()?;
                let $q = bound!(diesel::mysql::Mysql, $sql, $binds);
                $body
            }
        }
    };
}

impl SqlPool {
    /// The database behind the pool.
    pub fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "postgres")]
            SqlPool::Postgres(_) => Backend::Postgres,
            #[cfg(feature = "sqlite")]
            SqlPool::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "mysql")]
            SqlPool::Mysql(_) => Backend::Mysql,
        }
    }

    /// Runs a statement; returns the affected row count. Blocks.
    pub(crate) fn execute(&self, sql: &str, binds: &[ColumnValue]) -> Result<usize, SqlError> {
        on_pool!(self, sql, binds, |q, conn| Ok(q.execute(conn)?))
    }

    /// Runs a query returning session rows. Blocks.
    pub(crate) fn rows(&self, sql: &str, binds: &[ColumnValue]) -> Result<Vec<Row>, SqlError> {
        on_pool!(self, sql, binds, |q, conn| Ok(q.load::<Row>(conn)?))
    }

    /// Runs the query `select`, then the statement `delete`, both with `binds`, in one
    /// transaction; returns the rows and the count `delete` affected. Blocks.
    pub(crate) fn take_rows(&self, select: &str, delete: &str, binds: &[ColumnValue]) -> Result<(Vec<Row>, usize), SqlError> {
        on_pool!(self, select, binds, |q, conn, Db| conn.transaction(|conn| {
            let rows = q.load::<Row>(conn)?;
            Ok((rows, bound!(Db, delete, binds).execute(conn)?))
        }))
    }

    /// Runs a query whose one row has a `BIGINT` column `n`. Blocks.
    pub(crate) fn count(&self, sql: &str, binds: &[ColumnValue]) -> Result<i64, SqlError> {
        on_pool!(self, sql, binds, |q, conn| Ok(q.get_result::<Count>(conn)?.n))
    }

    /// Runs statements one after another on one connection (DDL). Blocks.
    pub(crate) fn batch(&self, statements: &[String]) -> Result<(), SqlError> {
        for s in statements {
            self.execute(s, &[])?;
        }
        Ok(())
    }
}
