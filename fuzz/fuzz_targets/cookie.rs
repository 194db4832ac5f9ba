//! The `Cookie` header as a browser (or anyone) sends it: parsing, unsigning, id shape.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (signed, header) = match data.split_first() {
        Some((flag, rest)) => (flag & 1 == 1, rest),
        None => return,
    };
    if let Some(id) = session_runtime::__fuzz::read_cookie(header, signed) {
        // Whatever got through is an id of an accepted shape.
        assert!(session_runtime::SessionId::parse(&id).is_some());
    }
});
