//! Stored session bytes: msgpack, then JSON, then pickle, as a store hands them over.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = session_runtime::__fuzz::decode_target(data);
});
