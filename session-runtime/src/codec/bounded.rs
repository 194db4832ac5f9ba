//! [`Codec`]: a store's format together with `session_max_size`, so no store writes or decodes a
//! session over the limit, and large values are decoded off the async worker threads.
// The filesystem store uses only the pickle half; the network stores use the rest.
#![cfg_attr(
    not(any(feature = "redis", feature = "memcached", feature = "mongodb", feature = "postgres", feature = "sqlite", feature = "mysql")),
    allow(dead_code)
)]

use crate::map::SessionMap;
use crate::settings::DEFAULT_MAX_SESSION_SIZE;
use crate::store::StoreError;

use super::{DecodeError, SerializationFormat};

/// Stored values up to this size are decoded on the calling thread (a few microseconds);
/// larger ones on tokio's blocking pool, so one hostile value cannot stall the requests that
/// share an async worker with it.
const INLINE_DECODE_MAX: usize = 64 << 10;

/// How one store turns sessions into bytes and back: its format, and the most bytes a stored
/// session may have (`session_max_size`), checked before writing and before decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Codec {
    pub(crate) format: SerializationFormat,
    max_size: usize,
}

impl Codec {
    /// `format` with the default `session_max_size`.
    pub(crate) fn new(format: SerializationFormat) -> Self {
        Codec { format, max_size: DEFAULT_MAX_SESSION_SIZE }
    }

    pub(crate) fn with_max_size(self, max_size: usize) -> Self {
        Codec { max_size, ..self }
    }

    /// `map` in the store's format; [`StoreError::TooLarge`] over `session_max_size`.
    pub(crate) fn encode(&self, store: &'static str, map: &SessionMap) -> Result<Vec<u8>, StoreError> {
        self.bounded(store, super::encode(map, self.format)?)
    }

    /// `map` pickled (the filesystem store's one format); [`StoreError::TooLarge`] over
    /// `session_max_size`.
    pub(crate) fn encode_pickle(&self, store: &'static str, map: &SessionMap) -> Result<Vec<u8>, StoreError> {
        self.bounded(store, super::encode_pickle(map)?)
    }

    fn bounded(&self, store: &'static str, bytes: Vec<u8>) -> Result<Vec<u8>, StoreError> {
        if bytes.len() > self.max_size {
            return Err(StoreError::TooLarge { store, size: bytes.len(), limit: self.max_size });
        }
        Ok(bytes)
    }

    /// Reads any format, after refusing a value over `session_max_size` unread.
    pub(crate) fn decode(&self, bytes: &[u8]) -> Result<SessionMap, DecodeError> {
        self.check_size(bytes)?;
        super::decode(bytes)
    }

    /// Reads a pickle (a session file's body), after the same size check.
    pub(crate) fn decode_pickle(&self, bytes: &[u8]) -> Result<SessionMap, DecodeError> {
        self.check_size(bytes)?;
        super::decode_pickle(bytes)
    }

    /// [`decode`](Self::decode), on the blocking pool when the value is large.
    pub(crate) async fn decode_off_thread(&self, bytes: Vec<u8>) -> Result<SessionMap, StoreError> {
        if bytes.len() <= INLINE_DECODE_MAX {
            return Ok(self.decode(&bytes)?);
        }
        let codec = *self;
        match tokio::task::spawn_blocking(move || codec.decode(&bytes)).await {
            Ok(decoded) => Ok(decoded?),
            Err(e) => Err(StoreError::backend("session", e)),
        }
    }

    fn check_size(&self, bytes: &[u8]) -> Result<(), DecodeError> {
        if bytes.len() > self.max_size {
            return Err(DecodeError::new(format!(
                "the stored value is {} bytes, over session_max_size ({} bytes)",
                bytes.len(),
                self.max_size
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmpv::Value;

    #[test]
    fn the_limit_holds_both_ways() {
        let codec = Codec::new(SerializationFormat::Msgpack).with_max_size(1024);
        let mut map = SessionMap::new();
        map.insert("k", Value::from("x".repeat(900)));
        let bytes = codec.encode("test", &map).expect("under the limit");
        assert_eq!(codec.decode(&bytes).unwrap(), map);
        map.insert("k", Value::from("x".repeat(1100)));
        assert!(matches!(codec.encode("test", &map), Err(StoreError::TooLarge { limit: 1024, .. })));
        let big = Codec::new(SerializationFormat::Msgpack).encode("test", &map).unwrap();
        let refused = codec.decode(&big).unwrap_err().to_string();
        assert!(refused.contains("over session_max_size"), "{refused}");
    }

    #[tokio::test]
    async fn large_values_decode_on_the_blocking_pool_too() {
        let codec = Codec::new(SerializationFormat::Json);
        let mut map = SessionMap::new();
        map.insert("k", Value::from("y".repeat(200_000)));
        let bytes = codec.encode("test", &map).unwrap();
        assert!(bytes.len() > INLINE_DECODE_MAX);
        assert_eq!(codec.decode_off_thread(bytes).await.unwrap(), map);
    }
}
