//! Compile-fail and compile-pass cases of `#[session_config]` and `#[derive(SessionData)]`.
//!
//! `.stderr` files are generated with `TRYBUILD=overwrite cargo test -p session-ui-tests` and
//! reviewed; they are pinned to the toolchain in `rust-toolchain.toml` of this machine (rustc 1.95).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/config/fail/*.rs");
    t.compile_fail("ui/data/fail/*.rs");
    t.pass("ui/config/pass/*.rs");
    t.pass("ui/data/pass/*.rs");
}
