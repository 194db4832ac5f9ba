//! A filesystem session file: the 4-byte expiry header, then a pickle.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = session_runtime::__fuzz::read_session_file(data);
});
