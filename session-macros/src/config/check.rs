//! Rules about values and between settings, each in one `check_*` function.

use super::ast::Config;
use super::attr::{Format, SameSite};
use super::table::{self, Backend};
use crate::ctxt::Ctxt;

pub(crate) fn check(cx: &Ctxt, cont: &Config<'_>) {
    check_attr_and_field(cx, cont);
    check_backend_feature(cx, cont);
    check_backend_settings(cx, cont);
    check_sqlalchemy_url(cx, cont);
    check_table_and_model(cx, cont);
    check_signer_has_secret(cx, cont);
    check_cookie_name(cx, cont);
    check_cookie_path(cx, cont);
    check_cookie_domain(cx, cont);
    check_samesite_none_is_secure(cx, cont);
    check_cookie_prefixes(cx, cont);
    check_lifetime(cx, cont);
    check_id_length(cx, cont);
    check_file_mode(cx, cont);
    check_cleanup(cx, cont);
    check_store_timeout(cx, cont);
    check_max_size(cx, cont);
    check_share_with(cx, cont);
}

/// `share_with = "flask-unchained"` sets the format to pickle, the only one Flask Unchained 0.9
/// (Flask-Session 0.3.2, `dill.loads`) reads. Any other format would not just fail there: the
/// Python side reads an empty session and saves it over the stored one, losing every key.
fn check_share_with(cx: &Ctxt, cont: &Config<'_>) {
    if cont.attrs.share_with.is_none() {
        return;
    }
    const WHY: &str = "Flask Unchained 0.9 reads only pickle, and a session it cannot read it saves back empty, losing every key";
    if let Some(f) = &cont.attrs.session_serialization_format {
        if f.value != Format::Pickle {
            cx.error_at(f.span, format!("share_with = \"flask-unchained\" writes pickle: {WHY}; remove `session_serialization_format` (or set it to \"pickle\")"));
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
    let Some(t) = &cont.attrs.session_type else { return };
    let (on, needs, example) = match t.value {
        Backend::Redis => (cfg!(feature = "redis"), "the `redis` feature", "\"redis\""),
        Backend::Memcached => (cfg!(feature = "memcached"), "the `memcached` feature", "\"memcached\""),
        Backend::Mongodb => (cfg!(feature = "mongodb"), "the `mongodb` feature", "\"mongodb\""),
        Backend::Sqlalchemy => {
            (cfg!(feature = "sql"), "one of the `postgres`, `sqlite` or `mysql` features", "\"postgres\"")
        }
        Backend::Null | Backend::Filesystem => return,
    };
    if !on {
        cx.error_at(
            t.span,
            format!(
                "session_type = \"{}\" needs {needs} of session-runtime; enable it in Cargo.toml: \
                 session-runtime = {{ version = \"0.1\", features = [{example}] }}",
                t.value.name()
            ),
        );
    }
}

/// The backend in force, when it is known at compile time (`None` when `session_type` is a field).
fn backend(cont: &Config<'_>) -> Option<Backend> {
    match (&cont.attrs.session_type, cont.field("session_type")) {
        (Some(t), _) => Some(t.value),
        (None, Some(_)) => None,
        (None, None) => Some(Backend::Null),
    }
}

/// A setting of another backend is a mistake: it would be silently ignored.
fn check_backend_settings(cx: &Ctxt, cont: &Config<'_>) {
    let Some(backend) = backend(cont) else { return };
    let in_force = match cont.attrs.session_type {
        Some(_) => format!("session_type is \"{}\"", backend.name()),
        None => "session_type is \"null\" (the default)".to_owned(),
    };
    let attr_keys = cont.attrs.setting_keys().into_iter();
    let field_keys = cont.fields.iter().map(|f| f.ident);
    for key in attr_keys.chain(field_keys) {
        let Some(setting) = table::setting(&key.to_string()) else { continue };
        if !setting.applies.to(backend) {
            let applies = setting.applies.describe();
            cx.error_spanned_by(key, format!("`{key}` applies to {applies}, but {in_force}; remove `{key}` or change session_type"));
        }
    }
}

/// The SQL store has no default database.
fn check_sqlalchemy_url(cx: &Ctxt, cont: &Config<'_>) {
    let Some(t) = &cont.attrs.session_type else { return };
    if t.value == Backend::Sqlalchemy && cont.attrs.session_sqlalchemy.is_none() && cont.field("session_sqlalchemy").is_none() {
        cx.error_at(t.span, "session_type = \"sqlalchemy\" needs a database: add a field `session_sqlalchemy: String` holding its URL");
    }
}

/// `session_sqlalchemy_table` names the default model's table; a custom model names its own.
fn check_table_and_model(cx: &Ctxt, cont: &Config<'_>) {
    let has_table = cont.attrs.session_sqlalchemy_table.as_ref().map(|t| &t.key).or(cont.field("session_sqlalchemy_table").map(|f| f.ident));
    if let (Some(table), Some(_)) = (has_table, &cont.attrs.session_sqlalchemy_model) {
        cx.error_spanned_by(table, "`session_sqlalchemy_table` only applies to the default model; with `session_sqlalchemy_model`, the model's `#[session_model(table = ...)]` names the table");
    }
}

/// A signed cookie needs a key, which is never a literal.
fn check_signer_has_secret(cx: &Ctxt, cont: &Config<'_>) {
    if let Some(signer) = &cont.attrs.session_use_signer {
        // A `secret_key` literal or a misspelt field was already reported, with a better hint.
        let reported = cont.attrs.secret_key_literal || cont.unknown_fields;
        if signer.value && cont.field("secret_key").is_none() && !reported {
            cx.error_at(signer.span, "`session_use_signer = true` needs a secret key: add a field `secret_key: String` to the struct and fill it at run time, e.g. from an environment variable");
        }
    }
}

/// A cookie name is an RFC 6265 token.
fn check_cookie_name(cx: &Ctxt, cont: &Config<'_>) {
    let Some(name) = &cont.attrs.session_cookie_name else { return };
    let ok = !name.value.is_empty() && name.value.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !ok {
        cx.error_at(name.span, format!("invalid `session_cookie_name` \"{}\"; a cookie name is a non-empty token of letters, digits and !#$%&'*+-.^_`|~, e.g. \"session\"", name.value.escape_debug()));
    }
}

/// A cookie path is absolute.
fn check_cookie_path(cx: &Ctxt, cont: &Config<'_>) {
    let Some(path) = &cont.attrs.session_cookie_path else { return };
    if !path.value.starts_with('/') {
        cx.error_at(path.span, format!("`session_cookie_path` must start with \"/\", e.g. \"/{}\"", path.value));
    } else if path.value.bytes().any(|b| b == b';' || b.is_ascii_control()) {
        cx.error_at(path.span, "`session_cookie_path` cannot hold `;` or control characters");
    }
}

fn check_cookie_domain(cx: &Ctxt, cont: &Config<'_>) {
    let Some(domain) = &cont.attrs.session_cookie_domain else { return };
    if domain.value.is_empty() || domain.value.bytes().any(|b| b == b';' || b == b'/' || b.is_ascii_whitespace() || b.is_ascii_control()) {
        cx.error_at(domain.span, "invalid `session_cookie_domain`; give a host name such as \"example.com\", or leave it out for a host-only cookie");
    }
}

/// Whether the cookie is known to be `Secure`; `None` when a field decides at run time.
fn secure(cont: &Config<'_>) -> Option<bool> {
    match (&cont.attrs.session_cookie_secure, cont.field("session_cookie_secure")) {
        (Some(s), _) => Some(s.value),
        (None, Some(_)) => None,
        (None, None) => Some(false),
    }
}

/// Browsers drop `SameSite=None` cookies that are not `Secure`.
fn check_samesite_none_is_secure(cx: &Ctxt, cont: &Config<'_>) {
    let Some(samesite) = &cont.attrs.session_cookie_samesite else { return };
    if samesite.value == SameSite::None && secure(cont) == Some(false) {
        cx.error_at(samesite.span, "browsers drop `SameSite=None` cookies that are not `Secure`; add `session_cookie_secure = true`, or use \"Lax\"");
    }
}

/// The `__Host-` and `__Secure-` prefixes are promises browsers enforce: a cookie that breaks
/// them is never stored.
fn check_cookie_prefixes(cx: &Ctxt, cont: &Config<'_>) {
    let Some(name) = &cont.attrs.session_cookie_name else { return };
    let insecure = secure(cont) == Some(false);
    // Browsers match the prefixes without regard to case, so `__host-` is held to the same rules.
    if starts_with_ignore_case(&name.value, "__Host-") {
        if insecure {
            cx.error_at(name.span, "a `__Host-` cookie must be `Secure`; add `session_cookie_secure = true`");
        }
        if let Some(domain) = &cont.attrs.session_cookie_domain {
            cx.error_at(domain.span, "a `__Host-` cookie cannot have a domain; remove `session_cookie_domain`");
        } else if let Some(field) = cont.field("session_cookie_domain") {
            cx.error_spanned_by(field.ident, "a `__Host-` cookie cannot have a domain; remove the `session_cookie_domain` field");
        }
        if let Some(path) = cont.attrs.session_cookie_path.as_ref().filter(|p| p.value != "/") {
            cx.error_at(path.span, "a `__Host-` cookie must have path \"/\"; remove `session_cookie_path` or set it to \"/\"");
        }
    } else if starts_with_ignore_case(&name.value, "__Secure-") && insecure {
        cx.error_at(name.span, "a `__Secure-` cookie must be `Secure`; add `session_cookie_secure = true`");
    }
}

fn starts_with_ignore_case(name: &str, prefix: &str) -> bool {
    name.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// The smallest `session_max_size`, as `Settings::validate` has it: below it every session is refused.
const MIN_MAX_SIZE: u64 = 1024;

fn check_max_size(cx: &Ctxt, cont: &Config<'_>) {
    if let Some(n) = cont.attrs.session_max_size.as_ref().filter(|n| n.value < MIN_MAX_SIZE) {
        cx.error_at(n.span, format!("a `session_max_size` of {} bytes would refuse almost every session; give at least 1024 bytes, e.g. 1048576 (1 MiB, the default)", n.value));
    }
}

/// A zero lifetime would expire every session at once.
fn check_lifetime(cx: &Ctxt, cont: &Config<'_>) {
    if let Some(lifetime) = cont.attrs.permanent_session_lifetime.as_ref().filter(|l| l.value < 1_000) {
        cx.error_at(lifetime.span, "a `permanent_session_lifetime` under one second would expire every session at once; give at least 1 second, e.g. \"31d\"");
    }
}

/// Fewer than 16 bytes of entropy is guessable; more than 64 only makes cookies longer.
fn check_id_length(cx: &Ctxt, cont: &Config<'_>) {
    let Some(len) = &cont.attrs.session_id_length else { return };
    if !(16..=64).contains(&len.value) {
        cx.error_at(len.span, format!("`session_id_length` {} is out of range; give between 16 and 64 bytes of entropy (32 is Flask's default)", len.value));
    }
}

/// The owner must read and write session files, and a mode has nine permission bits.
fn check_file_mode(cx: &Ctxt, cont: &Config<'_>) {
    let Some(mode) = &cont.attrs.session_file_mode else { return };
    if mode.value > 0o777 || mode.value & 0o600 != 0o600 {
        let digits = mode.value.to_string();
        let hint = if mode.value > 0o777 && digits.len() == 3 && digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            format!("; write it in octal: `0o{digits}`")
        } else {
            "; the owner must read and write the files and the mode is at most 0o777, e.g. `0o600`".to_owned()
        };
        cx.error_at(mode.span, format!("bad `session_file_mode` {:#o} ({} in decimal){hint}", mode.value, mode.value));
    }
}

fn check_cleanup(cx: &Ctxt, cont: &Config<'_>) {
    if let Some(n) = cont.attrs.session_cleanup_n_requests.as_ref().filter(|n| n.value == 0) {
        cx.error_at(n.span, "`session_cleanup_n_requests` must be positive; give a number of requests, or leave it out to never sweep");
    }
}

/// A zero timeout would fail every store operation.
fn check_store_timeout(cx: &Ctxt, cont: &Config<'_>) {
    if let Some(t) = cont.attrs.session_store_timeout.as_ref().filter(|t| t.value == 0) {
        cx.error_at(t.span, "a zero `session_store_timeout` would fail every store operation; give e.g. \"2s\" (the default) or \"500ms\"");
    }
}
