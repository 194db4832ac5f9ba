//! Rules about the session keys of a `#[derive(SessionData)]` struct.

use super::ast::Data;
use crate::ctxt::Ctxt;

const PERMANENT_KEY: &str = "_permanent";

/// Methods of `Session` (reached through `Deref`) and of the handle itself.
const SESSION_METHODS: &[&str] = &[
    "get", "get_value", "contains_key", "insert", "insert_value", "remove", "remove_value", "clear",
    "regenerate", "destroy", "set_permanent", "is_permanent", "is_empty", "data", "id",
    "is_modified", "into_session",
];

pub(crate) fn check(cx: &Ctxt, cont: &Data<'_>) {
    check_keys(cx, cont);
    check_method_names(cx, cont);
}

/// A generated method named like a `Session` method would hide it behind the handle's `Deref`
/// (a field `permanent` gives `set_permanent(T)`), so `handle.set_permanent(true)` would quietly
/// mean something else.
fn check_method_names(cx: &Ctxt, cont: &Data<'_>) {
    for field in &cont.fields {
        let name = syn::ext::IdentExt::unraw(field.ident).to_string();
        let generated = [name.clone(), format!("set_{name}"), format!("remove_{name}"), format!("take_{name}")];
        if let Some(clash) = generated.iter().find(|m| SESSION_METHODS.contains(&m.as_str())) {
            cx.error_spanned_by(field.ident, format!("field `{name}` would generate `{clash}`, which hides `Session::{clash}`; name the field otherwise and keep its key with `#[session(rename = \"{}\")]`", field.key));
        }
    }
}

/// Each field is its own key: two fields on one key would overwrite each other, `_permanent` is
/// the session's own flag, and an empty key is almost certainly a typo.
fn check_keys(cx: &Ctxt, cont: &Data<'_>) {
    for (i, field) in cont.fields.iter().enumerate() {
        if let Some(first) = cont.fields[..i].iter().find(|f| f.key == field.key) {
            cx.error_at(field.key_span, format!("duplicate session key \"{}\": field `{}` already uses it; give one of them another `#[session(rename = \"...\")]`", field.key, first.ident));
        }
        if field.key == PERMANENT_KEY {
            cx.error_at(field.key_span, "\"_permanent\" is the session's own permanent flag; use `Session::set_permanent` for it, or store this field under another key");
        } else if field.key.is_empty() {
            cx.error_at(field.key_span, "a session key cannot be empty; give `rename` a name, e.g. `#[session(rename = \"_user_id\")]`");
        }
    }
}
