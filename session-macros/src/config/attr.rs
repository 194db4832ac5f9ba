//! `#[session_config(...)]` arguments → typed [`ConfigAttrs`]. The kind of value each setting
//! takes comes from session-settings' table; rules about values live there too (`check.rs`
//! runs them).

use std::path::Path as FsPath;
use std::time::Duration;

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Meta, Path, Token};

use session_settings::{FileNameHash, Kind, SameSite, SerializationFormat, SessionType, Setting, Value};

use super::value::{boolean, choice, duration, integer, path, string};
use crate::ctxt::{suggestion, Ctxt};

/// A value with the key it was given under and its own span.
#[derive(Debug)]
pub(crate) struct Sp<T> {
    pub(crate) key: Ident,
    pub(crate) value: T,
    pub(crate) span: Span,
}

/// A literal as parsed for its setting's kind.
#[derive(Debug)]
pub(crate) enum Literal {
    Bool(bool),
    Str(String),
    Int(u64),
    Duration(Duration),
    SameSite(SameSite),
    SessionType(SessionType),
    Format(SerializationFormat),
    FileNameHash(FileNameHash),
}

/// A setting given as a literal in the attribute.
#[derive(Debug)]
pub(crate) struct Given {
    pub(crate) setting: &'static Setting,
    pub(crate) literal: Sp<Literal>,
}

impl Given {
    pub(crate) fn key(&self) -> &Ident {
        &self.literal.key
    }

    pub(crate) fn span(&self) -> Span {
        self.literal.span
    }

    /// The literal as the rules see a value of its setting's kind.
    pub(crate) fn value(&self) -> Value<'_> {
        match (self.setting.kind, &self.literal.value) {
            (Kind::Text, Literal::Str(s)) => Value::Text(s),
            (Kind::OptText, Literal::Str(s)) => Value::OptText(Some(s)),
            (Kind::Path, Literal::Str(s)) => Value::Path(FsPath::new(s)),
            (Kind::OptDuration, Literal::Duration(d)) => Value::OptDuration(Some(*d)),
            (Kind::FileMode, Literal::Int(n)) => Value::FileMode(*n),
            (Kind::OptU64, Literal::Int(n)) => Value::OptU64(Some(*n)),
            (_, Literal::Int(n)) => Value::Usize(*n),
            (_, Literal::Bool(b)) => Value::Bool(*b),
            (_, Literal::Str(s)) => Value::Text(s),
            (_, Literal::Duration(d)) => Value::Duration(*d),
            (_, Literal::SameSite(v)) => Value::SameSite(Some(*v)),
            (_, Literal::SessionType(v)) => Value::SessionType(*v),
            (_, Literal::Format(v)) => Value::Format(*v),
            (_, Literal::FileNameHash(v)) => Value::FileNameHash(*v),
        }
    }
}

/// `share_with = "..."`: an app on the same store whose reader fixes some settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Peer {
    FlaskUnchained,
}

pub(crate) const SESSION_DATA: &str = "session_data";
pub(crate) const SHARE_WITH: &str = "share_with";
pub(crate) const CRATE: &str = "crate";
pub(crate) const MODEL: &str = "session_sqlalchemy_model";

/// Every key `#[session_config]` accepts, as given in the attribute.
#[derive(Debug, Default)]
pub(crate) struct ConfigAttrs {
    /// Runtime settings given as literals, in the order written.
    pub(crate) given: Vec<Given>,
    pub(crate) session_sqlalchemy_model: Option<Sp<Path>>,
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

    /// The literal given for the setting `name`, if any.
    pub(crate) fn get(&self, name: &str) -> Option<&Given> {
        self.given.iter().find(|g| g.setting.name == name)
    }

    /// The keys of every setting given in the attribute (not `session_data` or `crate`).
    pub(crate) fn setting_keys(&self) -> impl Iterator<Item = &Ident> {
        self.given.iter().map(Given::key).chain(self.session_sqlalchemy_model.as_ref().map(|m| &m.key))
    }

    fn set(&mut self, cx: &Ctxt, key: Ident, v: &Expr) {
        let name = key.to_string();
        if let Some(setting) = session_settings::setting(&name) {
            if let Some(literal) = literal(cx, setting, key, v) {
                self.given.push(Given { setting, literal });
            } else if matches!(setting.kind, Kind::SecretKey | Kind::SecretKeys) {
                self.secret_key_literal = true;
            }
            return;
        }
        match name.as_str() {
            // session_sqlalchemy_model = UserSession
            MODEL => self.session_sqlalchemy_model = path(cx, key, v),
            // session_data = Visitor
            SESSION_DATA => self.session_data = path(cx, key, v),
            // share_with = "flask-unchained"
            SHARE_WITH => {
                self.share_with = choice(cx, key, v, &["flask-unchained"], |s| (s == "flask-unchained").then_some(Peer::FlaskUnchained))
            }
            // crate = ::my_reexport::session_runtime
            CRATE => self.krate = path(cx, key, v),
            other => {
                let names = session_settings::SETTINGS.iter().map(|s| s.name).chain([MODEL, SESSION_DATA, SHARE_WITH, CRATE]);
                cx.error_spanned_by(&key, format!("unknown setting `{other}`{}", suggestion(other, names)));
            }
        }
    }
}

/// Parses `v` as a literal of `setting`'s kind, reporting a wrong one on the value.
fn literal(cx: &Ctxt, setting: &'static Setting, key: Ident, v: &Expr) -> Option<Sp<Literal>> {
    fn map<T>(sp: Option<Sp<T>>, f: impl FnOnce(T) -> Literal) -> Option<Sp<Literal>> {
        sp.map(|Sp { key, value, span }| Sp { key, value: f(value), span })
    }
    match setting.kind {
        Kind::Bool => map(boolean(cx, key, v), Literal::Bool),
        Kind::Text | Kind::OptText | Kind::Path => map(string(cx, key, v), Literal::Str),
        // permanent_session_lifetime = "7d" | 3600
        Kind::Duration | Kind::OptDuration => map(duration(cx, key, v), Literal::Duration),
        Kind::Usize | Kind::FileMode | Kind::OptU64 => map(integer(cx, key, v), Literal::Int),
        Kind::SameSite => map(choice(cx, key, v, SameSite::NAMES, SameSite::from_name), Literal::SameSite),
        Kind::SessionType => {
            // The alias is accepted, and suggested too.
            map(choice(cx, key, v, &[SessionType::NAMES, &["sql"]].concat(), SessionType::from_name), Literal::SessionType)
        }
        Kind::Format => map(choice(cx, key, v, SerializationFormat::NAMES, SerializationFormat::from_name), Literal::Format),
        Kind::FileNameHash => map(choice(cx, key, v, FileNameHash::NAMES, FileNameHash::from_name), Literal::FileNameHash),
        Kind::SecretKey | Kind::SecretKeys => {
            let ty = if setting.kind == Kind::SecretKey { "String" } else { "Vec<String>" };
            cx.error_spanned_by(&key, format!("`{key}` is never accepted as a literal in source; declare a field `{key}: {ty}` on the struct and fill it at run time, e.g. from an environment variable"));
            None
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
