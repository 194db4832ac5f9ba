// Deriving without using the handle or the whole-struct methods warns about nothing.
#![deny(warnings, missing_docs, missing_debug_implementations)]
//! A crate with strict lints.

use session_runtime::SessionData;

/// Typed session data.
#[derive(Debug)]
#[derive(SessionData)]
pub struct Visitor {
    #[session(default)]
    visits: u32,
}

#[derive(SessionData)]
struct Private {
    theme: Option<String>,
}

fn main() {}
