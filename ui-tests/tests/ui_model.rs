// Temporary runner for the #[session_model] cases; the crate's tests/ui.rs globs them all.
#[test]
fn ui_model() {
    let t = trybuild::TestCases::new();
    let only = std::env::var("UI_ONLY").ok();
    match only.as_deref() {
        Some(f) => t.compile_fail(f),
        None => {
            t.pass("ui/model/pass/*.rs");
            t.compile_fail("ui/model/fail/*.rs");
        }
    }
}
