//! Every rule about settings' values, each written once. `#[session_config]` runs them on its
//! literals at compile time (what a field gives is unknown there and skipped), `Settings::validate`
//! on the values at run time; a refusal reads right in both places.

use std::ops::RangeInclusive;
use std::time::Duration;

use crate::enums::SameSite;
use crate::table::SETTINGS;
use crate::value::{Lookup, Value};

/// Bytes of entropy a session id may have: fewer is guessable, more only makes cookies longer.
pub const ID_LENGTH_RANGE: RangeInclusive<usize> = 16..=64;

/// The smallest `session_max_size`: below it almost every session is refused.
pub const MIN_MAX_SIZE: u64 = 1024;

/// A value a rule refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The setting at fault (what `SettingsError::setting` names).
    pub setting: &'static str,
    /// Other settings the rule read, in the order a compile-time error prefers to point at them
    /// when `setting` itself came from a default or a field.
    pub involves: &'static [&'static str],
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Every refusal of the rules on the values `settings` knows, per-setting checks first, in
/// [`SETTINGS`] order, then the rules between settings.
pub fn validate(settings: &dyn Lookup) -> Vec<Refusal> {
    let mut refusals = Vec::new();
    for setting in SETTINGS {
        if let Some(value) = settings.value(setting.name) {
            if let Err(message) = (setting.check)(&value) {
                refusals.push(Refusal { setting: setting.name, involves: &[], message });
            }
        }
    }
    for rule in BETWEEN_SETTINGS {
        rule(settings, &mut refusals);
    }
    refusals
}

type Check = Result<(), String>;

// Per-setting checks: `SETTINGS` names each setting's own. A value of another kind is not
// theirs to judge (the table pairs each check with its kind; a test runs them all).

pub(crate) fn any(_: &Value<'_>) -> Check {
    Ok(())
}

/// An RFC 6265 token.
pub(crate) fn cookie_name(v: &Value<'_>) -> Check {
    let Value::Text(name) = v else { return Ok(()) };
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return Err(format!("invalid cookie name \"{}\"; a cookie name is a non-empty token of letters, digits and !#$%&'*+-.^_`|~, e.g. \"session\"", name.escape_debug()));
    }
    Ok(())
}

pub(crate) fn cookie_domain(v: &Value<'_>) -> Check {
    let Value::OptText(Some(domain)) = v else { return Ok(()) };
    if domain.is_empty() || domain.bytes().any(|b| b == b';' || b == b'/' || b.is_ascii_whitespace() || b.is_ascii_control()) {
        return Err(format!("invalid cookie domain \"{}\"; give a host name such as \"example.com\", or none for a host-only cookie", domain.escape_debug()));
    }
    Ok(())
}

pub(crate) fn cookie_path(v: &Value<'_>) -> Check {
    let Value::OptText(Some(path)) = v else { return Ok(()) };
    if !path.starts_with('/') {
        return Err(format!("a cookie path starts with \"/\", e.g. \"/{}\"", path.escape_debug()));
    }
    if path.bytes().any(|b| b == b';' || b.is_ascii_control()) {
        return Err("a cookie path cannot hold `;` or control characters".into());
    }
    Ok(())
}

/// A lifetime under one second would expire every session at once.
pub(crate) fn lifetime(v: &Value<'_>) -> Check {
    match v {
        Value::Duration(d) if *d < Duration::from_secs(1) => {
            Err("a lifetime under one second would expire every session at once; give at least 1 second, e.g. \"31d\"".into())
        }
        _ => Ok(()),
    }
}

/// As [`lifetime`], for a timeout that may be off.
pub(crate) fn opt_lifetime(v: &Value<'_>) -> Check {
    match v {
        Value::OptDuration(Some(d)) if *d < Duration::from_secs(1) => {
            Err("a timeout under one second would end every session at once; give at least 1 second, e.g. \"12h\", or none to turn it off".into())
        }
        _ => Ok(()),
    }
}

pub(crate) fn id_length(v: &Value<'_>) -> Check {
    let Value::Usize(n) = v else { return Ok(()) };
    let (lo, hi) = (*ID_LENGTH_RANGE.start() as u64, *ID_LENGTH_RANGE.end() as u64);
    if !(lo..=hi).contains(n) {
        return Err(format!("{n} bytes is out of range; give between {lo} and {hi} bytes of entropy (32 is Flask's default)"));
    }
    Ok(())
}

/// The owner must read and write session files, and a mode has nine permission bits.
pub(crate) fn file_mode(v: &Value<'_>) -> Check {
    let Value::FileMode(mode) = v else { return Ok(()) };
    if *mode <= 0o777 && mode & 0o600 == 0o600 {
        return Ok(());
    }
    let digits = mode.to_string();
    let hint = if *mode > 0o777 && digits.len() == 3 && digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        format!("write it in octal: `0o{digits}`")
    } else {
        "the owner must read and write the files and the mode is at most 0o777, e.g. `0o600`".into()
    };
    Err(format!("bad file mode {mode:#o} ({mode} in decimal); {hint}"))
}

pub(crate) fn positive_count(v: &Value<'_>) -> Check {
    match v {
        Value::OptU64(Some(0)) => Err("give a positive number of requests, or none to never sweep".into()),
        _ => Ok(()),
    }
}

pub(crate) fn store_timeout(v: &Value<'_>) -> Check {
    match v {
        Value::Duration(d) if d.is_zero() => Err("a zero timeout would fail every store operation; give e.g. \"2s\" (the default) or \"500ms\"".into()),
        _ => Ok(()),
    }
}

pub(crate) fn max_size(v: &Value<'_>) -> Check {
    match v {
        Value::Usize(n) if *n < MIN_MAX_SIZE => Err(format!("{n} bytes would refuse almost every session; give at least {MIN_MAX_SIZE} bytes, e.g. 1048576 (1 MiB, the default)")),
        _ => Ok(()),
    }
}

pub(crate) fn fallback_keys(v: &Value<'_>) -> Check {
    match v {
        Value::SecretKeys(keys) if keys.contains(&0) => Err("an empty key signs cookies anyone can forge; remove it from the fallbacks".into()),
        _ => Ok(()),
    }
}

// Rules between settings: each reads what it needs and says nothing when a value is unknown.

type Between = fn(&dyn Lookup, &mut Vec<Refusal>);

const BETWEEN_SETTINGS: &[Between] =
    &[samesite_none_is_secure, cookie_prefixes, signer_has_key, absolute_covers_idle, renewal_within_absolute, refresh_within_idle];

/// Browsers drop `SameSite=None` cookies that are not `Secure`.
fn samesite_none_is_secure(s: &dyn Lookup, out: &mut Vec<Refusal>) {
    if let (Some(Some(SameSite::None)), Some(false)) = (s.samesite("session_cookie_samesite"), s.bool("session_cookie_secure")) {
        out.push(Refusal {
            setting: "session_cookie_samesite",
            involves: &["session_cookie_secure"],
            message: "browsers drop `SameSite=None` cookies that are not `Secure`; set `session_cookie_secure` to true, or use \"Lax\"".into(),
        });
    }
}

/// The `__Host-` and `__Secure-` prefixes are promises browsers enforce, without regard to case:
/// a cookie that breaks them is never stored.
fn cookie_prefixes(s: &dyn Lookup, out: &mut Vec<Refusal>) {
    let Some(name) = s.text("session_cookie_name") else { return };
    let starts = |prefix: &str| name.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix));
    let insecure = s.bool("session_cookie_secure") == Some(false);
    let mut refuse = |setting, message: &str| out.push(Refusal { setting, involves: &["session_cookie_name"], message: message.into() });
    if starts("__Host-") {
        if insecure {
            refuse("session_cookie_name", "a `__Host-` cookie must be `Secure`; set `session_cookie_secure` to true");
        }
        if let Some(Some(_)) = s.opt_text("session_cookie_domain") {
            refuse("session_cookie_domain", "a `__Host-` cookie cannot have a domain; remove `session_cookie_domain`");
        }
        if s.opt_text("session_cookie_path").is_some_and(|p| p.is_some_and(|p| p != "/")) {
            refuse("session_cookie_path", "a `__Host-` cookie must have path \"/\"; remove `session_cookie_path` or set it to \"/\"");
        }
    } else if starts("__Secure-") && insecure {
        refuse("session_cookie_name", "a `__Secure-` cookie must be `Secure`; set `session_cookie_secure` to true");
    }
}

/// A signed cookie needs a key, and an empty key signs nothing.
fn signer_has_key(s: &dyn Lookup, out: &mut Vec<Refusal>) {
    if s.bool("session_use_signer") == Some(true) && s.secret_key("secret_key").is_some_and(|len| len.unwrap_or(0) == 0) {
        out.push(Refusal {
            setting: "secret_key",
            involves: &["session_use_signer"],
            message: "`session_use_signer = true` needs a non-empty secret key: set `secret_key` at run time (in `#[session_config]`, a field `secret_key: String` filled e.g. from an environment variable)".into(),
        });
    }
}

/// How a timeout must compare with the one it is judged against.
#[derive(Clone, Copy)]
enum Order {
    AtLeast,
    Under,
}

/// The timeouts nest: renewal < absolute, refresh < idle <= absolute. Each rule blames the
/// timeout that is ours (the idle lifetime is Flask's and has a default).
fn timeout_order(
    s: &dyn Lookup,
    out: &mut Vec<Refusal>,
    setting: &'static str,
    bound: &'static str,
    order: Order,
    message: fn(&str, &str) -> String,
) {
    let Some(Some(value)) = s.opt_duration(setting) else { return };
    let limit = match s.value(bound) {
        Some(Value::Duration(d)) | Some(Value::OptDuration(Some(d))) => d,
        _ => return,
    };
    let fine = match order {
        Order::AtLeast => value >= limit,
        Order::Under => value < limit,
    };
    if fine {
        return;
    }
    let (v, l) = (crate::duration::format_duration(value), crate::duration::format_duration(limit));
    out.push(Refusal { setting, involves: &[], message: message(&v, &l) });
}

/// An absolute timeout shorter than the idle one would cut every active session early and make
/// the idle timeout meaningless.
fn absolute_covers_idle(s: &dyn Lookup, out: &mut Vec<Refusal>) {
    timeout_order(s, out, "session_absolute_lifetime", "permanent_session_lifetime", Order::AtLeast, |v, l| {
        format!("an absolute lifetime of {v} is under the idle lifetime `permanent_session_lifetime` ({l}); give at least {l}, or shorten `permanent_session_lifetime`")
    });
}

/// A session never lives to a renewal at or past its absolute timeout.
fn renewal_within_absolute(s: &dyn Lookup, out: &mut Vec<Refusal>) {
    timeout_order(s, out, "session_renew_interval", "session_absolute_lifetime", Order::Under, |v, l| {
        format!("a renewal interval of {v} is not under `session_absolute_lifetime` ({l}), so no session would ever be renewed; give less than {l}")
    });
}

/// A refresh interval at or past the idle lifetime would let an active session expire.
fn refresh_within_idle(s: &dyn Lookup, out: &mut Vec<Refusal>) {
    timeout_order(s, out, "session_refresh_interval", "permanent_session_lifetime", Order::Under, |v, l| {
        format!("a refresh interval of {v} is not under `permanent_session_lifetime` ({l}), so an active session could expire between refreshes; give less than {l}, e.g. a tenth of it")
    });
}
