//! Entry points for the fuzz targets in `fuzz/` and the property tests: the functions that read
//! network or stored input, reachable without a server. Not public API.

use http::HeaderValue;

use crate::settings::Settings;
use crate::signer::Signer;

/// Reads a session cookie from raw `Cookie` header bytes, signed or not; returns the id found.
pub fn read_cookie(header: &[u8], signed: bool) -> Option<String> {
    // What a server hands on: only bytes that form a header value reach the reader.
    let header = HeaderValue::from_bytes(header).ok()?;
    let signer = signed.then(|| Signer::new("fuzz-secret"));
    let cookie = crate::cookie::read(std::iter::once(header.as_bytes()), &Settings::default(), signer.as_ref());
    cookie.id.map(|id| id.as_str().to_owned())
}

/// The `cookie` fuzz target: the low bit of the first byte says whether the reader checks
/// signatures, the rest is the `Cookie` header. Returns the id read. Panics, the fuzzer's
/// finding, when an accepted id is not of an accepted shape.
pub fn cookie_target(data: &[u8]) -> Option<String> {
    let (flag, header) = data.split_first()?;
    let id = read_cookie(header, flag & 1 == 1)?;
    assert!(crate::SessionId::parse(&id).is_some(), "accepted a malformed id {id:?}");
    Some(id)
}

/// The `decode` fuzz target: stored bytes as a store hands them over. Returns whether they
/// decoded. Panics, the fuzzer's finding, when what decoded, written as msgpack, does not read
/// back to the same bytes (bytes, not values: NaN != NaN).
pub fn decode_target(data: &[u8]) -> bool {
    use crate::codec::{decode, encode, SerializationFormat::Msgpack};
    let Ok(map) = decode(data) else { return false };
    if let Ok(bytes) = encode(&map, Msgpack) {
        let again = decode(&bytes).expect("our own msgpack decodes");
        assert_eq!(encode(&again, Msgpack).expect("what decoded once encodes again"), bytes);
    }
    true
}

/// Parses a filesystem session file (header and pickle); true when it is a session.
pub fn read_session_file(bytes: &[u8]) -> bool {
    let codec = crate::codec::Codec::new(crate::SerializationFormat::Pickle);
    crate::store::filesystem::parse_file(&codec, bytes).is_ok()
}

/// Plants `bytes` verbatim under `key` in a [`MemoryStore`](crate::store::MemoryStore), for the
/// conformance suite's corrupt-entry test (every other store's tests use the server's client).
pub fn memory_put_raw(store: &crate::store::MemoryStore, key: &str, bytes: &[u8], ttl: std::time::Duration) {
    store.put_raw(key, bytes.to_vec(), std::time::SystemTime::now() + ttl);
}
