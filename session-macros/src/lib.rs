//! Procedural macros for `session-runtime`.
//!
//! Use them through `session_runtime`, which re-exports them; this crate holds no logic a runtime
//! crate could hold instead.

mod model;

/// Makes a struct the SQL store's row model; see `session_runtime::store::sql::SessionModel`.
#[proc_macro_attribute]
pub fn session_model(args: proc_macro::TokenStream, input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    model::expand(args.into(), input.into()).into()
}
