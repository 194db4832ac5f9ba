//! Sessions of a user: list and revoke by an extra column (e.g. `user_id` filled from
//! `_user_id`), one indexed statement each.

use std::time::SystemTime;

use super::model::{ColumnValue, Role, SessionFilter};
use super::{naive, statements, system_time, SqlStore, StoredSession};
use crate::store::StoreError;

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
