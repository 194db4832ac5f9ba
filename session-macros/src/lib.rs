//! Procedural macros of `session-runtime`: use them through that crate, which re-exports them.
//!
//! Each macro is a folder that parses, checks, then expands; `ctxt` collects the errors of one
//! invocation so that they are all reported together.

mod config;
mod ctxt;
mod data;
mod model;
mod respan;

use proc_macro::TokenStream;

#[doc = include_str!("../docs/session_config.md")]
#[proc_macro_attribute]
pub fn session_config(args: TokenStream, input: TokenStream) -> TokenStream {
    config::expand(args.into(), input.into()).into()
}

#[doc = include_str!("../docs/session_data.md")]
#[proc_macro_derive(SessionData, attributes(session))]
pub fn derive_session_data(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    data::expand(&input).into()
}

#[doc = include_str!("../docs/session_model.md")]
#[proc_macro_attribute]
pub fn session_model(args: TokenStream, input: TokenStream) -> TokenStream {
    model::expand(args.into(), input.into()).into()
}
