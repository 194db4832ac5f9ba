//! Rules about the session keys of a `#[derive(SessionData)]` struct.

use super::ast::Data;
use crate::ctxt::Ctxt;

const PERMANENT_KEY: &str = "_permanent";

pub(crate) fn check(cx: &Ctxt, cont: &Data<'_>) {
    check_keys(cx, cont);
}

/// Each field is its own key: two fields on one key would overwrite each other, `_permanent` is
/// the session's own flag, and an empty key is almost certainly a typo.
fn check_keys(cx: &Ctxt, cont: &Data<'_>) {
    for (i, field) in cont.fields.iter().enumerate() {
        if let Some(first) = cont.fields[..i].iter().find(|f| f.key == field.key) {
            cx.error_at(field.key_span, format!("duplicate session key \"{}\": field `{}` already uses it; give one of them another `#[session(rename = \"...\")]`", field.key, first.ident));
        }
        if field.key == PERMANENT_KEY {
            cx.error_at(field.key_span, "\"_permanent\" is the session's own permanent flag; use `Session::set_permanent` and rename this field");
        } else if field.key.is_empty() {
            cx.error_at(field.key_span, "a session key cannot be empty; give `rename` a name, e.g. `#[session(rename = \"_user_id\")]`");
        }
    }
}
