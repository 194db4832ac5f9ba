//! The store trait, its errors, and the stores that ship with the crate.
//!
//! A store only moves bytes and translates an [`Expiry`]; when a session is new, modified,
//! expired or empty, when it expires, when expired entries are swept and how a merge writes
//! without a revision are decided once, in the session lifecycle.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use crate::codec::{DecodeError, EncodeError};
use crate::settings::SessionType;
use crate::expiry::Expiry;
use crate::map::SessionMap;

mod failure;
pub mod filesystem;
pub mod index;
pub mod memory;
pub mod null;
mod options;
mod revision;
#[cfg(feature = "memcached")]
pub mod memcached;
#[cfg(feature = "mongodb")]
pub mod mongodb;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))))]
pub mod sql;

pub use filesystem::FilesystemStore;
pub use index::{IndexEntry, Owner, SweptEntry};
pub use memory::MemoryStore;
pub use null::NullStore;
#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
pub(crate) use options::connect_with_model;
pub(crate) use options::connect;
pub use options::{FilesystemOptions, StoreOptions};
pub(crate) use revision::foreign_revision;
pub use revision::Revision;
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
    /// When the entry expires, if the store records it. A store reports what it holds, an
    /// expired entry included: the lifecycle treats a past moment as a miss (and deletes the
    /// entry), the one place that decides it.
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
    /// The entry was not there any more (destroyed or expired); nothing was written.
    Missing,
    /// This store cannot refresh without a write (the lifecycle then [`save`](SessionStore::save)s
    /// the session whole, which still refuses a gone entry).
    Unsupported,
}

/// A storage backend for sessions.
///
/// `key` is always `session_key_prefix + id`, with the id's shape already checked. Implement
/// the four required methods (`load`, `save`, `create`, `delete`); `touch`, `delete_expired`,
/// `load_for_update`, `save_if_unchanged` and `accepts_writes` have defaults for stores without
/// those abilities, as have the user index's (`indexes_users` through `delete_entry`, see
/// [`index`]), which a store implements to serve `session_user_key`. A store translates; it decides no policy: the lifecycle computes each
/// request's [`Expiry`], treats a loaded entry past its [`Loaded::expires_at`] as gone, runs
/// [`delete_expired`](Self::delete_expired) when `session_cleanup_n_requests` says, and writes
/// a merge read without a [`Revision`] with a plain [`save`](Self::save).
///
/// A store is `Debug` because the layer's `Debug` output and its log lines show it: print what
/// identifies it (a URL without its password, a directory), never session data.
///
/// No method but [`create`](Self::create) may bring an entry into being: `save`, `touch` and
/// `save_if_unchanged` act only on an entry that is still there. That is what makes a logout
/// stick: a request that loaded the session before another request destroyed it cannot write
/// it back (see `SECURITY.md`).
///
/// The layer asks the store, not the settings, whether sessions can be written, so
/// `SessionLayer::new(your_store, Settings::default())` stores and reads sessions.
pub trait SessionStore: fmt::Debug + Send + Sync + 'static {
    /// The entry under `key`, or `None`. When `refresh` is given and the store can move the
    /// TTL in the same round trip, it does and sets [`Loaded::refreshed`].
    fn load(
        &self,
        key: &str,
        refresh: Option<&Expiry>,
    ) -> impl Future<Output = Result<Option<Loaded>, StoreError>> + Send;

    /// Replaces the entry under `key` with `data`, to expire at `expiry`, only if an entry is
    /// there: `Ok(false)` when there is none (deleted by a logout, expired), and nothing is
    /// written then. Atomic on the server (Redis `SET XX`, memcached `replace`, SQL `UPDATE`,
    /// MongoDB's `update_one` without upsert), so it costs no extra round trip.
    fn save(
        &self,
        key: &str,
        data: &SessionMap,
        expiry: &Expiry,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

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

    /// Moves the entry's expiry without rewriting its data, where the store can; never creates
    /// an entry ([`Touched::Missing`] when there is none).
    fn touch(
        &self,
        key: &str,
        expiry: &Expiry,
    ) -> impl Future<Output = Result<Touched, StoreError>> + Send {
        let _ = (key, expiry);
        async { Ok(Touched::Unsupported) }
    }

    /// Deletes every expired entry now, for stores without native expiry; returns how many. The
    /// layer calls it every `session_cleanup_n_requests` requests (never two sweeps at once),
    /// from [`SessionLayer::spawn_cleanup`](crate::SessionLayer::spawn_cleanup), and from
    /// [`SessionLayer::delete_expired`](crate::SessionLayer::delete_expired). Default: nothing
    /// to do (the server expires entries itself, as Redis and memcached do).
    fn delete_expired(&self) -> impl Future<Output = Result<u64, StoreError>> + Send {
        async { Ok(0) }
    }

    /// [`delete_expired`](Self::delete_expired), naming what it deleted: each entry as
    /// [`entry_of`](Self::entry_of) names it, with its owner where the entry says (`user_key` is
    /// `session_user_key`). The layer sweeps with this instead while someone
    /// [subscribes](crate::SessionLayer::subscribe) to the lifecycle events, which then get one
    /// [`Expired`](crate::SessionEvent::Expired) per entry. The count is of what was deleted;
    /// the list may miss entries the store cannot name. Default: `delete_expired`, naming none.
    fn delete_expired_entries(
        &self,
        user_key: Option<&str>,
    ) -> impl Future<Output = Result<(u64, Vec<SweptEntry>), StoreError>> + Send {
        let _ = user_key;
        async move { Ok((self.delete_expired().await?, Vec::new())) }
    }

    /// Whether this store takes writes at all. `false` (only [`NullStore`] says so) makes every
    /// session write a [`SessionError::Unavailable`](crate::SessionError::Unavailable) before it
    /// reaches the store, and reads see an empty session without asking it. Default: `true`.
    fn accepts_writes(&self) -> bool {
        true
    }

    /// The entry under `key` (never refreshed) and a [`Revision`] identifying exactly what was
    /// read, for [`save_if_unchanged`](Self::save_if_unchanged). `session_merge_on_save` uses
    /// the pair to merge without losing a concurrent request's save.
    ///
    /// The default is [`load`](Self::load) with [`Revision::unsupported`]: the merge still
    /// works on such a store, but a save landing between the read and the write is lost.
    fn load_for_update(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<(Loaded, Revision)>, StoreError>> + Send {
        async move { Ok(self.load(key, None).await?.map(|loaded| (loaded, Revision::unsupported()))) }
    }

    /// Writes `data` under `key`, to expire at `expiry`, only if the entry still is what
    /// `revision` saw, atomically on the server. `Ok(false)` when it is not: changed by another
    /// writer, deleted, or expired; nothing is written then.
    ///
    /// The lifecycle calls it only with a revision this store's
    /// [`load_for_update`](Self::load_for_update) made, never with [`Revision::unsupported`]
    /// (that read is written back with [`save`](Self::save)). So the default, which goes with
    /// the default `load_for_update`, is never called by the lifecycle and refuses any revision
    /// as not its own: a store whose `load_for_update` makes revisions implements this too.
    fn save_if_unchanged(
        &self,
        key: &str,
        revision: &Revision,
        data: &SessionMap,
        expiry: &Expiry,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        let _ = (key, data, expiry);
        async move { Err(foreign_revision("session", revision)) }
    }

    /// Whether this store can list a user's sessions ([`user_entries`](Self::user_entries)).
    /// `session_user_key` over a store that says no is refused when the layer is built.
    /// Default: `false`. See [`index`] for what each bundled store keeps.
    fn indexes_users(&self) -> bool {
        false
    }

    /// Records that the session under `key`, expiring at `expiry`, belongs to `owner`; called
    /// after each write or refresh of an owned session. Default: nothing (a store that finds a
    /// user's sessions by scanning, or writes the owner with the session itself).
    fn index_user(&self, owner: &Owner<'_>, key: &str, expiry: &Expiry) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = (owner, key, expiry);
        async { Ok(()) }
    }

    /// Forgets `entry` (a key, or what [`entry_of`](Self::entry_of) made of one) in `owner`'s
    /// index: the session went, or belongs to someone else now. Default: nothing.
    fn unindex_user(&self, owner: &Owner<'_>, entry: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = (owner, entry);
        async { Ok(()) }
    }

    /// The sessions `owner`'s index names, stale ones included (the lifecycle loads each and
    /// drops what no longer holds). Default: [`StoreError::Unavailable`].
    fn user_entries(&self, owner: &Owner<'_>) -> impl Future<Output = Result<Vec<IndexEntry>, StoreError>> + Send {
        let _ = owner;
        async { Err(StoreError::Unavailable { reason: index::NO_INDEX }) }
    }

    /// The store's name for the entry under `key`, as [`user_entries`](Self::user_entries)
    /// reports it. Default: the key (the filesystem store answers the file name).
    fn entry_of(&self, key: &str) -> String {
        key.to_owned()
    }

    /// The session `entry` names, never refreshed. Default: [`load`](Self::load) of it as a key.
    fn load_entry(&self, entry: &str) -> impl Future<Output = Result<Option<Loaded>, StoreError>> + Send {
        self.load(entry, None)
    }

    /// Deletes the session `entry` names. Default: [`delete`](Self::delete) of it as a key.
    fn delete_entry(&self, entry: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.delete(entry)
    }
}

/// Why a store operation failed. Every variant keeps what caused it.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend failed: connection refused or lost, I/O error, a server error. Its
    /// `Display` names a connection failure first ("connection refused", "host name not found
    /// (DNS)", "authentication failed", "TLS failed", "connection lost"), whatever the driver's
    /// wording.
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
    /// `session_merge_on_save` gave up: in each of `attempts` rounds, another save of the
    /// session landed between the read and the conditional write. Nothing of this request was
    /// saved; the stored session is as the other requests left it.
    Conflict {
        /// How many read-merge-write rounds were tried.
        attempts: u32,
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
            StoreError::Backend { store, source } => match failure::connection_failure(&**source) {
                Some(what) => write!(f, "{store} session store failed, {what}: {source}"),
                None => write!(f, "{store} session store failed: {source}"),
            },
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
            StoreError::Conflict { attempts } => write!(
                f,
                "the session changed under concurrent requests {attempts} times while merging this \
                 request's changes (session_merge_on_save); they were not saved"
            ),
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
    fn save<'a>(&'a self, key: &'a str, data: &'a SessionMap, expiry: &'a Expiry) -> BoxFuture<'a, Result<bool, StoreError>>;
    fn create<'a>(&'a self, key: &'a str, data: &'a SessionMap, expiry: &'a Expiry) -> BoxFuture<'a, Result<bool, StoreError>>;
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
    fn touch<'a>(&'a self, key: &'a str, expiry: &'a Expiry) -> BoxFuture<'a, Result<Touched, StoreError>>;
    fn delete_expired(&self) -> BoxFuture<'_, Result<u64, StoreError>>;
    fn delete_expired_entries<'a>(&'a self, user_key: Option<&'a str>) -> BoxFuture<'a, Result<(u64, Vec<SweptEntry>), StoreError>>;
    fn accepts_writes(&self) -> bool;
    fn load_for_update<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<(Loaded, Revision)>, StoreError>>;
    fn save_if_unchanged<'a>(
        &'a self,
        key: &'a str,
        revision: &'a Revision,
        data: &'a SessionMap,
        expiry: &'a Expiry,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    fn indexes_users(&self) -> bool;
    fn index_user<'a>(&'a self, owner: &'a Owner<'a>, key: &'a str, expiry: &'a Expiry) -> BoxFuture<'a, Result<(), StoreError>>;
    fn unindex_user<'a>(&'a self, owner: &'a Owner<'a>, entry: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
    fn user_entries<'a>(&'a self, owner: &'a Owner<'a>) -> BoxFuture<'a, Result<Vec<IndexEntry>, StoreError>>;
    fn entry_of(&self, key: &str) -> String;
    fn load_entry<'a>(&'a self, entry: &'a str) -> BoxFuture<'a, Result<Option<Loaded>, StoreError>>;
    fn delete_entry<'a>(&'a self, entry: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
}

impl<S: SessionStore> DynStore for S {
    fn load<'a>(&'a self, key: &'a str, refresh: Option<&'a Expiry>) -> BoxFuture<'a, Result<Option<Loaded>, StoreError>> {
        Box::pin(SessionStore::load(self, key, refresh))
    }
    fn save<'a>(&'a self, key: &'a str, data: &'a SessionMap, expiry: &'a Expiry) -> BoxFuture<'a, Result<bool, StoreError>> {
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
    fn delete_expired_entries<'a>(&'a self, user_key: Option<&'a str>) -> BoxFuture<'a, Result<(u64, Vec<SweptEntry>), StoreError>> {
        Box::pin(SessionStore::delete_expired_entries(self, user_key))
    }
    fn accepts_writes(&self) -> bool {
        SessionStore::accepts_writes(self)
    }
    fn load_for_update<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<(Loaded, Revision)>, StoreError>> {
        Box::pin(SessionStore::load_for_update(self, key))
    }
    fn save_if_unchanged<'a>(
        &'a self,
        key: &'a str,
        revision: &'a Revision,
        data: &'a SessionMap,
        expiry: &'a Expiry,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(SessionStore::save_if_unchanged(self, key, revision, data, expiry))
    }
    fn indexes_users(&self) -> bool {
        SessionStore::indexes_users(self)
    }
    fn index_user<'a>(&'a self, owner: &'a Owner<'a>, key: &'a str, expiry: &'a Expiry) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(SessionStore::index_user(self, owner, key, expiry))
    }
    fn unindex_user<'a>(&'a self, owner: &'a Owner<'a>, entry: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(SessionStore::unindex_user(self, owner, entry))
    }
    fn user_entries<'a>(&'a self, owner: &'a Owner<'a>) -> BoxFuture<'a, Result<Vec<IndexEntry>, StoreError>> {
        Box::pin(SessionStore::user_entries(self, owner))
    }
    fn entry_of(&self, key: &str) -> String {
        SessionStore::entry_of(self, key)
    }
    fn load_entry<'a>(&'a self, entry: &'a str) -> BoxFuture<'a, Result<Option<Loaded>, StoreError>> {
        Box::pin(SessionStore::load_entry(self, entry))
    }
    fn delete_entry<'a>(&'a self, entry: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(SessionStore::delete_entry(self, entry))
    }
}

/// Which backend `S` is when it is one of the bundled stores that `session_type` chooses;
/// `None` for any other store (e.g. [`MemoryStore`] or your own), which may read any setting.
pub(crate) fn bundled_type<S: 'static>() -> Option<SessionType> {
    use std::any::TypeId;
    let id = TypeId::of::<S>();
    let bundled: &[(TypeId, SessionType)] = &[
        (TypeId::of::<NullStore>(), SessionType::Null),
        (TypeId::of::<FilesystemStore>(), SessionType::Filesystem),
        #[cfg(feature = "redis")]
        (TypeId::of::<RedisStore>(), SessionType::Redis),
        #[cfg(feature = "memcached")]
        (TypeId::of::<MemcachedStore>(), SessionType::Memcached),
        #[cfg(feature = "mongodb")]
        (TypeId::of::<MongoStore>(), SessionType::Mongodb),
        #[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
        (TypeId::of::<sql::SqlStore>(), SessionType::Sqlalchemy),
    ];
    bundled.iter().find(|(t, _)| *t == id).map(|&(_, kind)| kind)
}
