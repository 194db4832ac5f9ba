//! The conformance suite run against a small in-memory store, so the suite itself is checked
//! without any server (and its expectations are pinned to a store that is obviously right).

mod common;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use common::conformance::RawPut;
use session_runtime::store::{Loaded, Revision, Touched};
use session_runtime::{codec, Expiry, SerializationFormat, SessionMap, SessionStore, StoreError};

#[derive(Debug, Default)]
struct MemoryStore {
    entries: Mutex<HashMap<String, (Vec<u8>, SystemTime)>>,
}

impl MemoryStore {
    fn live(&self, key: &str) -> Option<(Vec<u8>, SystemTime)> {
        let map = self.entries.lock().unwrap();
        map.get(key).filter(|(_, at)| *at > SystemTime::now()).cloned()
    }
}

impl SessionStore for MemoryStore {
    async fn load(&self, key: &str, refresh: Option<&Expiry>) -> Result<Option<Loaded>, StoreError> {
        let Some((bytes, at)) = self.live(key) else { return Ok(None) };
        let data = codec::decode(&bytes)?;
        let expires_at = match refresh {
            Some(e) => {
                self.entries.lock().unwrap().insert(key.into(), (bytes, e.at()));
                e.at()
            }
            None => at,
        };
        Ok(Some(Loaded { data, expires_at: Some(expires_at), refreshed: refresh.is_some() }))
    }

    async fn save(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        let bytes = codec::encode(data, SerializationFormat::Msgpack)?;
        if self.live(key).is_none() {
            return Ok(false);
        }
        self.entries.lock().unwrap().insert(key.into(), (bytes, expiry.at()));
        Ok(true)
    }

    async fn create(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        let bytes = codec::encode(data, SerializationFormat::Msgpack)?;
        let mut map = self.entries.lock().unwrap();
        if map.get(key).is_some_and(|(_, at)| *at > SystemTime::now()) {
            return Ok(false);
        }
        map.insert(key.into(), (bytes, expiry.at()));
        Ok(true)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.entries.lock().unwrap().remove(key);
        Ok(())
    }

    async fn touch(&self, key: &str, expiry: &Expiry) -> Result<Touched, StoreError> {
        let Some((bytes, _)) = self.live(key) else { return Ok(Touched::Missing) };
        self.entries.lock().unwrap().insert(key.into(), (bytes, expiry.at()));
        Ok(Touched::Refreshed)
    }

    async fn load_for_update(&self, key: &str) -> Result<Option<(Loaded, Revision)>, StoreError> {
        let Some((bytes, at)) = self.live(key) else { return Ok(None) };
        let loaded = Loaded { data: codec::decode(&bytes)?, expires_at: Some(at), refreshed: false };
        Ok(Some((loaded, Revision::from_bytes(bytes))))
    }

    async fn save_if_unchanged(
        &self,
        key: &str,
        revision: &Revision,
        data: &SessionMap,
        expiry: &Expiry,
    ) -> Result<bool, StoreError> {
        let bytes = codec::encode(data, SerializationFormat::Msgpack)?;
        let mut map = self.entries.lock().unwrap();
        let unchanged = map
            .get(key)
            .is_some_and(|(old, at)| Some(old.as_slice()) == revision.as_bytes() && *at > SystemTime::now());
        if unchanged {
            map.insert(key.into(), (bytes, expiry.at()));
        }
        Ok(unchanged)
    }
}

impl RawPut for MemoryStore {
    async fn put_raw(&self, key: &str, bytes: &[u8], ttl: Duration) {
        self.entries.lock().unwrap().insert(key.into(), (bytes.to_vec(), SystemTime::now() + ttl));
    }
}

store_conformance!(memory, async { MemoryStore::default() });
