//! `session_type = "sqlalchemy"`: sessions in a SQL table through diesel, on PostgreSQL,
//! SQLite or MySQL/MariaDB (features `postgres`, `sqlite`, `mysql`).
//!
//! The default table is Flask Unchained's `flask_sessions` (`session_sqlalchemy_table` renames
//! it), created at startup when missing; a table made by Flask-Session 0.8 (`sessions`) works as
//! it is. A `#[session_model]` struct replaces the default model, with extra columns filled from
//! the session, e.g. a `user_id` that lists and revokes every session of a user.
//!
//! Rows hold `session_key_prefix + sid`, the serialized session, and the expiry in naive UTC,
//! as Flask-Session writes them. The merge of `session_merge_on_save` rewrites a row with
//! `UPDATE … WHERE session_id = ? AND data = <the bytes it merged onto>`, so a row another
//! request saved meanwhile is left alone (no extra column: a Flask app shares the table).
//! A read reports a row's expiry as it is; the lifecycle treats an expired row as gone and
//! deletes it, as Flask-Session does, and the layer's cleanup
//! ([`SqlStore::delete_expired`](crate::SessionStore::delete_expired), run every
//! `session_cleanup_n_requests` requests or by
//! [`SessionLayer::spawn_cleanup`](crate::SessionLayer::spawn_cleanup)) removes the ones nobody
//! reads.

mod backend;
mod clock;
mod ddl;
mod model;
mod pool;
mod retry;
mod statements;
mod users;

/// Used by `#[session_model]`'s output only.
#[doc(hidden)]
pub mod __private;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use crate::codec::Codec;
use crate::expiry::Expiry;
use crate::map::SessionMap;
use crate::store::index::owner_in;
use crate::store::{Loaded, Revision, SessionStore, StoreError, StoreOptions, SweptEntry, Touched};

pub use backend::Backend;
pub use model::{
    Column, ColumnKind, ColumnType, ColumnValue, FlaskSession, ModelSchema, Role, SessionFilter,
    SessionModel,
};
pub use pool::SqlPool;

use clock::{naive, system_time};
use pool::{PoolConfig, Row, SqlError};
use statements::Statements;

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
    codec: Codec,
    /// Bound of one store operation, retries included (`session_store_timeout`).
    timeout: Duration,
    /// The most bytes the data column takes, where the database would refuse (or, outside
    /// strict mode, silently truncate) more: read from MySQL's catalog at connect.
    data_limit: OnceLock<usize>,
    /// The column naming each session's owner, once the store indexes users
    /// (`session_user_key`; see `users.rs`).
    owner: OnceLock<users::OwnerColumn>,
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
    /// Connects to the database at `url` (`session_sqlalchemy`: `postgres://…`, `mysql://…`,
    /// `sqlite:///file.db` or a SQLite file path) with the default model on `table`
    /// (`session_sqlalchemy_table`; Flask Unchained's is `"flask_sessions"`, Flask-Session's
    /// `"sessions"`), created if missing.
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), session_runtime::StoreError> {
    /// use session_runtime::store::StoreOptions;
    /// use session_runtime::SqlStore;
    /// let store = SqlStore::connect("postgres://app@127.0.0.1/app", "flask_sessions", StoreOptions::default()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect(url: &str, table: &str, options: StoreOptions) -> Result<Self, StoreError> {
        Self::open(url, options, ModelSchema::flask_default(table.to_owned()), FlaskSession::extra_values, None).await
    }

    /// [`connect`](Self::connect), with each session's owner (the value of `user_key`,
    /// `session_user_key`) in an indexed `user_id` column, so a user's sessions can be listed and
    /// revoked. The column and its index are created with the table; a table that is already
    /// there without the column (one Flask made) is refused with the statements that add it.
    pub async fn connect_indexing_users(url: &str, table: &str, user_key: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let (schema, owner) = users::default_with_owner(table, user_key);
        Self::open(url, options, schema, FlaskSession::extra_values, Some(owner)).await
    }

    /// Connects with the row model `M` (a `#[session_model]` struct), which names its table.
    pub async fn connect_with_model<M: SessionModel>(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        Self::open(url, options, M::schema(), M::extra_values, None).await
    }

    /// The default model on `table`, on an application's own pool.
    pub async fn from_pool(pool: impl Into<SqlPool>, table: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let schema = ModelSchema::flask_default(table.to_owned());
        Self::assemble(pool.into(), options, schema, FlaskSession::extra_values, None).await
    }

    /// The model `M` on an application's own pool.
    pub async fn from_pool_with_model<M: SessionModel>(
        pool: impl Into<SqlPool>,
        options: StoreOptions,
    ) -> Result<Self, StoreError> {
        Self::assemble(pool.into(), options, M::schema(), M::extra_values, None).await
    }

    async fn open(
        url: &str,
        options: StoreOptions,
        schema: ModelSchema,
        extras: fn(&SessionMap) -> Vec<ColumnValue>,
        owner: Option<users::OwnerColumn>,
    ) -> Result<Self, StoreError> {
        let url = backend::parse_url(url).map_err(|msg| StoreError::backend("sql", msg))?;
        let store = url.backend.name();
        // The pool waits for a connection a little less than the store's bound, so that its
        // report of why none could be opened (refused, DNS, auth) arrives before the bound
        // turns it into a timeout.
        let config = PoolConfig { connection_timeout: options.timeout.mul_f32(0.75), ..PoolConfig::default() };
        let timeout = options.timeout;
        let pool = tokio::time::timeout(timeout, tokio::task::spawn_blocking(move || pool::build(&url, config)))
            .await
            .map_err(|_| StoreError::Timeout { store, after: timeout })?
            .map_err(|e| StoreError::backend(store, e))?
            .map_err(|e| StoreError::backend(store, e))?;
        Self::assemble(pool, options, schema, extras, owner).await
    }

    async fn assemble(
        pool: SqlPool,
        options: StoreOptions,
        schema: ModelSchema,
        extras: fn(&SessionMap) -> Vec<ColumnValue>,
        owner: Option<users::OwnerColumn>,
    ) -> Result<Self, StoreError> {
        let backend = pool.backend();
        schema.validate().map_err(|e| StoreError::backend(backend.name(), e))?;
        let filled = schema.filled_extras().count() - usize::from(owner.as_ref().is_some_and(|o| o.filled_here));
        if extras(&SessionMap::new()).len() != filled {
            return Err(StoreError::backend(backend.name(), "the model's extra_values does not match its filled extra columns"));
        }
        let store = Self::build(pool.clone(), options, schema, extras, owner.clone());
        let store = match store.create_table().await? {
            true => store,
            false => {
                store.check_owner_column().await?;
                match store.without_missing_timestamps().await? {
                    Some(schema) => Self::build(pool, options, schema, extras, owner),
                    None => store,
                }
            }
        };
        store.read_data_limit().await?;
        Ok(store)
    }

    fn build(
        pool: SqlPool,
        options: StoreOptions,
        schema: ModelSchema,
        extras: fn(&SessionMap) -> Vec<ColumnValue>,
        owner: Option<users::OwnerColumn>,
    ) -> Self {
        let backend = pool.backend();
        SqlStore {
            inner: Arc::new(Inner {
                statements: Statements::new(&schema, backend),
                pool,
                backend,
                schema,
                extras,
                codec: options.codec(),
                timeout: options.timeout,
                data_limit: OnceLock::new(),
                owner: owner.map(OnceLock::from).unwrap_or_default(),
            }),
        }
    }

    /// On a table that was already there, the schema without the `created_at`/`updated_at`
    /// columns it does not have (Flask Unchained's table has both, Flask-Session's own has
    /// neither); `None` when nothing is missing.
    async fn without_missing_timestamps(&self) -> Result<Option<ModelSchema>, StoreError> {
        let mut schema = self.inner.schema.clone();
        let mut missing = false;
        for role in [Role::CreatedAt, Role::UpdatedAt] {
            let Some(column) = schema.column(&role).map(|c| c.name.clone()) else { continue };
            if !self.has_column(column).await? {
                schema.columns.retain(|c| c.role != role);
                missing = true;
            }
        }
        Ok(missing.then_some(schema))
    }

    /// Whether the table has `column`.
    async fn has_column(&self, column: String) -> Result<bool, StoreError> {
        let (schema_part, table) = self.schema_and_table();
        let binds = match self.inner.backend {
            Backend::Sqlite => vec![ColumnValue::Text(Some(table)), ColumnValue::Text(Some(column))],
            _ => vec![ColumnValue::Text(schema_part), ColumnValue::Text(Some(table)), ColumnValue::Text(Some(column))],
        };
        Ok(self.with_pool(move |pool, st| pool.count(&st.column_exists, &binds)).await? > 0)
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

    /// `schema.table` split as the catalogs name them (no schema: the connection's own).
    fn schema_and_table(&self) -> (Option<String>, String) {
        match self.inner.schema.table.split_once('.') {
            Some((schema, table)) => (Some(schema.to_owned()), table.to_owned()),
            None => (None, self.inner.schema.table.clone()),
        }
    }

    /// Reads the data column's size limit where the database has one that sessions can reach.
    async fn read_data_limit(&self) -> Result<(), StoreError> {
        let Some(sql) = self.inner.statements.data_limit.clone() else { return Ok(()) };
        let (schema_part, table) = self.schema_and_table();
        let column = self.inner.schema.core().1.to_owned();
        let binds = [ColumnValue::Text(schema_part), ColumnValue::Text(Some(table)), ColumnValue::Text(Some(column))];
        let limit = self.with_pool(move |pool, _| pool.count(&sql, &binds)).await?;
        let _ = self.inner.data_limit.set(usize::try_from(limit).unwrap_or(0));
        Ok(())
    }

    /// Creates the model's table and indexes when the table is missing; an existing table is
    /// left exactly as it is. Returns whether it created one. [`connect`](Self::connect) calls this.
    pub async fn create_table(&self) -> Result<bool, StoreError> {
        let table = &self.inner.schema.table;
        let (schema_part, bare) = self.schema_and_table();
        let binds = match self.inner.backend {
            Backend::Postgres => vec![ColumnValue::Text(Some(self.inner.backend.quote(table)))],
            Backend::Sqlite => vec![ColumnValue::Text(Some(bare))],
            Backend::Mysql => vec![ColumnValue::Text(schema_part), ColumnValue::Text(Some(bare))],
        };
        let exists_binds = binds.clone();
        let exists = self.with_pool(move |pool, st| pool.count(&st.table_exists, &binds)).await? > 0;
        if exists {
            return Ok(false);
        }
        let ddl = ddl::create_table(&self.inner.schema, self.inner.backend);
        tracing::info!(table = %self.inner.schema.table, backend = %self.inner.backend, "creating the sessions table");
        let binds = exists_binds.clone();
        match self.with_pool(move |pool, _| pool.batch(&ddl)).await {
            Ok(()) => Ok(true),
            // Two processes starting at once: PostgreSQL's `CREATE TABLE IF NOT EXISTS` can
            // still fail on the catalog's unique index when another creates the same table.
            Err(e) => match self.with_pool(move |pool, st| pool.count(&st.table_exists, &binds)).await {
                Ok(n) if n > 0 => Ok(false),
                _ => Err(e),
            },
        }
    }

    /// Runs blocking `work` with the pool and statements, retried on transient errors, all
    /// within the store's timeout.
    async fn with_pool<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: Fn(&SqlPool, &Statements) -> Result<T, SqlError> + Clone + Send + Sync + 'static,
        T: Send + 'static,
    {
        let inner = self.inner.clone();
        let (store, timeout) = (self.inner.backend.name(), self.inner.timeout);
        retry::run(store, timeout, move || work(&inner.pool, &inner.statements)).await
    }

    /// Loads a live row and moves its expiry in one `UPDATE … RETURNING`; `None` when no live
    /// row was there.
    async fn load_refreshed(&self, key: &str, expiry: &Expiry) -> Result<Option<Loaded>, StoreError> {
        let now = SystemTime::now();
        let mut binds = vec![ColumnValue::Timestamp(Some(naive(expiry.at())))];
        if self.inner.schema.column(&Role::UpdatedAt).is_some() {
            binds.push(ColumnValue::Timestamp(Some(naive(now))));
        }
        binds.push(ColumnValue::Text(Some(key.to_owned())));
        binds.push(ColumnValue::Timestamp(Some(naive(now))));
        let rows = self
            .with_pool(move |pool, st| match &st.refresh_returning {
                Some(sql) => pool.rows(sql, &binds),
                None => Ok(Vec::new()),
            })
            .await?;
        let Some(row) = rows.into_iter().next() else { return Ok(None) };
        let data = self.inner.codec.decode_off_thread(row.data.unwrap_or_default()).await?;
        Ok(Some(Loaded { data, expires_at: row.expiry.map(system_time), refreshed: true }))
    }

    /// The row's raw data and expiry, expired or not (the lifecycle decides). NULL data reads
    /// as empty bytes (which never decode).
    async fn select(&self, key: &str) -> Result<Option<(Vec<u8>, Option<SystemTime>)>, StoreError> {
        let binds = [ColumnValue::Text(Some(key.to_owned()))];
        let rows = self.with_pool(move |pool, st| pool.rows(&st.select, &binds)).await?;
        Ok(rows.into_iter().next().map(|Row { data, expiry, .. }| (data.unwrap_or_default(), expiry.map(system_time))))
    }

    /// `data` serialized, refused before it is sent when over MySQL's column or packet limit.
    fn encode(&self, data: &SessionMap) -> Result<Vec<u8>, StoreError> {
        let bytes = self.inner.codec.encode(self.inner.backend.name(), data)?;
        if let Some(&limit) = self.inner.data_limit.get() {
            if bytes.len() > limit {
                return Err(StoreError::TooLarge { store: self.inner.backend.name(), size: bytes.len(), limit });
            }
        }
        Ok(bytes)
    }

    /// The binds of an update before its `WHERE`, in `Statements::update`'s column order.
    fn update_binds(&self, data: &SessionMap, expiry: &Expiry) -> Result<Vec<ColumnValue>, StoreError> {
        let mut binds =
            vec![ColumnValue::Binary(Some(self.encode(data)?)), ColumnValue::Timestamp(Some(naive(expiry.at())))];
        if self.inner.schema.column(&Role::UpdatedAt).is_some() {
            binds.push(ColumnValue::Timestamp(Some(naive(SystemTime::now()))));
        }
        binds.extend((self.inner.extras)(data));
        binds.extend(self.owner_bind(data));
        Ok(binds)
    }

    /// The binds of an insert, in `Statements::insert`'s column order.
    fn write_binds(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<Vec<ColumnValue>, StoreError> {
        let bytes = self.encode(data)?;
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
        binds.extend(self.owner_bind(data));
        Ok(binds)
    }
}

impl SessionStore for SqlStore {
    async fn load(&self, key: &str, refresh: Option<&Expiry>) -> Result<Option<Loaded>, StoreError> {
        if let (Some(expiry), Some(_)) = (refresh, &self.inner.statements.refresh_returning) {
            if let Some(loaded) = self.load_refreshed(key, expiry).await? {
                return Ok(Some(loaded));
            }
            // Missing or expired: the plain read below reports which.
        }
        let Some((data, expires_at)) = self.select(key).await? else { return Ok(None) };
        Ok(Some(Loaded { data: self.inner.codec.decode_off_thread(data).await?, expires_at, refreshed: false }))
    }

    /// `UPDATE … WHERE session_id = ?`: one row affected is a write, none a gone row. (MySQL
    /// counts matched rows here, not changed ones: diesel connects with `CLIENT_FOUND_ROWS`.)
    async fn save(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        let mut binds = self.update_binds(data, expiry)?;
        binds.push(ColumnValue::Text(Some(key.to_owned())));
        Ok(self.with_pool(move |pool, st| pool.execute(&st.update, &binds)).await? == 1)
    }

    async fn create(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        use diesel::result::{DatabaseErrorKind, Error};
        let binds = self.write_binds(key, data, expiry)?;
        let unique = |e: &SqlError| matches!(e, SqlError::Query(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)));
        self.with_pool(move |pool, st| match pool.execute(&st.insert, &binds) {
            Ok(_) => Ok(true),
            Err(e) if unique(&e) => {
                // An expired row nobody has read yet still holds the key; the id is free again.
                let expired = [binds[0].clone(), ColumnValue::Timestamp(Some(naive(SystemTime::now())))];
                if pool.execute(&st.delete_if_expired, &expired)? == 0 {
                    return Ok(false);
                }
                match pool.execute(&st.insert, &binds) {
                    Ok(_) => Ok(true),
                    Err(e) if unique(&e) => Ok(false),
                    Err(e) => Err(e),
                }
            }
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

    /// The expired rows, selected and deleted in one transaction; an owner is read from each
    /// row's data (so any model serves, indexed or not).
    async fn delete_expired_entries(&self, user_key: Option<&str>) -> Result<(u64, Vec<SweptEntry>), StoreError> {
        let binds = [ColumnValue::Timestamp(Some(naive(SystemTime::now())))];
        let (rows, deleted) =
            self.with_pool(move |pool, st| pool.take_rows(&st.select_expired, &st.delete_expired, &binds)).await?;
        let codec = self.inner.codec;
        let swept = rows.into_iter().filter_map(|row| {
            let user = user_key.zip(row.data.as_deref()).and_then(|(k, data)| owner_in(&codec.decode(data).ok()?, k));
            Some(SweptEntry { entry: row.session_id?, user })
        });
        Ok((deleted as u64, swept.collect()))
    }

    /// The row; the revision is its raw `data` bytes.
    async fn load_for_update(&self, key: &str) -> Result<Option<(Loaded, Revision)>, StoreError> {
        let Some((data, expires_at)) = self.select(key).await? else { return Ok(None) };
        let loaded = Loaded { data: self.inner.codec.decode_off_thread(data.clone()).await?, expires_at, refreshed: false };
        Ok(Some((loaded, Revision::from_bytes(data))))
    }

    /// One `UPDATE … WHERE session_id = ? AND data = <old bytes>` on a live row; one row
    /// affected is a write (matched rows on MySQL too, as in `save`).
    async fn save_if_unchanged(
        &self,
        key: &str,
        revision: &Revision,
        data: &SessionMap,
        expiry: &Expiry,
    ) -> Result<bool, StoreError> {
        let old = revision.expected_bytes(self.inner.backend.name())?;
        let mut binds = self.update_binds(data, expiry)?;
        binds.extend([
            ColumnValue::Text(Some(key.to_owned())),
            ColumnValue::Binary(Some(old.to_vec())),
            ColumnValue::Timestamp(Some(naive(SystemTime::now()))),
        ]);
        let n = self.with_pool(move |pool, st| pool.execute(&st.update_if_unchanged, &binds)).await?;
        Ok(n == 1)
    }

    fn indexes_users(&self) -> bool {
        self.inner.owner.get().is_some()
    }

    async fn user_entries(&self, owner: &crate::store::Owner<'_>) -> Result<Vec<crate::store::IndexEntry>, StoreError> {
        self.owned_rows(owner).await
    }
}

