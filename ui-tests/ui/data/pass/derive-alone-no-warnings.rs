// `#[derive(SessionData)]` on its own, with nothing using the struct or its handle, warns about
// nothing (no "struct is never constructed"), whatever the struct's shape and visibility.
#![deny(warnings)]
use session_runtime::SessionData;

#[derive(SessionData)]
struct Visitor {
    visits: u64,
}

#[derive(SessionData)]
struct Empty {}

#[derive(SessionData)]
pub(crate) struct Preferences {
    theme: Option<String>,
}

mod inner {
    #[derive(session_runtime::SessionData)]
    pub struct Nested {
        #[session(default)]
        n: u64,
    }
}

fn main() {}
