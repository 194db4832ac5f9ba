// A configuration whose generated methods are never called warns about nothing.
#![deny(warnings, missing_docs, missing_debug_implementations)]
//! A crate with strict lints.

use session_runtime::session_config;

/// The public configuration.
#[derive(Debug)]
#[session_config(session_type = "filesystem")]
pub struct Sessions {
    secret_key: String,
}

#[derive(Debug)]
#[session_config(session_type = "filesystem")]
struct Private {
    session_cookie_secure: bool,
}

fn main() {
    let _ = Sessions { secret_key: String::new() };
    let _ = Private { session_cookie_secure: true };
}
