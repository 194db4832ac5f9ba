//! `#[session(...)]` on the fields of a `#[derive(SessionData)]` struct.

use syn::{Attribute, Expr, Ident, LitStr, Token};

use crate::ctxt::{suggestion, Ctxt};

const SESSION: &str = "session";
const RENAME: &str = "rename";
const DEFAULT: &str = "default";

#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub(crate) rename: Option<LitStr>,
    /// The `default` keyword, for spans.
    pub(crate) default: Option<Ident>,
}

impl FieldAttrs {
    pub(crate) fn from_attrs(cx: &Ctxt, attrs: &[Attribute]) -> FieldAttrs {
        let mut out = FieldAttrs::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident(SESSION)) {
            let parsed = attr.parse_nested_meta(|meta| {
                let Some(key) = meta.path.get_ident().cloned() else {
                    cx.error_spanned_by(&meta.path, "expected `rename = \"...\"` or `default`");
                    return skip_value(&meta);
                };
                if key == RENAME {
                    // #[session(rename = "_user_id")]
                    let value: Expr = meta.value()?.parse()?;
                    let Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(lit), .. }) = value else {
                        cx.error_spanned_by(&value, "`rename` takes the session key as a string, e.g. `#[session(rename = \"_user_id\")]`");
                        return Ok(());
                    };
                    if out.rename.is_some() {
                        cx.error_spanned_by(&key, "duplicate `rename`; give a field one session key");
                    }
                    out.rename = Some(lit);
                } else if key == DEFAULT {
                    // #[session(default)]
                    if meta.input.peek(Token![=]) {
                        cx.error_spanned_by(&key, "`default` takes no value; write `#[session(default)]` and implement `Default` for the field's type");
                        return skip_value(&meta);
                    }
                    if out.default.is_some() {
                        cx.error_spanned_by(&key, "duplicate `default`; give it once");
                    }
                    out.default = Some(key);
                } else {
                    let hint = suggestion(&key.to_string(), [RENAME, DEFAULT]);
                    let hint = if hint.is_empty() { "; expected `rename = \"...\"` or `default`".to_owned() } else { hint };
                    cx.error_spanned_by(&key, format!("unknown session field attribute `{key}`{hint}"));
                    return skip_value(&meta);
                }
                Ok(())
            });
            if let Err(err) = parsed {
                cx.syn_error(err);
            }
        }
        out
    }
}

/// Consumes `= value` or `(...)` after an unknown key, so parsing goes on with the next one.
fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}

/// `#[session(crate = path)]` on the struct: the path of `session_runtime`, for crates that
/// re-export it. Field attributes given there are reported.
pub(crate) fn container_crate(cx: &Ctxt, attrs: &[Attribute]) -> Option<syn::Path> {
    let mut krate = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident(SESSION)) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                // #[session(crate = ::my::session_runtime)]
                let path: syn::Path = meta.value()?.parse()?;
                if krate.is_some() {
                    cx.error_spanned_by(&meta.path, "duplicate `crate`; give it once");
                }
                krate = Some(path);
                Ok(())
            } else {
                let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
                cx.error_spanned_by(&meta.path, format!("`{key}` belongs on a field of a `#[derive(SessionData)]` struct; on the struct, `#[session(...)]` only takes `crate = path`"));
                skip_value(&meta)
            }
        });
        if let Err(err) = parsed {
            cx.syn_error(err);
        }
    }
    krate
}
