//! `session_type = "sqlalchemy"`: sessions in a SQL table through diesel, on PostgreSQL,
//! SQLite or MySQL/MariaDB (features `postgres`, `sqlite`, `mysql`).
//!
//! The default table is Flask Unchained's `flask_sessions` (`session_sqlalchemy_table` renames
//! it), created at startup when missing; a table made by Flask-Session 0.8 (`sessions`) works as
//! it is. A `#[session_model]` struct replaces the default model, with extra columns filled from
//! the session, e.g. a `user_id` that lists and revokes every session of a user.
//!
//! Rows hold `session_key_prefix + sid`, the serialized session, and the expiry in naive UTC,
//! as Flask-Session writes them. An expired row is deleted when read, as Flask-Session does;
//! [`SqlStore::delete_expired`](crate::SessionStore::delete_expired),
//! [`SqlStore::spawn_cleanup`] and [`SqlStore::maybe_sweep`] remove the ones nobody reads.

mod backend;
mod cleanup;
mod ddl;
mod model;
mod pool;
mod retry;
mod statements;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};

use crate::codec::{self, SerializationFormat};
use crate::expiry::{is_expired, Expiry};
use crate::map::SessionMap;
use crate::settings::Settings;
use crate::store::{Loaded, SessionStore, StoreError, Touched};

pub use backend::Backend;
pub use cleanup::{spawn_cleanup, CleanupTask, Sweeper};
pub use model::{
    extra_from_session, Column, ColumnKind, ColumnType, ColumnValue, FlaskSession, ModelSchema, Role, SessionFilter,
    SessionModel,
};
pub use pool::SqlPool;

use pool::{PoolConfig, Row, SqlError};
use statements::Statements;

/// Connects the SQL store of `settings` with the default model: the backend comes from the
/// URL in `session_sqlalchemy`, the table from `session_sqlalchemy_table`, created if missing.
pub async fn connect(settings: &Settings) -> Result<SqlStore, StoreError> {
    SqlStore::connect(settings).await
}

/// The SQL session store. Cheap to clone; clones share the pool.
#[derive(Debug, Clone)]
pub struct SqlStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    pool: SqlPool,
    backend: Backend,
    schema: ModelSchema,
    statements: Statements,
    extras: fn(&SessionMap) -> Vec<ColumnValue>,
    format: SerializationFormat,
    sweeper: Option<Sweeper>,
}

/// One stored session, as [`SqlStore::sessions_where`] lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSession {
    /// `session_key_prefix + sid`.
    pub key: String,
    /// The session, or `None` when its bytes are unreadable.
    pub data: Option<SessionMap>,
    /// When it expires.
    pub expires_at: Option<SystemTime>,
}

impl SqlStore {
    /// [`connect`] with the default model.
    pub async fn connect(settings: &Settings) -> Result<Self, StoreError> {
        let schema = ModelSchema::flask_default(settings.session_sqlalchemy_table.clone());
        Self::open(settings, schema, FlaskSession::extra_values).await
    }

    /// Connects with the row model `M` (a `#[session_model]` struct); `session_sqlalchemy_table`
    /// is ignored, the model names its table.
    pub async fn connect_with_model<M: SessionModel>(settings: &Settings) -> Result<Self, StoreError> {
        Self::open(settings, M::schema(), M::extra_values).await
    }

    /// The default model on an application's own pool.
    pub async fn from_pool(pool: impl Into<SqlPool>, settings: &Settings) -> Result<Self, StoreError> {
        let schema = ModelSchema::flask_default(settings.session_sqlalchemy_table.clone());
        Self::assemble(pool.into(), settings, schema, FlaskSession::extra_values).await
    }

    /// The model `M` on an application's own pool.
    pub async fn from_pool_with_model<M: SessionModel>(
        pool: impl Into<SqlPool>,
        settings: &Settings,
    ) -> Result<Self, StoreError> {
        Self::assemble(pool.into(), settings, M::schema(), M::extra_values).await
    }

    async fn open(
        settings: &Settings,
        schema: ModelSchema,
        extras: fn(&SessionMap) -> Vec<ColumnValue>,
    ) -> Result<Self, StoreError> {
        let setup = |msg: String| StoreError::backend("sql", msg);
        let url = settings
            .session_sqlalchemy
            .as_deref()
            .ok_or_else(|| setup("session_type is \"sqlalchemy\" but session_sqlalchemy (the database URL) is not set".into()))?;
        let url = backend::parse_url(url).map_err(setup)?;
        let store = url.backend.name();
        let pool = tokio::task::spawn_blocking(move || pool::build(&url, PoolConfig::default()))
            .await
            .map_err(|e| StoreError::backend(store, e))?
            .map_err(|e| StoreError::backend(store, e))?;
        Self::assemble(pool, settings, schema, extras).await
    }

    async fn assemble(
        pool: SqlPool,
        settings: &Settings,
        schema: ModelSchema,
        extras: fn(&SessionMap) -> Vec<ColumnValue>,
    ) -> Result<Self, StoreError> {
        let backend = pool.backend();
        schema.validate().map_err(|e| StoreError::backend(backend.name(), e))?;
        let filled = schema.filled_extras().count();
        if extras(&SessionMap::new()).len() != filled {
            return Err(StoreError::backend(backend.name(), "the model's extra_values does not match its filled extra columns"));
        }
        let store = SqlStore {
            inner: Arc::new(Inner {
                statements: Statements::new(&schema, backend),
                pool,
                backend,
                schema,
                extras,
                format: settings.session_serialization_format,
                sweeper: settings.session_cleanup_n_requests.map(Sweeper::new),
            }),
        };
        store.create_table().await?;
        Ok(store)
    }

    /// The database behind the store.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The table and columns in use.
    pub fn schema(&self) -> &ModelSchema {
        &self.inner.schema
    }

    /// The pool, e.g. to share it with the application.
    pub fn pool(&self) -> &SqlPool {
        &self.inner.pool
    }

    /// Creates the model's table and indexes when the table is missing; an existing table is
    /// left exactly as it is. Returns whether it created one. [`connect`] calls this.
    pub async fn create_table(&self) -> Result<bool, StoreError> {
        let table = &self.inner.schema.table;
        let (schema_part, bare) = match table.split_once('.') {
            Some((s, t)) => (Some(s.to_owned()), t.to_owned()),
            None => (None, table.clone()),
        };
        let binds = match self.inner.backend {
            Backend::Postgres => vec![ColumnValue::Text(Some(self.inner.backend.quote(table)))],
            Backend::Sqlite => vec![ColumnValue::Text(Some(bare))],
            Backend::Mysql => vec![ColumnValue::Text(schema_part), ColumnValue::Text(Some(bare))],
        };
        let exists = self.with_pool(move |pool, st| pool.count(&st.table_exists, &binds)).await? > 0;
        if exists {
            return Ok(false);
        }
        let ddl = ddl::create_table(&self.inner.schema, self.inner.backend);
        tracing::info!(table = %self.inner.schema.table, backend = %self.inner.backend, "creating the sessions table");
        self.with_pool(move |pool, _| pool.batch(&ddl)).await?;
        Ok(true)
    }

    /// The live sessions matching `filter`, e.g. every session of a user
    /// (`store.sessions_where(UserSession::by_user_id("42"))`).
    pub async fn sessions_where(&self, filter: SessionFilter) -> Result<Vec<StoredSession>, StoreError> {
        let sql = statements::select_by(&self.inner.schema, self.inner.backend, self.filter_column(&filter)?);
        let binds = [filter.value, ColumnValue::Timestamp(Some(naive(SystemTime::now())))];
        let rows = self.with_pool(move |pool, _| pool.rows(&sql, &binds)).await?;
        Ok(rows
            .into_iter()
            .map(|r| StoredSession {
                key: r.session_id.unwrap_or_default(),
                data: r.data.and_then(|d| codec::decode(&d).ok()),
                expires_at: r.expiry.map(system_time),
            })
            .collect())
    }

    /// Deletes every session matching `filter` in one statement (logs a user out of every
    /// browser); returns how many.
    pub async fn revoke_where(&self, filter: SessionFilter) -> Result<u64, StoreError> {
        let sql = statements::delete_by(&self.inner.schema, self.inner.backend, self.filter_column(&filter)?);
        let binds = [filter.value];
        Ok(self.with_pool(move |pool, _| pool.execute(&sql, &binds)).await? as u64)
    }

    /// Counts one request toward `session_cleanup_n_requests` and, every Nth, deletes expired
    /// sessions in a background task. Returns whether it started a sweep; a no-op when the
    /// setting is unset. The session layer calls this once per request.
    pub fn maybe_sweep(&self) -> bool {
        match &self.inner.sweeper {
            Some(sweeper) => sweeper.maybe_sweep(self),
            None => false,
        }
    }

    /// Deletes expired sessions every `period` in a background task, until the handle drops.
    pub fn spawn_cleanup(&self, period: Duration) -> CleanupTask {
        spawn_cleanup(self.clone(), period)
    }

    fn filter_column<'a>(&self, filter: &'a SessionFilter) -> Result<&'a str, StoreError> {
        let known = self.inner.schema.columns.iter().any(|c| c.name == filter.column && matches!(c.role, Role::Extra { .. }));
        if known {
            Ok(&filter.column)
        } else {
            Err(StoreError::backend(
                self.inner.backend.name(),
                format!("`{}` is not an extra column of table `{}`", filter.column, self.inner.schema.table),
            ))
        }
    }

    /// Runs blocking `work` with the pool and statements, retried on transient errors.
    async fn with_pool<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: Fn(&SqlPool, &Statements) -> Result<T, SqlError> + Clone + Send + Sync + 'static,
        T: Send + 'static,
    {
        let inner = self.inner.clone();
        retry::run(self.inner.backend.name(), move || work(&inner.pool, &inner.statements)).await
    }

    /// The binds of an insert or upsert, in `Statements::insert`'s column order.
    fn write_binds(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<Vec<ColumnValue>, StoreError> {
        let bytes = codec::encode(data, self.inner.format)?;
        let now = ColumnValue::Timestamp(Some(naive(SystemTime::now())));
        let mut binds = vec![
            ColumnValue::Text(Some(key.to_owned())),
            ColumnValue::Binary(Some(bytes)),
            ColumnValue::Timestamp(Some(naive(expiry.at()))),
        ];
        if self.inner.schema.column(&Role::CreatedAt).is_some() {
            binds.push(now.clone());
        }
        if self.inner.schema.column(&Role::UpdatedAt).is_some() {
            binds.push(now);
        }
        binds.extend((self.inner.extras)(data));
        Ok(binds)
    }
}

impl SessionStore for SqlStore {
    async fn load(&self, key: &str, _refresh: Option<&Expiry>) -> Result<Option<Loaded>, StoreError> {
        let binds = [ColumnValue::Text(Some(key.to_owned()))];
        let rows = self.with_pool(move |pool, st| pool.rows(&st.select, &binds)).await?;
        let Some(Row { data, expiry, .. }) = rows.into_iter().next() else {
            return Ok(None);
        };
        let expires_at = expiry.map(system_time);
        let now = SystemTime::now();
        if is_expired(expires_at, now) {
            // Deleted on read, as Flask-Session does. The `expiry <=` guard spares a row that
            // a concurrent request has just saved with a new expiry.
            let binds = [ColumnValue::Text(Some(key.to_owned())), ColumnValue::Timestamp(Some(naive(now)))];
            self.with_pool(move |pool, st| pool.execute(&st.delete_if_expired, &binds)).await?;
            return Ok(None);
        }
        let data = codec::decode(data.as_deref().unwrap_or_default())?;
        Ok(Some(Loaded { data, expires_at, refreshed: false }))
    }

    async fn save(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<(), StoreError> {
        let binds = self.write_binds(key, data, expiry)?;
        self.with_pool(move |pool, st| pool.execute(&st.upsert, &binds)).await?;
        Ok(())
    }

    async fn create(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        use diesel::result::{DatabaseErrorKind, Error};
        let binds = self.write_binds(key, data, expiry)?;
        self.with_pool(move |pool, st| match pool.execute(&st.insert, &binds) {
            Ok(_) => Ok(true),
            Err(SqlError::Query(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _))) => Ok(false),
            Err(e) => Err(e),
        })
        .await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let binds = [ColumnValue::Text(Some(key.to_owned()))];
        self.with_pool(move |pool, st| pool.execute(&st.delete, &binds)).await?;
        Ok(())
    }

    async fn touch(&self, key: &str, expiry: &Expiry) -> Result<Touched, StoreError> {
        let mut binds = vec![ColumnValue::Timestamp(Some(naive(expiry.at())))];
        if self.inner.schema.column(&Role::UpdatedAt).is_some() {
            binds.push(ColumnValue::Timestamp(Some(naive(SystemTime::now()))));
        }
        binds.push(ColumnValue::Text(Some(key.to_owned())));
        let n = self.with_pool(move |pool, st| pool.execute(&st.touch, &binds)).await?;
        Ok(if n == 0 { Touched::Missing } else { Touched::Refreshed })
    }

    async fn delete_expired(&self) -> Result<u64, StoreError> {
        let binds = [ColumnValue::Timestamp(Some(naive(SystemTime::now())))];
        Ok(self.with_pool(move |pool, st| pool.execute(&st.delete_expired, &binds)).await? as u64)
    }
}

/// A moment as the `expiry` column holds it: naive UTC, whole microseconds (Python's
/// datetime resolution, and MySQL's `DATETIME(6)`).
pub fn naive(t: SystemTime) -> NaiveDateTime {
    let n = DateTime::<Utc>::from(t).naive_utc();
    n.with_nanosecond(n.nanosecond() / 1_000 * 1_000).unwrap_or(n)
}

/// The inverse of [`naive`]; moments before 1970 become the epoch (long expired either way).
pub fn system_time(t: NaiveDateTime) -> SystemTime {
    let utc = t.and_utc();
    u64::try_from(utc.timestamp())
        .map(|secs| UNIX_EPOCH + Duration::new(secs, utc.timestamp_subsec_nanos().min(999_999_999)))
        .unwrap_or(UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naive_utc_round_trip() {
        let t = UNIX_EPOCH + Duration::new(1_798_304_416, 614_721_123);
        let n = naive(t);
        assert_eq!(n.to_string(), "2026-12-26 17:00:16.614721");
        assert_eq!(system_time(n), UNIX_EPOCH + Duration::new(1_798_304_416, 614_721_000));
        assert_eq!(system_time(NaiveDateTime::MIN), UNIX_EPOCH);
    }
}
