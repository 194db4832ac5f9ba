//! The `Cookie` header as a browser (or anyone) sends it: parsing, unsigning, id shape.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = session_runtime::__fuzz::cookie_target(data);
});
