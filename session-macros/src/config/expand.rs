//! Code generation for `#[session_config]`: the struct as written, an inherent impl that
//! resolves the settings and builds the layer, with bounds spanned on the user's tokens.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, quote_spanned};

use super::ast::{Config, Field};
use super::attr::{ConfigAttrs, FileHash, Format, SameSite, Sp};
use super::table::{Backend, Ty};
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
/// field's type so that a type that cannot serve the setting is reported there.
fn field_assignment(field: &Field<'_>, krate: &TokenStream) -> TokenStream {
    let Field { ident, ty, setting } = field;
    let field_trait = syn::Ident::new(field_trait(setting.ty), proc_macro2::Span::call_site());
    let member = syn::Ident::new(setting.name, ident.span());
    let span = syn::spanned::Spanned::span(ty);
    let convert = quote_spanned!(span=> <#ty as #krate::__private::#field_trait>::to_setting);
    quote!(__settings.#member = #convert(&self.#ident);)
}

/// The `__private` trait a field of a setting of type `ty` must implement.
fn field_trait(ty: Ty) -> &'static str {
    match ty {
        Ty::Bool => "BoolField",
        Ty::Text => "TextField",
        Ty::OptText => "OptTextField",
        Ty::Duration => "DurationField",
        Ty::SameSite => "SameSiteField",
        Ty::SessionType => "SessionTypeField",
        Ty::Format => "FormatField",
        Ty::FileNameHash => "FileNameHashField",
        Ty::PathBuf => "PathField",
        Ty::Usize => "UsizeField",
        Ty::U32 => "U32Field",
        Ty::OptU64 => "OptU64Field",
        Ty::SecretKey => "SecretKeyField",
        Ty::SecretKeys => "SecretKeysField",
        // Never a field (`ast.rs` refuses it); the model is wired by the SQL store.
        Ty::Model => "BoolField",
    }
}

fn literal_assignments(attrs: &ConfigAttrs, krate: &TokenStream) -> Vec<TokenStream> {
    let ConfigAttrs {
        session_type,
        session_cookie_name,
        session_cookie_domain,
        session_cookie_path,
        session_cookie_httponly,
        session_cookie_secure,
        session_cookie_samesite,
        permanent_session_lifetime,
        session_refresh_each_request,
        session_permanent,
        session_use_signer,
        session_key_prefix,
        session_id_length,
        session_serialization_format,
        session_redis,
        session_memcached,
        session_file_dir,
        session_file_threshold,
        session_file_mode,
        session_file_name_hash,
        session_mongodb,
        session_mongodb_db,
        session_mongodb_collect,
        session_sqlalchemy,
        session_sqlalchemy_table,
        // Checked by the bound of the `into_layer` body; the SQL store wires it (Settings has no field for it).
        session_sqlalchemy_model: _,
        session_cleanup_n_requests,
        session_merge_on_save,
        session_store_timeout,
        session_max_size,
        session_cache_control_private,
        session_data: _,
        share_with,
        krate: _,
        secret_key_literal: _,
    } = attrs;
    let string = |s: &Sp<String>| {
        let lit = Literal::string(&s.value);
        quote!(::std::string::String::from(#lit))
    };
    let some_string = |s: &Sp<String>| {
        let v = string(s);
        quote!(::core::option::Option::Some(#v))
    };
    let boolean = |b: &Sp<bool>| if b.value { quote!(true) } else { quote!(false) };
    let usize_ = |n: &Sp<u64>| {
        let n = Literal::u64_unsuffixed(n.value);
        quote!(#n)
    };
    let mut out = Vec::new();
    // `__settings.<key> = <value>;` for a setting given in the attribute.
    macro_rules! emit {
        ($slot:expr, |$v:ident| $value:expr) => {
            if let Some($v) = $slot.as_ref() {
                let member = &$v.key;
                let value: TokenStream = $value;
                out.push(quote!(__settings.#member = #value;));
            }
        };
    }
    emit!(session_type, |t| {
        let variant = syn::Ident::new(backend_variant(t.value), Span::call_site());
        quote!(#krate::SessionType::#variant)
    });
    emit!(session_cookie_name, |s| string(s));
    emit!(session_cookie_domain, |s| some_string(s));
    emit!(session_cookie_path, |s| some_string(s));
    emit!(session_cookie_httponly, |b| boolean(b));
    emit!(session_cookie_secure, |b| boolean(b));
    emit!(session_cookie_samesite, |s| {
        let variant = match s.value {
            SameSite::Lax => quote!(Lax),
            SameSite::Strict => quote!(Strict),
            SameSite::None => quote!(None),
        };
        quote!(::core::option::Option::Some(#krate::SameSite::#variant))
    });
    emit!(permanent_session_lifetime, |l| {
        let ms = Literal::u64_suffixed(l.value);
        quote!(::core::time::Duration::from_millis(#ms))
    });
    emit!(session_refresh_each_request, |b| boolean(b));
    emit!(session_permanent, |b| boolean(b));
    emit!(session_use_signer, |b| boolean(b));
    emit!(session_key_prefix, |s| string(s));
    emit!(session_id_length, |n| usize_(n));
    emit!(session_serialization_format, |f| match f.value {
        Format::Msgpack => quote!(#krate::SerializationFormat::Msgpack),
        Format::Json => quote!(#krate::SerializationFormat::Json),
        Format::Pickle => quote!(#krate::SerializationFormat::Pickle),
    });
    // The preset: Flask Unchained reads only pickle (check.rs refuses any other format with it).
    if share_with.is_some() && session_serialization_format.is_none() {
        out.push(quote!(__settings.session_serialization_format = #krate::SerializationFormat::Pickle;));
    }
    emit!(session_redis, |s| string(s));
    emit!(session_memcached, |s| string(s));
    emit!(session_file_dir, |s| {
        let lit = Literal::string(&s.value);
        quote!(::std::path::PathBuf::from(#lit))
    });
    emit!(session_file_threshold, |n| usize_(n));
    emit!(session_file_mode, |n| {
        let mode = Literal::u64_unsuffixed(n.value);
        quote!(#mode)
    });
    emit!(session_file_name_hash, |h| match h.value {
        FileHash::Sha256 => quote!(#krate::FileNameHash::Sha256),
        FileHash::Md5 => quote!(#krate::FileNameHash::Md5),
    });
    emit!(session_mongodb, |s| string(s));
    emit!(session_mongodb_db, |s| string(s));
    emit!(session_mongodb_collect, |s| string(s));
    emit!(session_sqlalchemy, |s| some_string(s));
    emit!(session_sqlalchemy_table, |s| string(s));
    emit!(session_cleanup_n_requests, |n| {
        let n = Literal::u64_suffixed(n.value);
        quote!(::core::option::Option::Some(#n))
    });
    emit!(session_merge_on_save, |b| boolean(b));
    emit!(session_store_timeout, |t| {
        let ms = Literal::u64_suffixed(t.value);
        quote!(::core::time::Duration::from_millis(#ms))
    });
    emit!(session_max_size, |n| usize_(n));
    emit!(session_cache_control_private, |b| boolean(b));
    out
}

fn backend_variant(backend: Backend) -> &'static str {
    match backend {
        Backend::Null => "Null",
        Backend::Redis => "Redis",
        Backend::Memcached => "Memcached",
        Backend::Filesystem => "Filesystem",
        Backend::Mongodb => "Mongodb",
        Backend::Sqlalchemy => "Sqlalchemy",
    }
}

