//! `#[derive(SessionData)]`: parse (`attr`, `ast`) → check → expand.

mod ast;
mod attr;
mod check;
mod expand;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::ctxt::Ctxt;

pub(crate) fn expand(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let cont = ast::Data::from_ast(&cx, input);
    if let Some(cont) = &cont {
        check::check(&cx, cont);
    }
    match (cx.check(), cont) {
        (Ok(()), Some(cont)) => expand::expand(&cont),
        (Ok(()), None) => TokenStream::new(),
        (Err(err), Some(cont)) => {
            let mut out = expand::stub(&cont);
            out.extend(err.into_compile_error());
            out
        }
        (Err(err), None) => err.into_compile_error(),
    }
}
