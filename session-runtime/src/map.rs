//! The session's data: string keys to msgpack-model values, in insertion order.

use indexmap::IndexMap;
use rmpv::Value;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::codec::{self, DecodeError, EncodeError};

/// The key Flask keeps the permanent flag under.
pub const PERMANENT_KEY: &str = "_permanent";

/// A session's key/value map, as Flask stores it: a map with string keys.
///
/// Values use the msgpack data model ([`rmpv::Value`]), which holds everything Flask-Session can
/// write: bytes, nested lists and maps (with non-string keys), floats and msgpack timestamps. A
/// value this crate did not write is kept as it was read and written back unchanged.
///
/// Lookups and inserts take constant time, so reading a hostile session of many keys costs time
/// in proportion to its size, never its square. Two maps are equal when they hold the same keys
/// and values, in any order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionMap {
    entries: IndexMap<String, Value>,
}

impl SessionMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.get(key)
    }

    /// Sets `key` to `value`, keeping the key's place if it exists. Returns the old value.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) -> Option<Value> {
        self.entries.insert(key.into(), value)
    }

    /// Removes `key`, returning its value; the other keys keep their order.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.entries.shift_remove(key)
    }

    /// Removes every key but `_permanent`, as Flask's `session.clear()` does.
    pub fn clear(&mut self) {
        self.entries.retain(|k, _| k == PERMANENT_KEY);
    }

    /// Removes every key, `_permanent` included.
    pub fn clear_all(&mut self) {
        self.entries.clear();
    }

    /// True when the map holds nothing but (at most) `_permanent`: Flask never stores such a
    /// session.
    pub fn is_empty_session(&self) -> bool {
        self.entries.keys().all(|k| k == PERMANENT_KEY)
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
        self.entries.keys().map(String::as_str)
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

impl FromIterator<(String, Value)> for SessionMap {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        SessionMap { entries: iter.into_iter().collect() }
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
}
