//! `#[session_config]`: parse (`attr`, `ast`) → check → expand.

mod ast;
mod attr;
mod check;
mod expand;
#[cfg(test)]
mod parity_tests;
mod value;

use proc_macro2::TokenStream;
use syn::ItemStruct;

use crate::ctxt::Ctxt;

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let item: ItemStruct = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            let err = syn::Error::new_spanned(&input, "`#[session_config]` goes on a struct whose fields are run-time settings, e.g. `struct Sessions { secret_key: String }`");
            let mut out = input;
            out.extend(err.into_compile_error());
            return out;
        }
    };
    let cx = Ctxt::new();
    let cont = ast::Config::from_ast(&cx, args, &item);
    check::check(&cx, &cont);
    match cx.check() {
        Ok(()) => expand::expand(&cont),
        Err(err) => {
            let mut out = expand::stub(&cont);
            out.extend(err.into_compile_error());
            out
        }
    }
}
