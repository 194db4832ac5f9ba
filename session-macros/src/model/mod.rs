//! `#[session_model(table = ...)]`: parse the attributes, check the rules, expand to a
//! `SessionModel` impl plus compile-time checks against the diesel table.

mod attr;
mod check;
mod expand;

use std::cell::RefCell;

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};

/// Collects every error so the user sees them all at once; `check` must be called.
pub(crate) struct Ctxt {
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Ctxt { errors: RefCell::new(Some(Vec::new())) }
    }

    pub(crate) fn error_spanned_by(&self, obj: impl ToTokens, msg: impl std::fmt::Display) {
        // Through a TokenStream so every caller shares one instantiation of new_spanned.
        self.syn_error(syn::Error::new_spanned(obj.into_token_stream(), msg));
    }

    pub(crate) fn syn_error(&self, err: syn::Error) {
        if let Some(errors) = self.errors.borrow_mut().as_mut() {
            errors.push(err);
        }
    }

    pub(crate) fn check(self) -> syn::Result<()> {
        let mut errors = self.errors.borrow_mut().take().unwrap_or_default().into_iter();
        let Some(mut first) = errors.next() else { return Ok(()) };
        for e in errors {
            first.combine(e);
        }
        Err(first)
    }
}

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut item: syn::ItemStruct = match syn::parse2(input) {
        Ok(item) => item,
        Err(e) => {
            let msg = "#[session_model] goes on a struct with named fields, one per column";
            return syn::Error::new(e.span(), msg).to_compile_error();
        }
    };
    let cx = Ctxt::new();
    let container = attr::Container::from_args(&cx, args);
    // Parsing strips the inert `#[session(...)]` attributes, which rustc would reject.
    let fields = attr::Field::from_struct(&cx, &mut item);
    let model = check::check(&cx, &item, container, fields);
    match (cx.check(), model) {
        (Ok(()), Some(model)) => expand::expand(&item, &model),
        (result, _) => {
            let errors = result.err().map(|e| e.to_compile_error());
            let stub = expand::stub(&item);
            quote! { #item #errors #stub }
        }
    }
}
