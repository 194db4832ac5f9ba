//! `#[session_model(table = ...)]`: parse the attributes, check the rules, expand to a
//! `SessionModel` impl plus compile-time checks against the diesel table. Which Rust type a
//! column or a role takes is not decided here: the expansion names a runtime trait per field
//! (`session_runtime::store::sql::__private`), whose impls are that rule.

mod attr;
mod check;
mod expand;

use proc_macro2::TokenStream;

use crate::ctxt::Ctxt;

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut item: syn::ItemStruct = match syn::parse2(input) {
        Ok(item) => item,
        Err(e) => {
            let msg = "#[session_model] goes on a struct with named fields, one per column";
            return syn::Error::new(e.span(), msg).into_compile_error();
        }
    };
    let cx = Ctxt::new();
    let container = attr::Container::from_args(&cx, args);
    // Parsing strips the inert `#[session(...)]` attributes, which rustc would reject.
    let fields = attr::Field::from_struct(&cx, &mut item);
    let model = check::check(&cx, &item, container, fields);
    match (cx.check(), model.table.as_ref()) {
        (Ok(()), Some(table)) => expand::expand(&item, &model, table),
        (result, _) => {
            let mut out = expand::stub(&item, &model);
            out.extend(result.err().map(syn::Error::into_compile_error));
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    fn model() -> proc_macro2::TokenStream {
        quote! {
            struct M {
                #[session(id)] session_id: String,
                #[session(data)] data: Vec<u8>,
                #[session(expiry)] expiry: Option<NaiveDateTime>,
                #[session(from = "_user_id")] user_id: Option<String>,
            }
        }
    }

    #[test]
    fn crate_path_replaces_session_runtime() {
        let expanded = super::expand(quote!(table = t, crate = my::rt), model()).to_string();
        assert!(expanded.contains("my :: rt :: store :: sql :: __private :: IdField"), "{expanded}");
        assert!(!expanded.contains("session_runtime"), "{expanded}");
        // With errors (the second `table`), the stub uses the path too.
        let stub = super::expand(quote!(table = t, table = u, crate = my::rt), model()).to_string();
        assert!(stub.contains("compile_error"), "{stub}");
        assert!(!stub.contains("session_runtime"), "{stub}");
    }
}
