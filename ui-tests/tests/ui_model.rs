//! Compile-fail and compile-pass cases of `#[session_model]`.
//!
//! `.stderr` files are generated with `TRYBUILD=overwrite cargo test -p session-ui-tests` on
//! stable 1.95 and reviewed. (Fold these two lines into `tests/ui.rs` once that runner lists
//! every macro's directories, and delete this file.)

#[test]
fn ui_model() {
    let t = trybuild::TestCases::new();
    t.pass("ui/model/pass/*.rs");
    t.compile_fail("ui/model/fail/*.rs");
}
