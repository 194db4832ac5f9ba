//! Stored session bytes: msgpack, then JSON, then pickle, as a store hands them over.
#![no_main]

use session_runtime::codec::{decode, encode, SerializationFormat};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(map) = decode(data) {
        // Whatever decodes re-encodes, and reads back to the same bytes (bytes, not values:
        // NaN != NaN).
        if let Ok(bytes) = encode(&map, SerializationFormat::Msgpack) {
            let again = decode(&bytes).expect("our own msgpack decodes");
            assert_eq!(encode(&again, SerializationFormat::Msgpack).unwrap(), bytes);
        }
    }
});
