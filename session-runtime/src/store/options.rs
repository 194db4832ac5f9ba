//! What the bundled stores take besides their address ([`StoreOptions`], [`FilesystemOptions`]),
//! and the one translation of [`Settings`] into stores: [`connect`] (what `Settings::into_layer`
//! and `#[session_config]` run) and the `From<&Settings>` impls of the options.

use std::sync::Arc;
use std::time::Duration;

use crate::codec::{Codec, SerializationFormat};
use crate::error::Error;
use crate::settings::{FileNameHash, SessionType, Settings};
use crate::store::{DynStore, FilesystemStore, NullStore};
#[cfg(feature = "memcached")]
use crate::store::MemcachedStore;
#[cfg(feature = "mongodb")]
use crate::store::MongoStore;
#[cfg(feature = "redis")]
use crate::store::RedisStore;

/// How a network or SQL store writes sessions and how long it waits for its server: what Redis,
/// memcached, MongoDB and SQL stores take besides their address.
///
/// ```
/// use std::time::Duration;
/// use session_runtime::store::StoreOptions;
/// use session_runtime::SerializationFormat;
///
/// let options = StoreOptions::default()
///     .with_format(SerializationFormat::Json)
///     .with_timeout(Duration::from_millis(500));
/// # let _ = options;
/// ```
///
/// `StoreOptions::from(&settings)` reads `session_serialization_format`, `session_max_size` and
/// `session_store_timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    pub(crate) format: SerializationFormat,
    pub(crate) max_session_size: usize,
    pub(crate) timeout: Duration,
}

impl Default for StoreOptions {
    /// The defaults of the settings it holds: msgpack, 1 MiB and 2 s.
    fn default() -> Self {
        StoreOptions::from(&Settings::default())
    }
}

impl StoreOptions {
    /// Sessions are written in `format` (`session_serialization_format`); reading accepts
    /// every format.
    pub fn with_format(self, format: SerializationFormat) -> Self {
        StoreOptions { format, ..self }
    }

    /// Refuses sessions over `bytes` serialized, written or read (`session_max_size`).
    pub fn with_max_session_size(self, bytes: usize) -> Self {
        StoreOptions { max_session_size: bytes, ..self }
    }

    /// Bounds every store operation, connecting included, by `timeout` (`session_store_timeout`).
    pub fn with_timeout(self, timeout: Duration) -> Self {
        StoreOptions { timeout, ..self }
    }

    #[cfg_attr(
        not(any(feature = "redis", feature = "memcached", feature = "mongodb", feature = "postgres", feature = "sqlite", feature = "mysql")),
        allow(dead_code)
    )]
    pub(crate) fn codec(&self) -> Codec {
        Codec::new(self.format).with_max_size(self.max_session_size)
    }
}

/// How a [`FilesystemStore`](crate::store::FilesystemStore) keeps its files. The defaults are
/// cachelib's (threshold 500, mode `0o600`, sha256 file names) and sessions of at most 1 MiB;
/// `FilesystemOptions::from(&settings)` reads `session_file_threshold`, `session_file_mode`,
/// `session_file_name_hash` and `session_max_size`.
///
/// ```no_run
/// use session_runtime::store::{FilesystemOptions, FilesystemStore};
/// let store = FilesystemStore::open("/var/lib/app/sessions", FilesystemOptions::default().with_mode(0o640))?;
/// # Ok::<(), session_runtime::StoreError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilesystemOptions {
    pub(crate) threshold: usize,
    pub(crate) mode: u32,
    pub(crate) hash: FileNameHash,
    pub(crate) max_session_size: usize,
}

impl Default for FilesystemOptions {
    /// The defaults of the settings it holds: 500 files, mode 0o600, sha256 names and 1 MiB.
    fn default() -> Self {
        FilesystemOptions::from(&Settings::default())
    }
}

impl FilesystemOptions {
    /// Files kept before pruning (`session_file_threshold`); 0 turns pruning off.
    pub fn with_threshold(self, files: usize) -> Self {
        FilesystemOptions { threshold: files, ..self }
    }

    /// The mode of session files (`session_file_mode`); the owner must read and write them.
    pub fn with_mode(self, mode: u32) -> Self {
        FilesystemOptions { mode, ..self }
    }

    /// The hash naming the files (`session_file_name_hash`): md5 for cachelib <= 0.15.
    pub fn with_file_name_hash(self, hash: FileNameHash) -> Self {
        FilesystemOptions { hash, ..self }
    }

    /// Refuses sessions over `bytes` pickled, written or read (`session_max_size`).
    pub fn with_max_session_size(self, bytes: usize) -> Self {
        FilesystemOptions { max_session_size: bytes, ..self }
    }
}

impl From<&Settings> for StoreOptions {
    fn from(s: &Settings) -> Self {
        StoreOptions {
            format: s.session_serialization_format,
            max_session_size: s.session_max_size,
            timeout: s.session_store_timeout,
        }
    }
}

impl From<&Settings> for FilesystemOptions {
    /// `session_file_threshold`, `session_file_mode`, `session_file_name_hash` and
    /// `session_max_size` (the directory is `session_file_dir`, given to the store apart).
    fn from(s: &Settings) -> Self {
        FilesystemOptions {
            threshold: s.session_file_threshold,
            mode: s.session_file_mode,
            hash: s.session_file_name_hash,
            max_session_size: s.session_max_size,
        }
    }
}

/// The store of `settings.session_type`, connected and prepared.
///
/// The network stores' connect futures are boxed: inlined, their depth made rustc overflow its
/// query depth limit on an app awaiting `into_layer` with every feature on.
pub(crate) async fn connect(settings: &Settings) -> Result<Arc<dyn DynStore>, Error> {
    // Unused when every backend feature is on.
    #[allow(unused_variables)]
    let feature_off = |feature| Error::FeatureDisabled { session_type: settings.session_type.name(), feature };
    // Unused when no network feature is on.
    #[allow(unused_variables)]
    let options = StoreOptions::from(settings);
    Ok(match settings.session_type {
        SessionType::Null => Arc::new(NullStore),
        SessionType::Filesystem => Arc::new(FilesystemStore::open(&settings.session_file_dir, settings.into())?),
        #[cfg(feature = "redis")]
        SessionType::Redis => Arc::new(Box::pin(RedisStore::connect(&settings.session_redis, options)).await?),
        #[cfg(not(feature = "redis"))]
        SessionType::Redis => return Err(feature_off("redis")),
        #[cfg(feature = "memcached")]
        SessionType::Memcached => Arc::new(Box::pin(MemcachedStore::connect(&settings.session_memcached, options)).await?),
        #[cfg(not(feature = "memcached"))]
        SessionType::Memcached => return Err(feature_off("memcached")),
        #[cfg(feature = "mongodb")]
        SessionType::Mongodb => {
            let store = Box::pin(MongoStore::connect(
                &settings.session_mongodb,
                &settings.session_mongodb_db,
                &settings.session_mongodb_collect,
                options,
            ))
            .await?;
            Arc::new(match &settings.session_user_key {
                Some(user_key) => store.index_users(user_key).await?,
                None => store,
            })
        }
        #[cfg(not(feature = "mongodb"))]
        SessionType::Mongodb => return Err(feature_off("mongodb")),
        #[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
        SessionType::Sqlalchemy => Arc::new(
            match &settings.session_user_key {
                Some(user_key) => {
                    crate::store::sql::SqlStore::connect_indexing_users(sql_url(settings)?, &settings.session_sqlalchemy_table, user_key, options).await?
                }
                None => crate::store::sql::SqlStore::connect(sql_url(settings)?, &settings.session_sqlalchemy_table, options).await?,
            },
        ),
        #[cfg(not(any(feature = "postgres", feature = "sqlite", feature = "mysql")))]
        SessionType::Sqlalchemy => return Err(feature_off("postgres`, `sqlite` or `mysql")),
    })
}

/// `session_type = "sqlalchemy"` with `session_sqlalchemy_model = M`: the SQL store on `M`'s
/// table (`session_sqlalchemy_table` is the default model's, so it is not read).
#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
pub(crate) async fn connect_with_model<M: crate::store::sql::SessionModel>(
    settings: &Settings,
) -> Result<crate::store::sql::SqlStore, Error> {
    let store = crate::store::sql::SqlStore::connect_with_model::<M>(sql_url(settings)?, settings.into()).await?;
    Ok(match &settings.session_user_key {
        Some(user_key) => store.index_users(user_key)?,
        None => store,
    })
}

/// `session_sqlalchemy`, which the SQL store cannot do without.
#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
fn sql_url(settings: &Settings) -> Result<&str, Error> {
    settings.session_sqlalchemy.as_deref().ok_or_else(|| {
        Error::Settings(crate::SettingsError {
            setting: "session_sqlalchemy",
            message: "session_type is \"sqlalchemy\" but the database URL is not set".into(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_options_defaults_are_the_settings_defaults() {
        assert_eq!(StoreOptions::from(&Settings::default()), StoreOptions::default());
        assert_eq!(FilesystemOptions::from(&Settings::default()), FilesystemOptions::default());
    }

    #[test]
    fn settings_reach_the_options() {
        let s = Settings::default().with(|s| {
            s.session_serialization_format = SerializationFormat::Json;
            s.session_max_size = 4096;
            s.session_store_timeout = Duration::from_millis(300);
            s.session_file_threshold = 7;
            s.session_file_mode = 0o640;
            s.session_file_name_hash = FileNameHash::Md5;
        });
        let want = StoreOptions::default()
            .with_format(SerializationFormat::Json)
            .with_max_session_size(4096)
            .with_timeout(Duration::from_millis(300));
        assert_eq!(StoreOptions::from(&s), want);
        let want = FilesystemOptions::default()
            .with_threshold(7)
            .with_mode(0o640)
            .with_file_name_hash(FileNameHash::Md5)
            .with_max_session_size(4096);
        assert_eq!(FilesystemOptions::from(&s), want);
    }
}
