//! `Settings` for each store the suite runs against, pointing at the servers of `./scripts/test`.

use session_runtime::{SessionType, Settings};

use super::env;

/// Every store configuration with a real server behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Filesystem,
    Redis,
    RedisCluster,
    Memcached,
    Mongodb,
    Postgres,
    Mysql,
    Sqlite,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Filesystem,
        Kind::Redis,
        Kind::RedisCluster,
        Kind::Memcached,
        Kind::Mongodb,
        Kind::Postgres,
        Kind::Mysql,
        Kind::Sqlite,
    ];
}

/// Settings for `kind` with the seed's defaults otherwise; `label` names a fresh directory (for
/// the filesystem and SQLite) or a table (PostgreSQL and MariaDB), so test files do not meet.
pub fn settings(kind: Kind, label: &str) -> Settings {
    let mut s = Settings::default();
    match kind {
        Kind::Filesystem => {
            s.session_type = SessionType::Filesystem;
            s.session_file_dir = super::temp_dir(label);
        }
        Kind::Redis | Kind::RedisCluster => {
            s.session_type = SessionType::Redis;
            s.session_redis = if kind == Kind::Redis { env::redis_url() } else { env::redis_cluster_urls() };
        }
        Kind::Memcached => {
            s.session_type = SessionType::Memcached;
            s.session_memcached = env::memcached_url();
        }
        Kind::Mongodb => {
            s.session_type = SessionType::Mongodb;
            s.session_mongodb = env::mongodb_url();
        }
        Kind::Postgres | Kind::Mysql => {
            s.session_type = SessionType::Sqlalchemy;
            s.session_sqlalchemy = Some(if kind == Kind::Postgres { env::postgres_url() } else { env::mysql_url() });
            s.session_sqlalchemy_table = label.replace('-', "_");
        }
        Kind::Sqlite => {
            s.session_type = SessionType::Sqlalchemy;
            s.session_sqlalchemy = Some(super::temp_dir(label).join("sessions.db").display().to_string());
        }
    }
    s
}
