//! Sessions of a user: list and revoke by an extra column (e.g. `user_id` filled from
//! `_user_id`), one indexed statement each.

use std::time::SystemTime;

use super::model::{Column, ColumnKind, ColumnValue, ModelSchema, Role, SessionFilter};
use super::{naive, statements, system_time, SqlStore, StoredSession};
use crate::map::SessionMap;
use crate::store::index::owner_value;
use crate::store::{IndexEntry, Owner, StoreError};

impl SqlStore {
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
                data: r.data.and_then(|d| self.inner.codec.decode(&d).ok()),
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
}

/// The column that names each session's owner (`session_user_key`).
#[derive(Debug, Clone)]
pub(super) struct OwnerColumn {
    pub(super) column: String,
    /// The session key the column is filled from.
    pub(super) user_key: String,
    /// Filled by the store itself (the default model's `user_id`), not by the model's `extra_values`.
    pub(super) filled_here: bool,
}

/// The default model's column for the owner.
const OWNER_COLUMN: &str = "user_id";

/// The default model on `table` with an indexed `user_id` column filled from `user_key`.
pub(super) fn default_with_owner(table: &str, user_key: &str) -> (ModelSchema, OwnerColumn) {
    let mut schema = ModelSchema::flask_default(table.to_owned());
    schema.columns.push(Column {
        name: OWNER_COLUMN.into(),
        role: Role::Extra { from: Some(user_key.to_owned()) },
        kind: ColumnKind::Text,
        nullable: true,
        indexed: true,
    });
    (schema, OwnerColumn { column: OWNER_COLUMN.into(), user_key: user_key.to_owned(), filled_here: true })
}

impl SqlStore {
    /// Lists and revokes users' sessions by the model's extra column filled from `user_key`
    /// (`session_user_key`), e.g. a `#[session_model]` column `#[session(from = "_user_id")]`;
    /// refused when the model has none. (The default model gets its column from
    /// [`connect_indexing_users`](Self::connect_indexing_users).)
    pub fn index_users(self, user_key: &str) -> Result<Self, StoreError> {
        if let Some(owner) = self.inner.owner.get() {
            return match owner.user_key == user_key {
                true => Ok(self),
                false => Err(StoreError::backend(self.inner.backend.name(), format!("the store already indexes users by `{}`", owner.user_key))),
            };
        }
        let from_key = |c: &&Column| matches!(&c.role, Role::Extra { from: Some(k) } if k == user_key);
        let Some(column) = self.inner.schema.columns.iter().find(from_key) else {
            return Err(StoreError::backend(
                self.inner.backend.name(),
                format!(
                    "session_user_key is \"{user_key}\", but the model of table `{}` has no column filled from it; add one \
                     (in a #[session_model], a field with #[session(from = \"{user_key}\")] and an index)",
                    self.inner.schema.table
                ),
            ));
        };
        let owner = OwnerColumn { column: column.name.clone(), user_key: user_key.to_owned(), filled_here: false };
        let _ = self.inner.owner.set(owner);
        Ok(self)
    }

    /// The owner column's value for `data`, when the store fills it itself.
    pub(super) fn owner_bind(&self, data: &SessionMap) -> Option<ColumnValue> {
        let owner = self.inner.owner.get().filter(|o| o.filled_here)?;
        Some(ColumnValue::Text(data.get(&owner.user_key).and_then(owner_value)))
    }

    /// On a table that was already there: the owner column the store fills must exist.
    pub(super) async fn check_owner_column(&self) -> Result<(), StoreError> {
        let Some(owner) = self.inner.owner.get().filter(|o| o.filled_here) else { return Ok(()) };
        if self.has_column(owner.column.clone()).await? {
            return Ok(());
        }
        let (table, backend) = (&self.inner.schema.table, self.inner.backend);
        let (q_table, q_column) = (backend.quote(table), backend.quote(&owner.column));
        let bare = table.rsplit('.').next().unwrap_or(table);
        Err(StoreError::backend(
            backend.name(),
            format!(
                "session_user_key needs a `{}` column in the sessions table `{table}`, which was made without it \
                 (by Flask, or before session_user_key was set); add it: `ALTER TABLE {q_table} ADD COLUMN {q_column} \
                 VARCHAR(255) NULL; CREATE INDEX {} ON {q_table} ({q_column});`",
                owner.column,
                backend.quote(&format!("ix_{bare}_{}", owner.column)),
            ),
        ))
    }

    /// The live rows whose owner column is `owner.user`, through its index.
    pub(super) async fn owned_rows(&self, owner: &Owner<'_>) -> Result<Vec<IndexEntry>, StoreError> {
        let column = self.inner.owner.get().map(|o| o.column.clone()).ok_or(StoreError::Unavailable { reason: crate::store::index::NO_INDEX })?;
        let sql = statements::select_by(&self.inner.schema, self.inner.backend, &column);
        let binds = [ColumnValue::Text(Some(owner.user.to_owned())), ColumnValue::Timestamp(Some(naive(SystemTime::now())))];
        let rows = self.with_pool(move |pool, _| pool.rows(&sql, &binds)).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| Some(IndexEntry { entry: r.session_id?, expires_at: r.expiry.map(system_time) }))
            .collect())
    }
}
