//! The session's data: string keys to msgpack-model values, in insertion order.

use std::collections::HashMap;

use rmpv::Value;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::codec::{self, DecodeError, EncodeError};
use crate::meta::META_KEY;

/// The key Flask keeps the permanent flag under.
pub const PERMANENT_KEY: &str = "_permanent";

/// The keys the lifecycle keeps for itself, which alone do not make a session worth storing.
fn is_reserved(key: &str) -> bool {
    key == PERMANENT_KEY || key == META_KEY
}

/// Up to this many keys a map is searched in order: for the handful of keys a session holds,
/// a scan costs less than hashing (a hashed map throughout added about 2,200 instructions to
/// every Redis `/incr`, callgrind). Past it, an index keeps every lookup constant-time.
const SCANNED_KEYS: usize = 16;

/// A session's key/value map, as Flask stores it: a map with string keys.
///
/// Values use the msgpack data model ([`rmpv::Value`]), which holds everything Flask-Session can
/// write: bytes, nested lists and maps (with non-string keys), floats and msgpack timestamps. A
/// value this crate did not write is kept as it was read and written back unchanged.
///
/// Lookups and inserts take constant time once a map holds more than a few keys, so reading a
/// hostile session of many keys costs time in proportion to its size, never its square. Two
/// maps are equal when they hold the same keys and values, in any order.
#[derive(Debug, Clone, Default)]
pub struct SessionMap {
    entries: Vec<(String, Value)>,
    /// Each key's position in `entries`, once there are more than [`SCANNED_KEYS`].
    index: Option<HashMap<String, usize>>,
}

impl SessionMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.entries.iter().position(|(k, _)| k == key),
        }
    }

    /// Builds or drops the index after a change of size (not on the hot path of small maps).
    fn reindex(&mut self) {
        self.index = (self.entries.len() > SCANNED_KEYS)
            .then(|| self.entries.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect());
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    /// Sets `key` to `value`, keeping the key's place if it exists. Returns the old value.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) -> Option<Value> {
        let key = key.into();
        if let Some(i) = self.position(&key) {
            return Some(std::mem::replace(&mut self.entries[i].1, value));
        }
        match &mut self.index {
            Some(index) => {
                index.insert(key.clone(), self.entries.len());
                self.entries.push((key, value));
            }
            None => {
                self.entries.push((key, value));
                if self.entries.len() > SCANNED_KEYS {
                    self.reindex();
                }
            }
        }
        None
    }

    /// Removes `key`, returning its value; the other keys keep their order.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let at = self.position(key)?;
        let (_, value) = self.entries.remove(at);
        if self.index.is_some() {
            self.reindex();
        }
        Some(value)
    }

    /// Removes every key but `_permanent` (as Flask's `session.clear()` does) and the lifecycle's
    /// `_session_meta` (so clearing does not restart the absolute timeout).
    pub fn clear(&mut self) {
        self.entries.retain(|(k, _)| is_reserved(k));
        self.index = None;
    }

    /// Removes every key, `_permanent` included.
    pub fn clear_all(&mut self) {
        self.entries.clear();
        self.index = None;
    }

    /// True when the map holds nothing but (at most) `_permanent` and `_session_meta`: Flask
    /// never stores such a session.
    pub fn is_empty_session(&self) -> bool {
        self.entries.iter().all(|(k, _)| is_reserved(k))
    }

    /// Number of keys, `_permanent` included.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there is no key at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `_permanent` as Flask reads it: true only when it is stored and true.
    pub fn is_permanent(&self) -> bool {
        matches!(self.get(PERMANENT_KEY), Some(Value::Boolean(true)))
    }

    /// The keys and values in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    /// The value under `key` as a `T`.
    pub fn get_as<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, DecodeError> {
        self.get(key).map(|v| codec::from_value(v.clone())).transpose()
    }

    /// Sets `key` to `value` serialized (structs become maps, as Python expects).
    /// Returns true when the stored value changed.
    pub fn insert_as<T: Serialize + ?Sized>(
        &mut self,
        key: impl Into<String>,
        value: &T,
    ) -> Result<bool, EncodeError> {
        let value = codec::to_value(value)?;
        let key = key.into();
        if self.get(&key) == Some(&value) {
            return Ok(false);
        }
        self.insert(key, value);
        Ok(true)
    }
}

impl PartialEq for SessionMap {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl FromIterator<(String, Value)> for SessionMap {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let mut map = SessionMap::new();
        for (k, v) in iter {
            map.insert(k, v);
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flask_emptiness_and_clear() {
        let mut m = SessionMap::new();
        assert!(m.is_empty_session());
        m.insert(PERMANENT_KEY, Value::Boolean(true));
        assert!(m.is_empty_session() && m.is_permanent());
        m.insert("name", Value::from("alice"));
        assert!(!m.is_empty_session());
        m.clear();
        assert_eq!(m.keys().collect::<Vec<_>>(), [PERMANENT_KEY]);
        m.clear_all();
        assert!(m.is_empty());
    }

    #[test]
    fn insert_keeps_position_and_reports_changes() {
        let mut m = SessionMap::new();
        m.insert("a", Value::from(1));
        m.insert("b", Value::from(2));
        assert_eq!(m.insert("a", Value::from(3)), Some(Value::from(1)));
        assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert!(!m.insert_as("a", &3u8).unwrap());
        assert!(m.insert_as("a", &4u8).unwrap());
        assert_eq!(m.get_as::<u8>("a").unwrap(), Some(4));
        assert_eq!(m.remove("a"), Some(Value::from(4)));
        assert_eq!(m.get("a"), None);
    }

    #[test]
    fn many_keys_in_linear_time() {
        // 200,000 distinct keys: quadratic insertion would take minutes, this takes milliseconds.
        let m: SessionMap = (0..200_000).map(|i| (format!("k{i}"), Value::from(i))).collect();
        assert_eq!(m.len(), 200_000);
        assert_eq!(m.get("k199999"), Some(&Value::from(199_999)));
        // A key repeated keeps its first place and its last value, as a Python dict does.
        let m: SessionMap = [("a", 1), ("b", 2), ("a", 3)].into_iter().map(|(k, v)| (k.to_owned(), Value::from(v))).collect();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(m.get("a"), Some(&Value::from(3)));
    }

    #[test]
    fn the_index_follows_every_change() {
        let mut m: SessionMap = (0..40).map(|i| (format!("k{i}"), Value::from(i))).collect();
        assert!(m.index.is_some());
        assert_eq!(m.remove("k3"), Some(Value::from(3)));
        assert_eq!(m.get("k39"), Some(&Value::from(39)), "positions after a removal");
        assert_eq!(m.insert("k3", Value::from(-3)), None);
        assert_eq!(m.keys().last(), Some("k3"));
        assert_eq!(m.get("k3"), Some(&Value::from(-3)));
        for i in 0..30 {
            m.remove(&format!("k{i}"));
        }
        assert!(m.index.is_none(), "small again: scanned");
        assert_eq!(m.get("k35"), Some(&Value::from(35)));
        let pairs: Vec<(String, Value)> = m.iter().map(|(k, v)| (k.to_owned(), v.clone())).collect();
        let mut other: SessionMap = pairs.into_iter().rev().collect();
        assert_eq!(m, other, "equal in any order");
        other.insert("k35", Value::Nil);
        assert_ne!(m, other);
    }
}
