//! [`MemoryStore`]: sessions in this process's memory, for tests, examples and single-process
//! apps.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use crate::codec::{Codec, SerializationFormat};
use crate::expiry::{is_expired, Expiry};
use crate::map::SessionMap;
use crate::store::index::owner_in;
use crate::store::{IndexEntry, Loaded, Owner, Revision, SessionStore, StoreError, SweptEntry, Touched};

const STORE: &str = "memory";

/// Fewest entries before a write sweeps expired ones out (see [`Entries::sweep_if_due`]).
const FIRST_SWEEP: usize = 1024;

/// Sessions in a map in this process, with expiry: nothing to install or run, so a layer over
/// it works in a test or an example as it is.
///
/// Every entry is kept encoded (msgpack, at most the default `session_max_size`, 1 MiB), as a
/// network store keeps it: a session that could not be written to Redis cannot be written here
/// either, and what a handler reads back is a copy. A read reports an expired entry with its
/// past expiry (the lifecycle treats it as gone and deletes it); a write never lands on one.
/// Expired entries are dropped when a write meets them, by
/// [`delete_expired`](SessionStore::delete_expired) (`session_cleanup_n_requests` runs it), and
/// in bulk whenever the map has doubled since the last sweep, so memory stays bounded by the
/// live sessions. Compare-and-set (`session_merge_on_save`) is exact: the comparison and the
/// write happen under one lock.
///
/// With `session_user_key`, a listing of a user's sessions decodes every live entry (no index
/// is kept): fine for the tests and small apps this store is for.
///
/// Sessions are lost when the process exits and are not shared between processes; clones of
/// one `MemoryStore` share its entries (keep a clone to look at them in a test).
///
/// ```
/// use session_runtime::{store::MemoryStore, SessionLayer, Settings};
/// let layer = SessionLayer::new(MemoryStore::new(), Settings::default()).unwrap();
/// # let _ = layer;
/// ```
#[derive(Clone, Default)]
pub struct MemoryStore {
    entries: Arc<Mutex<Entries>>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, Entry>,
    /// The map's size at which the next write sweeps expired entries out.
    next_sweep: usize,
}

struct Entry {
    bytes: Vec<u8>,
    expires_at: SystemTime,
}

impl Entry {
    fn live(&self, now: SystemTime) -> bool {
        !is_expired(Some(self.expires_at), now)
    }
}

impl Entries {
    /// The entry under `key` if it has not expired; an expired one is removed.
    fn live(&mut self, key: &str, now: SystemTime) -> Option<&mut Entry> {
        if self.map.get(key).is_some_and(|e| !e.live(now)) {
            self.map.remove(key);
        }
        self.map.get_mut(key)
    }

    /// Drops every expired entry once the map has doubled since the last sweep: amortized
    /// constant work per write, and expired sessions never outnumber live ones for long.
    fn sweep_if_due(&mut self, now: SystemTime) {
        if self.map.len() < self.next_sweep.max(FIRST_SWEEP) {
            return;
        }
        self.map.retain(|_, e| e.live(now));
        self.next_sweep = self.map.len() * 2;
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// How many entries are held, expired ones not swept yet included.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// True when no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The lock is only held for map operations, never across an await; a panic while holding
    /// it (there is no code that can) would leave the map consistent, so poisoning is ignored.
    fn lock(&self) -> MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Replaces the entry under `key` only if it is there and has not expired; `Ok(false)`,
    /// with nothing written, otherwise (a session deleted or expired meanwhile stays gone).
    fn replace(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        let bytes = encode(data)?;
        let mut entries = self.lock();
        let Some(entry) = entries.live(key, SystemTime::now()) else { return Ok(false) };
        *entry = Entry { bytes, expires_at: expiry.at() };
        Ok(true)
    }

    /// Inserts `bytes` verbatim (for tests that plant an entry another app wrote).
    pub(crate) fn put_raw(&self, key: &str, bytes: Vec<u8>, expires_at: SystemTime) {
        self.lock().map.insert(key.to_owned(), Entry { bytes, expires_at });
    }
}

fn codec() -> Codec {
    Codec::new(SerializationFormat::Msgpack)
}

fn encode(data: &SessionMap) -> Result<Vec<u8>, StoreError> {
    codec().encode(STORE, data)
}

impl SessionStore for MemoryStore {
    async fn load(&self, key: &str, refresh: Option<&Expiry>) -> Result<Option<Loaded>, StoreError> {
        let (bytes, expires_at, refreshed) = {
            let mut entries = self.lock();
            let Some(entry) = entries.map.get_mut(key) else { return Ok(None) };
            // A refresh never revives an expired entry.
            let refresh = refresh.filter(|_| entry.live(SystemTime::now()));
            if let Some(e) = refresh {
                entry.expires_at = e.at();
            }
            (entry.bytes.clone(), entry.expires_at, refresh.is_some())
        };
        let data = codec().decode_off_thread(bytes).await?;
        Ok(Some(Loaded { data, expires_at: Some(expires_at), refreshed }))
    }

    async fn save(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        self.replace(key, data, expiry)
    }

    async fn create(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        let bytes = encode(data)?;
        let now = SystemTime::now();
        let mut entries = self.lock();
        if entries.live(key, now).is_some() {
            return Ok(false);
        }
        entries.sweep_if_due(now);
        entries.map.insert(key.to_owned(), Entry { bytes, expires_at: expiry.at() });
        Ok(true)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.lock().map.remove(key);
        Ok(())
    }

    async fn touch(&self, key: &str, expiry: &Expiry) -> Result<Touched, StoreError> {
        let mut entries = self.lock();
        Ok(match entries.live(key, SystemTime::now()) {
            Some(entry) => {
                entry.expires_at = expiry.at();
                Touched::Refreshed
            }
            None => Touched::Missing,
        })
    }

    async fn delete_expired(&self) -> Result<u64, StoreError> {
        let now = SystemTime::now();
        let mut entries = self.lock();
        let before = entries.map.len();
        entries.map.retain(|_, e| e.live(now));
        Ok((before - entries.map.len()) as u64)
    }

    async fn delete_expired_entries(&self, user_key: Option<&str>) -> Result<(u64, Vec<SweptEntry>), StoreError> {
        let now = SystemTime::now();
        let expired: Vec<(String, Entry)> = {
            let mut entries = self.lock();
            let keys: Vec<String> = entries.map.iter().filter(|(_, e)| !e.live(now)).map(|(k, _)| k.clone()).collect();
            keys.into_iter().filter_map(|k| entries.map.remove_entry(&k)).collect()
        };
        let swept = expired.into_iter().map(|(entry, e)| {
            // An entry that no longer decodes is still reported, without its owner.
            let user = user_key.and_then(|k| owner_in(&codec().decode(&e.bytes).ok()?, k));
            SweptEntry { entry, user }
        });
        let swept: Vec<SweptEntry> = swept.collect();
        Ok((swept.len() as u64, swept))
    }

    async fn load_for_update(&self, key: &str) -> Result<Option<(Loaded, Revision)>, StoreError> {
        let Some((bytes, expires_at)) = self.lock().map.get(key).map(|e| (e.bytes.clone(), e.expires_at)) else {
            return Ok(None);
        };
        let data = codec().decode_off_thread(bytes.clone()).await?;
        let loaded = Loaded { data, expires_at: Some(expires_at), refreshed: false };
        Ok(Some((loaded, Revision::from_bytes(bytes))))
    }

    async fn save_if_unchanged(
        &self,
        key: &str,
        revision: &Revision,
        data: &SessionMap,
        expiry: &Expiry,
    ) -> Result<bool, StoreError> {
        let expected = revision.expected_bytes(STORE)?;
        let bytes = encode(data)?;
        let mut entries = self.lock();
        match entries.live(key, SystemTime::now()) {
            Some(entry) if entry.bytes == expected => {
                *entry = Entry { bytes, expires_at: expiry.at() };
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn indexes_users(&self) -> bool {
        true
    }

    /// No index: every live entry is decoded (off the async threads) and the owner's kept.
    async fn user_entries(&self, owner: &Owner<'_>) -> Result<Vec<IndexEntry>, StoreError> {
        let now = SystemTime::now();
        let snapshot: Vec<(String, Vec<u8>, SystemTime)> = {
            let entries = self.lock();
            entries.map.iter().filter(|(_, e)| e.live(now)).map(|(k, e)| (k.clone(), e.bytes.clone(), e.expires_at)).collect()
        };
        let (user_key, user) = (owner.user_key.to_owned(), owner.user.to_owned());
        tokio::task::spawn_blocking(move || {
            let owner = Owner { user_key: &user_key, user: &user, index_key: "" };
            snapshot
                .into_iter()
                .filter(|(_, bytes, _)| codec().decode(bytes).is_ok_and(|data| owner.owns(&data)))
                .map(|(entry, _, at)| IndexEntry { entry, expires_at: Some(at) })
                .collect()
        })
        .await
        .map_err(|e| StoreError::backend(STORE, e))
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore").field("entries", &self.len()).finish()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn session(n: i64) -> SessionMap {
        let mut m = SessionMap::new();
        m.insert("n", rmpv::Value::from(n));
        m
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(f)
    }

    #[test]
    fn replace_writes_only_a_live_entry() {
        let store = MemoryStore::new();
        let long = Expiry::after(Duration::from_secs(60));
        assert!(!store.replace("k", &session(1), &long).unwrap(), "nothing to replace");
        assert!(store.is_empty(), "a refused replace writes nothing");
        store.put_raw("k", encode(&session(1)).unwrap(), SystemTime::now() - Duration::from_secs(1));
        assert!(!store.replace("k", &session(2), &long).unwrap(), "an expired entry is not replaced");
        assert!(block_on(store.create("k", &session(3), &long)).unwrap());
        assert!(store.replace("k", &session(4), &long).unwrap());
        assert_eq!(block_on(store.load("k", None)).unwrap().unwrap().data, session(4));
    }

    #[test]
    fn expired_entries_are_swept_once_the_map_doubles() {
        let store = MemoryStore::new();
        let past = SystemTime::now() - Duration::from_secs(1);
        for i in 0..FIRST_SWEEP {
            store.put_raw(&format!("old{i}"), vec![0x80], past);
        }
        assert!(block_on(store.create("new", &session(1), &Expiry::after(Duration::from_secs(60)))).unwrap());
        assert_eq!(store.len(), 1, "the write that found the map full swept the expired entries");
        assert_eq!(block_on(store.delete_expired()).unwrap(), 0);
    }

    #[test]
    fn a_sweep_names_the_expired_entries_and_their_owners() {
        let store = MemoryStore::new();
        let past = SystemTime::now() - Duration::from_secs(1);
        let mut owned = session(1);
        owned.insert("_user_id", rmpv::Value::from("ann"));
        store.put_raw("owned", encode(&owned).unwrap(), past);
        store.put_raw("anonymous", encode(&session(2)).unwrap(), past);
        store.put_raw("corrupt", vec![0xc1], past);
        assert!(block_on(store.create("live", &owned, &Expiry::after(Duration::from_secs(60)))).unwrap());
        let (deleted, mut swept) = block_on(store.delete_expired_entries(Some("_user_id"))).unwrap();
        swept.sort_by(|a, b| a.entry.cmp(&b.entry));
        let named = |entry: &str, user: Option<&str>| SweptEntry { entry: entry.into(), user: user.map(Into::into) };
        assert_eq!(deleted, 3);
        assert_eq!(swept, [named("anonymous", None), named("corrupt", None), named("owned", Some("ann"))]);
        assert_eq!(store.len(), 1, "the live entry stays");
    }
}
