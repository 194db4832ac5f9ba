//! Code generation for `#[derive(SessionData)]`: the `{Name}Session` handle with four methods per
//! field, the `SessionData` impl and the axum extractor.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{GenericArgument, PathArguments, Type};

use super::ast::{Data, Field};
use crate::respan::respan;

fn krate(cont: &Data<'_>) -> TokenStream {
    match &cont.krate {
        Some(path) => quote!(#path),
        None => quote!(::session_runtime),
    }
}

pub(crate) fn expand(cont: &Data<'_>) -> TokenStream {
    expand_with(cont, false)
}

/// After an error: the same items with `unreachable!()` bodies and no bounds, so code using the
/// handle reports nothing more.
pub(crate) fn stub(cont: &Data<'_>) -> TokenStream {
    expand_with(cont, true)
}

fn expand_with(cont: &Data<'_>, stub: bool) -> TokenStream {
    let krate = krate(cont);
    let Data { ident, vis, fields, krate: _ } = cont;
    let handle = format_ident!("{}Session", ident);
    let keys: Vec<Literal> = fields.iter().map(|f| Literal::string(&f.key)).collect();
    let methods = fields.iter().map(|f| field_methods(cont, f, &handle, stub));
    let data_impl = data_impl(cont, &handle, keys, stub);
    let doc = format!(
        "Typed access to the [`{ident}`] fields of a session: a getter, `set_`, `remove_` and `take_` per field, \
         each on its own session key. Dereferences to the untyped session and is an axum extractor."
    );
    quote! {
        #[doc = #doc]
        #vis struct #handle {
            __session: #krate::Session,
        }

        const _: () = {
            #data_impl

            #[automatically_derived]
            impl ::core::convert::From<#krate::Session> for #handle {
                fn from(session: #krate::Session) -> Self {
                    #handle { __session: session }
                }
            }

            #[automatically_derived]
            impl ::core::ops::Deref for #handle {
                type Target = #krate::Session;
                fn deref(&self) -> &#krate::Session {
                    &self.__session
                }
            }

            #[automatically_derived]
            impl ::core::clone::Clone for #handle {
                fn clone(&self) -> Self {
                    #handle { __session: ::core::clone::Clone::clone(&self.__session) }
                }
            }

            #[automatically_derived]
            impl ::core::fmt::Debug for #handle {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_tuple(::core::stringify!(#handle)).field(&self.__session).finish()
                }
            }

            #[automatically_derived]
            #[allow(dead_code, unreachable_pub)]
            impl #handle {
                /// The untyped session this handle reads and writes.
                #vis fn into_session(self) -> #krate::Session {
                    self.__session
                }
            }

            #(#methods)*

            #krate::__private::data_extractor!(#handle);
        };
    }
}

/// `SessionData` for the struct. Not `#[automatically_derived]`: its `write` is what reads the
/// struct's fields, so they do not look unused to rustc's dead-code lint.
fn data_impl(cont: &Data<'_>, handle: &syn::Ident, keys: Vec<Literal>, stub: bool) -> TokenStream {
    let krate = krate(cont);
    let ident = cont.ident;
    let unreachable = quote!(::core::unreachable!("#[derive(SessionData)] reported an error"));
    let (read, write, bounds) = if stub {
        (unreachable.clone(), unreachable, None)
    } else {
        let inits = cont.fields.iter().map(|f| {
            let (member, ty, key) = (f.ident, f.ty, Literal::string(&f.key));
            let get = quote!(#krate::Session::get::<#ty>(__session, #key).await?);
            if f.default.is_some() || is_option(ty) {
                quote!(#member: #get.unwrap_or_default())
            } else {
                quote!(#member: match #get {
                    ::core::option::Option::Some(__v) => __v,
                    ::core::option::Option::None => return ::core::result::Result::Ok(::core::option::Option::None),
                })
            }
        });
        let writes = cont.fields.iter().map(|f| {
            let (member, key) = (f.ident, Literal::string(&f.key));
            quote!(#krate::Session::insert(__session, #key, &self.#member).await?;)
        });
        // Higher-ranked, so an unmet bound makes the impl not apply instead of a second error
        // (the field methods already report it, on the field).
        let serde = quote!(#krate::__private::serde);
        let bounds = cont.fields.iter().map(|f| {
            let ty = f.ty;
            let default = (f.default.is_some()).then(|| quote!(+ ::core::default::Default));
            quote!(for<'__a> #ty: #serde::Serialize + #serde::de::DeserializeOwned #default,)
        });
        (
            quote!(::core::result::Result::Ok(::core::option::Option::Some(#ident { #(#inits,)* }))),
            quote!(#(#writes)* ::core::result::Result::Ok(())),
            Some(quote!(where #(#bounds)*)),
        )
    };
    let result = |t: TokenStream| quote!(::core::result::Result<#t, #krate::SessionError>);
    let (r_read, r_write) = (result(quote!(::core::option::Option<Self>)), result(quote!(())));
    quote! {
        impl #krate::SessionData for #ident #bounds {
            type Handle = #handle;
            const KEYS: &'static [&'static str] = &[#(#keys),*];

            #[allow(clippy::manual_async_fn)]
            fn read(__session: &#krate::Session) -> impl ::core::future::Future<Output = #r_read> {
                async move { #read }
            }

            #[allow(clippy::manual_async_fn)]
            fn write(&self, __session: &#krate::Session) -> impl ::core::future::Future<Output = #r_write> {
                async move { #write }
            }
        }
    }
}

fn field_methods(cont: &Data<'_>, field: &Field<'_>, handle: &syn::Ident, stub: bool) -> TokenStream {
    let krate = krate(cont);
    let vis = cont.vis;
    let Field { ident, ty, key, default, .. } = field;
    let name = ident.unraw();
    let (set, remove, take) = (format_ident!("set_{}", name), format_ident!("remove_{}", name), format_ident!("take_{}", name));
    let key_lit = Literal::string(key);
    // A missing key reads as `Default::default()` for `#[session(default)]` and `Option` fields,
    // and as `None` otherwise.
    let defaulted = default.is_some() || is_option(ty);
    let (ret, missing, missing_doc) = if defaulted {
        (quote!(#ty), quote!(.map(::core::option::Option::unwrap_or_default)), "its default when the key is missing")
    } else {
        (quote!(::core::option::Option<#ty>), quote!(), "`None` when the key is missing")
    };
    let result = |t: TokenStream| quote!(::core::result::Result<#t, #krate::SessionError>);
    let (r_get, r_unit) = (result(ret.clone()), result(quote!(())));
    let body = |b: TokenStream| if stub { quote!(::core::unreachable!("#[derive(SessionData)] reported an error")) } else { b };
    let get_body = body(quote!(self.__session.get::<#ty>(#key_lit).await #missing));
    let set_body = body(quote!(self.__session.insert(#key_lit, &value).await));
    let remove_body = body(quote!(self.__session.remove_value(#key_lit).await.map(|_| ())));
    let take_body = body(quote!(self.__session.remove::<#ty>(#key_lit).await #missing));
    // The bounds are written once per field, spanned on its type (or on `default`), so a type
    // that cannot be stored is reported once, there, and not in every method.
    let bounds = (!stub).then(|| {
        let value = respan(quote!(#ty: #krate::__private::SessionValue,), ty.span());
        // Higher-ranked, so rustc checks it where a method is used rather than here: the
        // bodies need it, and the `SessionValue` bound above already reported a missing impl.
        let serde = quote!(#krate::__private::serde);
        let value = quote!(#value for<'__a> #ty: #serde::Serialize + #serde::de::DeserializeOwned,);
        let default = default.as_ref().map(|d| {
            let marker = respan(quote!(#ty: #krate::__private::DefaultValue,), d.span());
            quote!(#marker for<'__a> #ty: ::core::default::Default,)
        });
        quote!(where #value #default)
    });
    let docs = [
        format!("Reads session key `\"{key}\"` (field `{ident}` of [`{}`]); {missing_doc}.", cont.ident),
        format!("Writes session key `\"{key}\"`."),
        format!("Removes session key `\"{key}\"`, whatever its value."),
        format!("Removes session key `\"{key}\"` and returns its value; {missing_doc}."),
    ];
    let [d_get, d_set, d_remove, d_take] = docs;
    quote! {
        #[automatically_derived]
        #[allow(dead_code, unreachable_pub)]
        impl #handle #bounds {
            #[doc = #d_get]
            #vis async fn #ident(&self) -> #r_get { #get_body }
            #[doc = #d_set]
            #vis async fn #set(&self, value: #ty) -> #r_unit { #set_body }
            #[doc = #d_remove]
            #vis async fn #remove(&self) -> #r_unit { #remove_body }
            #[doc = #d_take]
            #vis async fn #take(&self) -> #r_get { #take_body }
        }
    }
}

/// `Option<T>`, however it is spelled (`Option`, `std::option::Option`, ...).
fn is_option(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    let Some(last) = path.path.segments.last() else { return false };
    last.ident == "Option"
        && matches!(&last.arguments, PathArguments::AngleBracketed(args)
            if args.args.len() == 1 && matches!(args.args[0], GenericArgument::Type(_)))
}
