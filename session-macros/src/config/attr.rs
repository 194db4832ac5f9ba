//! `#[session_config(...)]` arguments → typed [`ConfigAttrs`]. Value kinds and spellings are
//! checked here; rules about values and between settings live in `check.rs`.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Meta, Path, Token};

use super::table::{self, Backend, BACKEND_NAMES, CRATE, SESSION_DATA};
use super::value::{boolean, choice, duration, integer, path, string};
use crate::ctxt::{suggestion, Ctxt};

/// A value with the key it was given under and its own span.
#[derive(Debug)]
pub(crate) struct Sp<T> {
    pub(crate) key: Ident,
    pub(crate) value: T,
    pub(crate) span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SameSite {
    Lax,
    Strict,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Msgpack,
    Json,
    Pickle,
}

/// `share_with = "..."`: an app on the same store whose reader fixes some settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Peer {
    FlaskUnchained,
}

pub(crate) const SHARE_WITH: &str = "share_with";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileHash {
    Sha256,
    Md5,
}

/// Every key `#[session_config]` accepts, as given in the attribute.
#[derive(Debug, Default)]
pub(crate) struct ConfigAttrs {
    pub(crate) session_type: Option<Sp<Backend>>,
    pub(crate) session_cookie_name: Option<Sp<String>>,
    pub(crate) session_cookie_domain: Option<Sp<String>>,
    pub(crate) session_cookie_path: Option<Sp<String>>,
    pub(crate) session_cookie_httponly: Option<Sp<bool>>,
    pub(crate) session_cookie_secure: Option<Sp<bool>>,
    pub(crate) session_cookie_samesite: Option<Sp<SameSite>>,
    /// Milliseconds.
    pub(crate) permanent_session_lifetime: Option<Sp<u64>>,
    pub(crate) session_refresh_each_request: Option<Sp<bool>>,
    pub(crate) session_permanent: Option<Sp<bool>>,
    pub(crate) session_use_signer: Option<Sp<bool>>,
    pub(crate) session_key_prefix: Option<Sp<String>>,
    pub(crate) session_id_length: Option<Sp<u64>>,
    pub(crate) session_serialization_format: Option<Sp<Format>>,
    pub(crate) session_redis: Option<Sp<String>>,
    pub(crate) session_memcached: Option<Sp<String>>,
    pub(crate) session_file_dir: Option<Sp<String>>,
    pub(crate) session_file_threshold: Option<Sp<u64>>,
    pub(crate) session_file_mode: Option<Sp<u64>>,
    pub(crate) session_file_name_hash: Option<Sp<FileHash>>,
    pub(crate) session_mongodb: Option<Sp<String>>,
    pub(crate) session_mongodb_db: Option<Sp<String>>,
    pub(crate) session_mongodb_collect: Option<Sp<String>>,
    pub(crate) session_sqlalchemy: Option<Sp<String>>,
    pub(crate) session_sqlalchemy_table: Option<Sp<String>>,
    pub(crate) session_sqlalchemy_model: Option<Sp<Path>>,
    pub(crate) session_cleanup_n_requests: Option<Sp<u64>>,
    pub(crate) session_merge_on_save: Option<Sp<bool>>,
    /// In milliseconds.
    /// Milliseconds.
    pub(crate) session_store_timeout: Option<Sp<u64>>,
    pub(crate) session_max_size: Option<Sp<u64>>,
    pub(crate) session_cache_control_private: Option<Sp<bool>>,
    pub(crate) session_data: Option<Sp<Path>>,
    pub(crate) share_with: Option<Sp<Peer>>,
    pub(crate) krate: Option<Sp<Path>>,
    /// `secret_key = "..."` was given (and reported).
    pub(crate) secret_key_literal: bool,
}

impl ConfigAttrs {
    pub(crate) fn from_args(cx: &Ctxt, args: TokenStream) -> ConfigAttrs {
        let mut attrs = ConfigAttrs::default();
        let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
            Ok(metas) => metas,
            Err(err) => {
                cx.syn_error(err);
                return attrs;
            }
        };
        let mut seen: Vec<String> = Vec::new();
        for meta in metas {
            let Some((key, value)) = key_value(cx, meta) else { continue };
            let name = key.to_string();
            if seen.contains(&name) {
                cx.error_spanned_by(&key, format!("duplicate setting `{name}`; it is already given above, remove one of the two"));
                continue;
            }
            seen.push(name);
            attrs.set(cx, key, &value);
        }
        attrs
    }

    fn set(&mut self, cx: &Ctxt, key: Ident, v: &Expr) {
        let k = key.clone();
        match key.to_string().as_str() {
            // session_type = "redis"
            "session_type" => self.session_type = choice(cx, k, v, BACKEND_NAMES, Backend::from_name),
            "session_cookie_name" => self.session_cookie_name = string(cx, k, v),
            "session_cookie_domain" => self.session_cookie_domain = string(cx, k, v),
            "session_cookie_path" => self.session_cookie_path = string(cx, k, v),
            "session_cookie_httponly" => self.session_cookie_httponly = boolean(cx, k, v),
            "session_cookie_secure" => self.session_cookie_secure = boolean(cx, k, v),
            // session_cookie_samesite = "Lax", in any case, as Werkzeug takes it
            "session_cookie_samesite" => {
                self.session_cookie_samesite =
                    choice(cx, k, v, &["Lax", "Strict", "None"], |s| match s.to_ascii_lowercase().as_str() {
                        "lax" => Some(SameSite::Lax),
                        "strict" => Some(SameSite::Strict),
                        "none" => Some(SameSite::None),
                        _ => None,
                    })
            }
            // permanent_session_lifetime = "7d" | 3600
            "permanent_session_lifetime" => self.permanent_session_lifetime = duration(cx, k, v),
            "session_refresh_each_request" => self.session_refresh_each_request = boolean(cx, k, v),
            "session_permanent" => self.session_permanent = boolean(cx, k, v),
            "session_use_signer" => self.session_use_signer = boolean(cx, k, v),
            "session_key_prefix" => self.session_key_prefix = string(cx, k, v),
            "session_id_length" => self.session_id_length = integer(cx, k, v),
            "session_serialization_format" => {
                self.session_serialization_format = choice(cx, k, v, &["msgpack", "json", "pickle"], |s| match s {
                    "msgpack" => Some(Format::Msgpack),
                    "json" => Some(Format::Json),
                    "pickle" => Some(Format::Pickle),
                    _ => None,
                })
            }
            "session_redis" => self.session_redis = string(cx, k, v),
            "session_memcached" => self.session_memcached = string(cx, k, v),
            "session_file_dir" => self.session_file_dir = string(cx, k, v),
            "session_file_threshold" => self.session_file_threshold = integer(cx, k, v),
            // session_file_mode = 0o600
            "session_file_mode" => self.session_file_mode = integer(cx, k, v),
            "session_file_name_hash" => {
                self.session_file_name_hash = choice(cx, k, v, &["sha256", "md5"], |s| match s {
                    "sha256" => Some(FileHash::Sha256),
                    "md5" => Some(FileHash::Md5),
                    _ => None,
                })
            }
            "session_mongodb" => self.session_mongodb = string(cx, k, v),
            "session_mongodb_db" => self.session_mongodb_db = string(cx, k, v),
            "session_mongodb_collect" => self.session_mongodb_collect = string(cx, k, v),
            "session_sqlalchemy" => self.session_sqlalchemy = string(cx, k, v),
            "session_sqlalchemy_table" => self.session_sqlalchemy_table = string(cx, k, v),
            // session_sqlalchemy_model = UserSession
            "session_sqlalchemy_model" => self.session_sqlalchemy_model = path(cx, k, v),
            "session_cleanup_n_requests" => self.session_cleanup_n_requests = integer(cx, k, v),
            "session_merge_on_save" => self.session_merge_on_save = boolean(cx, k, v),
            // session_store_timeout = "500ms" | "2s" | 2
            "session_store_timeout" => self.session_store_timeout = duration(cx, k, v),
            "session_max_size" => self.session_max_size = integer(cx, k, v),
            "session_cache_control_private" => self.session_cache_control_private = boolean(cx, k, v),
            // session_data = Visitor
            SESSION_DATA => self.session_data = path(cx, k, v),
            // share_with = "flask-unchained"
            SHARE_WITH => {
                self.share_with = choice(cx, k, v, &["flask-unchained"], |s| (s == "flask-unchained").then_some(Peer::FlaskUnchained))
            }
            // crate = ::my_reexport::session_runtime
            CRATE => self.krate = path(cx, k, v),
            "secret_key" | "secret_key_fallbacks" => {
                self.secret_key_literal = true;
                let ty = if key == "secret_key" { "String" } else { "Vec<String>" };
                cx.error_spanned_by(&key, format!("`{key}` is never accepted as a literal in source; declare a field `{key}: {ty}` on the struct and fill it at run time, e.g. from an environment variable"));
            }
            other => {
                let names = table::setting_names().chain([SESSION_DATA, SHARE_WITH, CRATE]);
                cx.error_spanned_by(&key, format!("unknown setting `{other}`{}", suggestion(other, names)));
            }
        }
    }
}

fn key_value(cx: &Ctxt, meta: Meta) -> Option<(Ident, Expr)> {
    let (path, value) = match meta {
        Meta::NameValue(nv) => (nv.path, Some(nv.value)),
        Meta::Path(path) => (path, None),
        Meta::List(list) => {
            cx.error_spanned_by(&list, "expected `setting = value`, e.g. `session_type = \"filesystem\"`");
            return None;
        }
    };
    let Some(key) = path.get_ident().cloned() else {
        cx.error_spanned_by(&path, "expected a setting name such as `session_type`, not a path");
        return None;
    };
    match value {
        Some(value) => Some((key, value)),
        None => {
            cx.error_spanned_by(&key, format!("`{key}` needs a value: write `{key} = ...`"));
            None
        }
    }
}

impl ConfigAttrs {
    /// The keys of every setting given in the attribute (not `session_data` or `crate`).
    pub(crate) fn setting_keys(&self) -> Vec<&Ident> {
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
            session_sqlalchemy_model,
            session_cleanup_n_requests,
            session_merge_on_save,
            session_store_timeout,
            session_max_size,
            session_cache_control_private,
            session_data: _,
            share_with: _,
            krate: _,
            secret_key_literal: _,
        } = self;
        macro_rules! keys {
            ($($slot:ident),*) => { [$($slot.as_ref().map(|s| &s.key)),*].into_iter().flatten().collect() };
        }
        keys!(
            session_type, session_cookie_name, session_cookie_domain, session_cookie_path,
            session_cookie_httponly, session_cookie_secure, session_cookie_samesite,
            permanent_session_lifetime, session_refresh_each_request, session_permanent,
            session_use_signer, session_key_prefix, session_id_length, session_serialization_format,
            session_redis, session_memcached, session_file_dir, session_file_threshold,
            session_file_mode, session_file_name_hash, session_mongodb, session_mongodb_db,
            session_mongodb_collect, session_sqlalchemy, session_sqlalchemy_table,
            session_sqlalchemy_model, session_cleanup_n_requests, session_merge_on_save,
            session_store_timeout, session_max_size, session_cache_control_private
        )
    }
}

#[cfg(test)]
mod dispatch_tests {
    use quote::quote;

    use super::super::table::{Ty, SETTINGS};
    use super::ConfigAttrs;
    use crate::ctxt::Ctxt;

    /// Every setting of the table has a branch in `ConfigAttrs::set`.
    #[test]
    fn every_setting_is_parsed() {
        for setting in SETTINGS {
            let name = syn::Ident::new(setting.name, proc_macro2::Span::call_site());
            let value = match setting.ty {
                Ty::Bool => quote!(true),
                Ty::Duration | Ty::Usize | Ty::U32 | Ty::OptU64 => quote!(32),
                Ty::Model => quote!(Model),
                _ => quote!("x"),
            };
            let cx = Ctxt::new();
            ConfigAttrs::from_args(&cx, quote!(#name = #value));
            if let Err(err) = cx.check() {
                let msg = err.to_string();
                assert!(!msg.contains("unknown setting"), "{}: {msg}", setting.name);
            }
        }
    }
}
