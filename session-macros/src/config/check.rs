//! Checks of one `#[session_config]`: every rule on values from session-settings (the ones
//! `Settings::validate` runs at run time), and what only the macro can see (a setting given
//! twice, a backend's feature, settings of another backend, the model).

use session_settings::{Applies, SerializationFormat, SessionType};

use super::ast::Config;
use super::attr::MODEL;
use crate::ctxt::Ctxt;

pub(crate) fn check(cx: &Ctxt, cont: &Config<'_>) {
    check_attr_and_field(cx, cont);
    check_backend_feature(cx, cont);
    check_backend_settings(cx, cont);
    check_sqlalchemy_url(cx, cont);
    check_table_and_model(cx, cont);
    check_rules(cx, cont);
    check_share_with(cx, cont);
}

/// session-settings' rules on what is known here, each refusal on the literal at fault (or on
/// the literal it was judged against, when the one at fault is a default).
fn check_rules(cx: &Ctxt, cont: &Config<'_>) {
    for refusal in session_settings::validate(cont) {
        // A `secret_key` literal or a misspelt field was already reported, with a better hint.
        if refusal.setting == "secret_key" && (cont.attrs.secret_key_literal || cont.unknown_fields) {
            continue;
        }
        let given = std::iter::once(refusal.setting).chain(refusal.involves.iter().copied()).find_map(|name| cont.attrs.get(name));
        let span = given.map_or_else(proc_macro2::Span::call_site, |g| g.span());
        cx.error_at(span, format!("`{}`: {}", refusal.setting, refusal.message));
    }
}

/// `share_with = "flask-unchained"` sets the format to pickle, the only one Flask Unchained 0.9
/// (Flask-Session 0.3.2, `dill.loads`) reads. Any other format would not just fail there: the
/// Python side reads an empty session and saves it over the stored one, losing every key.
fn check_share_with(cx: &Ctxt, cont: &Config<'_>) {
    if cont.attrs.share_with.is_none() {
        return;
    }
    const WHY: &str = "Flask Unchained 0.9 reads only pickle, and a session it cannot read it saves back empty, losing every key";
    if let Some(f) = cont.attrs.get("session_serialization_format") {
        if f.value() != session_settings::Value::Format(SerializationFormat::Pickle) {
            cx.error_at(f.span(), format!("share_with = \"flask-unchained\" writes pickle: {WHY}; remove `session_serialization_format` (or set it to \"pickle\")"));
        }
    }
    if let Some(field) = cont.field("session_serialization_format") {
        cx.error_spanned_by(field.ident, format!("share_with = \"flask-unchained\" fixes the format to pickle at compile time: {WHY}; remove the field `session_serialization_format`"));
    }
}

/// A setting has one source: a literal in the attribute or a field, never both, or a reader
/// could not tell which one wins.
fn check_attr_and_field(cx: &Ctxt, cont: &Config<'_>) {
    for key in cont.attrs.setting_keys() {
        if let Some(field) = cont.field(&key.to_string()) {
            cx.error_spanned_by(field.ident, format!("`{key}` is given both in `#[session_config(...)]` and as a field; keep the attribute for a fixed value or the field for a run-time value"));
        }
    }
}

/// The backend's cargo feature is on. session-runtime turns on the feature of the same name of
/// this crate with each of its own, so `cfg!` here sees the runtime's features.
fn check_backend_feature(cx: &Ctxt, cont: &Config<'_>) {
    let Some((t, span)) = session_type(cont) else { return };
    let (on, needs, example) = match t {
        SessionType::Redis => (cfg!(feature = "redis"), "the `redis` feature", "\"redis\""),
        SessionType::Memcached => (cfg!(feature = "memcached"), "the `memcached` feature", "\"memcached\""),
        SessionType::Mongodb => (cfg!(feature = "mongodb"), "the `mongodb` feature", "\"mongodb\""),
        SessionType::Sqlalchemy => {
            (cfg!(feature = "sql"), "one of the `postgres`, `sqlite` or `mysql` features", "\"postgres\"")
        }
        SessionType::Null | SessionType::Filesystem => return,
    };
    if !on {
        cx.error_at(
            span,
            format!(
                "session_type = \"{}\" needs {needs} of session-runtime; enable it in Cargo.toml: \
                 session-runtime = {{ version = \"0.1\", features = [{example}] }}",
                t.name()
            ),
        );
    }
}

/// `session_type` when given as a literal, with its span.
fn session_type(cont: &Config<'_>) -> Option<(SessionType, proc_macro2::Span)> {
    let given = cont.attrs.get("session_type")?;
    match given.value() {
        session_settings::Value::SessionType(t) => Some((t, given.span())),
        _ => None,
    }
}

/// The backend in force, when it is known at compile time (`None` when `session_type` is a field).
fn backend(cont: &Config<'_>) -> Option<SessionType> {
    match (session_type(cont), cont.field("session_type")) {
        (Some((t, _)), _) => Some(t),
        (None, Some(_)) => None,
        (None, None) => Some(SessionType::default()),
    }
}

/// A setting of another backend is a mistake: it would be silently ignored.
fn check_backend_settings(cx: &Ctxt, cont: &Config<'_>) {
    let Some(backend) = backend(cont) else { return };
    let in_force = match session_type(cont) {
        Some(_) => format!("session_type is \"{}\"", backend.name()),
        None => "session_type is \"null\" (the default)".to_owned(),
    };
    let attr_keys = cont.attrs.setting_keys();
    let field_keys = cont.fields.iter().map(|f| f.ident);
    for key in attr_keys.chain(field_keys) {
        let Some(applies) = applies(&key.to_string()) else { continue };
        if !applies.to(backend) {
            let applies = applies.describe();
            cx.error_spanned_by(key, format!("`{key}` applies to {applies}, but {in_force}; remove `{key}` or change session_type"));
        }
    }
}

/// The SQL store has no default database.
fn check_sqlalchemy_url(cx: &Ctxt, cont: &Config<'_>) {
    let Some((t, span)) = session_type(cont) else { return };
    if t == SessionType::Sqlalchemy && cont.attrs.get("session_sqlalchemy").is_none() && cont.field("session_sqlalchemy").is_none() {
        cx.error_at(span, "session_type = \"sqlalchemy\" needs a database: add a field `session_sqlalchemy: String` holding its URL");
    }
}

/// `session_sqlalchemy_table` names the default model's table; a custom model names its own.
fn check_table_and_model(cx: &Ctxt, cont: &Config<'_>) {
    let has_table = cont.attrs.get("session_sqlalchemy_table").map(|t| t.key()).or(cont.field("session_sqlalchemy_table").map(|f| f.ident));
    if let (Some(table), Some(_)) = (has_table, &cont.attrs.session_sqlalchemy_model) {
        cx.error_spanned_by(table, "`session_sqlalchemy_table` only applies to the default model; with `session_sqlalchemy_model`, the model's `#[session_model(table = ...)]` names the table");
    }
}

/// Which backends the key `name` applies to.
fn applies(name: &str) -> Option<Applies> {
    if name == MODEL {
        return session_settings::ATTRIBUTE_ONLY.iter().find(|k| k.name == MODEL).map(|k| k.applies);
    }
    session_settings::setting(name).map(|s| s.applies)
}
