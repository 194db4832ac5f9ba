//! The shared store conformance suite on the three databases, plus the raw writer it uses to
//! plant corrupt rows.

use std::time::{Duration, SystemTime};

use session_runtime::store::sql::SqlStore;
use session_runtime::store::StoreOptions;

use crate::common::conformance::{Raw, RawPut};
use crate::support::{self, naive};

/// All conformance tests of a backend share one table; their keys are random.
const TABLE: &str = "t_conformance";

#[derive(Debug)]
pub struct RawSql(support::Raw);

impl RawPut for RawSql {
    async fn put_raw(&self, key: &str, bytes: &[u8], ttl: Duration) {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let blob = if self.0.is_postgres() { format!("decode('{hex}', 'hex')") } else { format!("x'{hex}'") };
        let expiry = naive(SystemTime::now() + ttl).format("%Y-%m-%d %H:%M:%S%.6f");
        self.0.exec(&format!("DELETE FROM {TABLE} WHERE session_id = '{key}'")).await;
        self.0.exec(&format!("INSERT INTO {TABLE} (session_id, data, expiry) VALUES ('{key}', {blob}, '{expiry}')")).await;
    }
}

pub async fn store(url: String) -> Raw<SqlStore, RawSql> {
    let store = SqlStore::connect(&url, TABLE, StoreOptions::default()).await.unwrap_or_else(|e| panic!("SQL server at {url} is missing: {e}"));
    Raw { store, writer: RawSql(support::Raw::new(&url)) }
}

/// SQLite: one database file for the whole suite (a file per test would also do; one file
/// also exercises the pool's busy_timeout under parallel tests).
pub fn sqlite_suite_url() -> String {
    let path = std::env::temp_dir().join(format!("session-sql-conformance-{}.db", std::process::id()));
    path.to_string_lossy().into_owned()
}

crate::store_conformance!(postgres, crate::conformance::store(crate::support::pg_url("conformance")));
crate::store_conformance!(mysql, crate::conformance::store(crate::support::mysql_url("conformance")));
crate::store_conformance!(sqlite, crate::conformance::store(crate::conformance::sqlite_suite_url()));
