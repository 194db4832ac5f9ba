//! Compile-fail and compile-pass cases of `#[session_config]` and `#[derive(SessionData)]`.
//!
//! `.stderr` files are generated with `TRYBUILD=overwrite cargo test -p session-ui-tests` and
//! reviewed. rustc's messages change between releases, so they are checked on the toolchain they
//! were generated with (stable 1.95) and the test is ignored on others.

#[rustversion::attr(not(stable(1.95)), ignore = "ui stderr is pinned to stable 1.95")]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/config/fail/*.rs");
    t.compile_fail("ui/data/fail/*.rs");
    t.pass("ui/config/pass/*.rs");
    t.pass("ui/data/pass/*.rs");
}
