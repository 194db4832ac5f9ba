//! The store trait, its errors, and the stores that ship with the crate.
//!
//! A store only moves bytes and translates an [`Expiry`]; when a session is new, modified,
//! expired or empty is decided once, in the session lifecycle.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use std::sync::Arc;

use crate::codec::{DecodeError, EncodeError};
use crate::error::Error;
use crate::settings::{SessionType, Settings};
use crate::expiry::Expiry;
use crate::map::SessionMap;

pub mod filesystem;
pub mod null;

pub use filesystem::FilesystemStore;
#[cfg(feature = "memcached")]
pub mod memcached;
#[cfg(feature = "mongodb")]
pub mod mongodb;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))))]
pub mod sql;

pub use null::NullStore;
#[cfg(feature = "memcached")]
pub use memcached::MemcachedStore;
#[cfg(feature = "mongodb")]
pub use mongodb::MongoStore;
#[cfg(feature = "redis")]
pub use redis::RedisStore;

/// A session as a store returned it.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The session's data.
    pub data: SessionMap,
    /// When the entry expires, if the store records it; the lifecycle treats a past moment as a
    /// miss (and deletes the entry), so stores need not check it themselves.
    pub expires_at: Option<SystemTime>,
    /// True when the load itself already refreshed the TTL (e.g. Redis `GETEX`), so the
    /// lifecycle sends no separate refresh.
    pub refreshed: bool,
}

/// What a TTL refresh found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touched {
    /// The entry's expiry was moved without rewriting its data.
    Refreshed,
    /// The entry was not there any more (the lifecycle then writes it whole).
    Missing,
    /// This store cannot refresh without a write (the lifecycle then writes it whole).
    Unsupported,
}

/// A storage backend for sessions.
///
/// `key` is always `session_key_prefix + id`, with the id's shape already checked. Implement
/// the five required methods; `touch` and `delete_expired` have defaults for stores without
/// those abilities.
pub trait SessionStore: fmt::Debug + Send + Sync + 'static {
    /// The entry under `key`, or `None`. When `refresh` is given and the store can move the
    /// TTL in the same round trip, it does and sets [`Loaded::refreshed`].
    fn load(
        &self,
        key: &str,
        refresh: Option<&Expiry>,
    ) -> impl Future<Output = Result<Option<Loaded>, StoreError>> + Send;

    /// Writes `data` under `key`, replacing any entry, to expire at `expiry`.
    fn save(
        &self,
        key: &str,
        data: &SessionMap,
        expiry: &Expiry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Writes `data` under `key` only if no entry is there; `Ok(false)` on a collision (the
    /// lifecycle then draws another id).
    fn create(
        &self,
        key: &str,
        data: &SessionMap,
        expiry: &Expiry,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Deletes the entry under `key`; deleting a missing entry is not an error.
    fn delete(&self, key: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Moves the entry's expiry without rewriting its data, where the store can.
    fn touch(
        &self,
        key: &str,
        expiry: &Expiry,
    ) -> impl Future<Output = Result<Touched, StoreError>> + Send {
        let _ = (key, expiry);
        async { Ok(Touched::Unsupported) }
    }

    /// Deletes every expired entry, for stores without native expiry; returns how many.
    fn delete_expired(&self) -> impl Future<Output = Result<u64, StoreError>> + Send {
        async { Ok(0) }
    }
}

/// Why a store operation failed. Every variant keeps what caused it.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend failed: connection refused or lost, I/O error, a server error.
    Backend {
        /// The store's name, e.g. `"redis"`.
        store: &'static str,
        /// The underlying error.
        source: Box<dyn StdError + Send + Sync>,
    },
    /// The backend did not answer in time.
    Timeout {
        /// The store's name.
        store: &'static str,
        /// How long it waited.
        after: Duration,
    },
    /// The stored bytes are unreadable; the lifecycle starts a fresh session.
    Decode(DecodeError),
    /// The session could not be serialized.
    Encode(EncodeError),
    /// The serialized session is over what the store holds; the stored one is untouched.
    TooLarge {
        /// The store's name.
        store: &'static str,
        /// Serialized size in bytes.
        size: usize,
        /// The store's limit in bytes.
        limit: usize,
    },
    /// The store takes no writes (`session_type = "null"`).
    Unavailable {
        /// Why, for the operator.
        reason: &'static str,
    },
}

impl StoreError {
    /// A backend error of `store`.
    pub fn backend(store: &'static str, source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        StoreError::Backend { store, source: source.into() }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Backend { store, source } => write!(f, "{store} session store failed: {source}"),
            StoreError::Timeout { store, after } => {
                write!(f, "{store} session store did not answer within {after:?}")
            }
            StoreError::Decode(e) => e.fmt(f),
            StoreError::Encode(e) => e.fmt(f),
            StoreError::TooLarge { store, size, limit } => write!(
                f,
                "the session is {size} bytes serialized, over the {store} store's limit of {limit} bytes; \
                 the stored session was left as it was"
            ),
            StoreError::Unavailable { reason } => f.write_str(reason),
        }
    }
}

impl StdError for StoreError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            StoreError::Backend { source, .. } => Some(&**source),
            StoreError::Decode(e) => Some(e),
            StoreError::Encode(e) => Some(e),
            _ => None,
        }
    }
}

impl From<DecodeError> for StoreError {
    fn from(e: DecodeError) -> Self {
        StoreError::Decode(e)
    }
}

impl From<EncodeError> for StoreError {
    fn from(e: EncodeError) -> Self {
        StoreError::Encode(e)
    }
}

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Object-safe form of [`SessionStore`], so the layer holds any store behind one pointer.
pub(crate) trait DynStore: fmt::Debug + Send + Sync + 'static {
    fn load<'a>(&'a self, key: &'a str, refresh: Option<&'a Expiry>) -> BoxFuture<'a, Result<Option<Loaded>, StoreError>>;
    fn save<'a>(&'a self, key: &'a str, data: &'a SessionMap, expiry: &'a Expiry) -> BoxFuture<'a, Result<(), StoreError>>;
    fn create<'a>(&'a self, key: &'a str, data: &'a SessionMap, expiry: &'a Expiry) -> BoxFuture<'a, Result<bool, StoreError>>;
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
    fn touch<'a>(&'a self, key: &'a str, expiry: &'a Expiry) -> BoxFuture<'a, Result<Touched, StoreError>>;
    fn delete_expired(&self) -> BoxFuture<'_, Result<u64, StoreError>>;
}

impl<S: SessionStore> DynStore for S {
    fn load<'a>(&'a self, key: &'a str, refresh: Option<&'a Expiry>) -> BoxFuture<'a, Result<Option<Loaded>, StoreError>> {
        Box::pin(SessionStore::load(self, key, refresh))
    }
    fn save<'a>(&'a self, key: &'a str, data: &'a SessionMap, expiry: &'a Expiry) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(SessionStore::save(self, key, data, expiry))
    }
    fn create<'a>(&'a self, key: &'a str, data: &'a SessionMap, expiry: &'a Expiry) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(SessionStore::create(self, key, data, expiry))
    }
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(SessionStore::delete(self, key))
    }
    fn touch<'a>(&'a self, key: &'a str, expiry: &'a Expiry) -> BoxFuture<'a, Result<Touched, StoreError>> {
        Box::pin(SessionStore::touch(self, key, expiry))
    }
    fn delete_expired(&self) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(SessionStore::delete_expired(self))
    }
}

/// The store of `settings.session_type`, connected and prepared.
pub(crate) async fn connect(settings: &Settings) -> Result<Arc<dyn DynStore>, Error> {
    let feature_off = |feature| Error::FeatureDisabled { session_type: settings.session_type.name(), feature };
    Ok(match settings.session_type {
        SessionType::Null => Arc::new(NullStore),
        SessionType::Filesystem => Arc::new(FilesystemStore::from_settings(settings)?),
        SessionType::Redis => return Err(feature_off("redis")),
        SessionType::Memcached => return Err(feature_off("memcached")),
        SessionType::Mongodb => return Err(feature_off("mongodb")),
        SessionType::Sqlalchemy => return Err(feature_off("postgres`, `sqlite` or `mysql")),
    })
}
