//! Code generation for `#[session_config]`: the struct as written, an inherent impl that
//! resolves the settings and builds the layer, with bounds spanned on the user's tokens.

use proc_macro2::{Literal as Literal_, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use session_settings::Kind;

use super::ast::{Config, Field};
use super::attr::{ConfigAttrs, Given, Literal};
use crate::respan::respan;

pub(crate) fn krate(cont: &Config<'_>) -> TokenStream {
    match &cont.attrs.krate {
        Some(path) => {
            let path = &path.value;
            quote!(#path)
        }
        None => quote!(::session_runtime),
    }
}

pub(crate) fn expand(cont: &Config<'_>) -> TokenStream {
    let krate = krate(cont);
    let literals = literal_assignments(&cont.attrs, &krate);
    let fields = cont.fields.iter().map(|f| field_assignment(f, &krate));
    let settings_body = quote! {
        let mut __settings = <#krate::Settings as ::core::default::Default>::default();
        #(#literals)*
        #(#fields)*
        __settings
    };
    let into_layer_body = match &cont.attrs.session_sqlalchemy_model {
        // Spanned on the model: a type without `#[session_model]` is reported there, once.
        Some(model) => {
            let path = &model.value;
            respan(quote!(#krate::__private::layer_with_model::<#path>(self.settings()).await), model.span)
        }
        None => quote!(#krate::Settings::into_layer(self.settings()).await),
    };
    let layer_with_store_body = quote!(#krate::SessionLayer::new(store, self.settings()));
    let data_body = quote!(::core::convert::From::from(session));
    let methods = methods(cont, &krate, settings_body, into_layer_body, layer_with_store_body, data_body);
    let item = cont.item;
    quote! {
        #item
        #methods
    }
}

/// What is emitted after an error: the struct and the methods' signatures, so that code using
/// them reports nothing more.
pub(crate) fn stub(cont: &Config<'_>) -> TokenStream {
    let krate = krate(cont);
    let unreachable = quote!(::core::unreachable!("#[session_config] reported an error"));
    let methods = methods(cont, &krate, unreachable.clone(), unreachable.clone(), unreachable.clone(), unreachable);
    let item = cont.item;
    quote!(#item #methods)
}

fn methods(
    cont: &Config<'_>,
    krate: &TokenStream,
    settings_body: TokenStream,
    into_layer_body: TokenStream,
    layer_with_store_body: TokenStream,
    data_body: TokenStream,
) -> TokenStream {
    let vis = &cont.item.vis;
    let ident = &cont.item.ident;
    let data = cont.attrs.session_data.as_ref().map(|data| {
        // Spanned on the path, so a type that is not `SessionData` is reported there, once.
        let data_path = &data.value;
        let handle = respan(quote!(<#data_path as #krate::SessionData>::Handle), data.span);
        quote! {
            /// The typed handle of this configuration's session data over `session`.
            #vis fn data(session: #krate::Session) -> #handle {
                #data_body
            }
        }
    });
    quote! {
        #[automatically_derived]
        #[allow(dead_code, unreachable_pub)]
        impl #ident {
            /// The resolved settings: the attribute's literals, then the fields' run-time values,
            /// then the seed's defaults for everything else.
            #vis fn settings(&self) -> #krate::Settings {
                #settings_body
            }

            /// Connects the store of `session_type` and returns the session layer.
            #vis async fn into_layer(self) -> ::core::result::Result<#krate::SessionLayer, #krate::Error> {
                #into_layer_body
            }

            /// Connects the store as [`into_layer`](Self::into_layer) does and returns the
            /// actix-web middleware over the same lifecycle (needs the `actix` feature of
            /// session-runtime; without it, calling this is a compile error that says so).
            ///
            /// An `async fn` in effect; the future is boxed so that, without the feature, the
            /// call is the one error reported.
            #vis fn into_actix<'__a>(self) -> #krate::__private::ActixFuture<'__a>
            where
                Self: '__a,
                #krate::__private::Features: #krate::__private::RequireActix<'__a>,
            {
                #krate::__private::into_actix(self.into_layer())
            }

            /// The session layer over a store of your own (e.g. one shared with other code).
            #vis fn layer_with_store<__Store: #krate::SessionStore>(
                &self,
                store: __Store,
            ) -> ::core::result::Result<#krate::SessionLayer, #krate::SettingsError> {
                #layer_with_store_body
            }

            #data
        }
    }
}

/// `__settings.x = <field type as __private::XField>::to_setting(&self.x);`, spanned on the
/// field's type so that a type that cannot serve the setting is reported there. The trait is
/// the kind's: `<Kind>Field` (session-runtime's `__private` defines one per kind).
fn field_assignment(field: &Field<'_>, krate: &TokenStream) -> TokenStream {
    let Field { ident, ty, setting } = field;
    let field_trait = format_ident!("{}", setting.kind.field_trait());
    let member = syn::Ident::new(setting.name, ident.span());
    let span = syn::spanned::Spanned::span(ty);
    let convert = quote_spanned!(span=> <#ty as #krate::__private::#field_trait>::to_setting);
    quote!(__settings.#member = #convert(&self.#ident);)
}

/// `__settings.<key> = <value>;` for each setting given in the attribute, then the preset.
fn literal_assignments(attrs: &ConfigAttrs, krate: &TokenStream) -> Vec<TokenStream> {
    let mut out: Vec<TokenStream> = attrs
        .given
        .iter()
        .map(|given| {
            let member = given.key();
            let value = literal_tokens(given, krate);
            quote!(__settings.#member = #value;)
        })
        .collect();
    // The preset: Flask Unchained reads only pickle (check.rs refuses any other format with it).
    if attrs.share_with.is_some() && attrs.get("session_serialization_format").is_none() {
        out.push(quote!(__settings.session_serialization_format = #krate::SerializationFormat::Pickle;));
    }
    out
}

/// A literal as an expression of its setting's runtime type (session-runtime's `Settings`
/// maps each kind to one type).
fn literal_tokens(given: &Given, krate: &TokenStream) -> TokenStream {
    let some = |v: TokenStream| quote!(::core::option::Option::Some(#v));
    let variant = |v: &str| syn::Ident::new(v, Span::call_site());
    match (&given.literal.value, given.setting.kind) {
        (Literal::Bool(b), _) => quote!(#b),
        (Literal::Str(s), Kind::Path) => quote!(::std::path::PathBuf::from(#s)),
        (Literal::Str(s), Kind::OptText) => some(quote!(::std::string::String::from(#s))),
        (Literal::Str(s), _) => quote!(::std::string::String::from(#s)),
        (Literal::Duration(d), kind) => {
            let ms = Literal_::u64_suffixed(u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            let d = quote!(::core::time::Duration::from_millis(#ms));
            if kind == Kind::OptDuration { some(d) } else { d }
        }
        (Literal::Int(n), Kind::OptU64) => some(Literal_::u64_suffixed(*n).into_token_stream()),
        (Literal::Int(n), _) => Literal_::u64_unsuffixed(*n).into_token_stream(),
        (Literal::SameSite(v), _) => {
            let v = variant(v.variant());
            some(quote!(#krate::SameSite::#v))
        }
        (Literal::SessionType(v), _) => {
            let v = variant(v.variant());
            quote!(#krate::SessionType::#v)
        }
        (Literal::Format(v), _) => {
            let v = variant(v.variant());
            quote!(#krate::SerializationFormat::#v)
        }
        (Literal::FileNameHash(v), _) => {
            let v = variant(v.variant());
            quote!(#krate::FileNameHash::#v)
        }
    }
}
