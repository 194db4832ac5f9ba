//! Literal values of `#[session_config(...)]`: each parser checks the kind of value a setting
//! takes and reports a wrong one on the value.

use std::time::Duration;

use proc_macro2::Span;
use session_settings::parse_duration;
use syn::{Expr, ExprLit, Ident, Lit, Path};

use super::attr::Sp;
use crate::ctxt::{did_you_mean, Ctxt};

fn lit(v: &Expr) -> Option<&Lit> {
    match v {
        Expr::Lit(ExprLit { lit, .. }) => Some(lit),
        Expr::Group(g) => lit(&g.expr),
        _ => None,
    }
}

fn found(v: &Expr) -> &'static str {
    match lit(v) {
        Some(Lit::Str(_)) => "a string",
        Some(Lit::Bool(_)) => "a bool",
        Some(Lit::Int(_)) => "an integer",
        Some(_) => "another literal",
        None if matches!(v, Expr::Path(_)) => "a path",
        None => "an expression",
    }
}

fn wrong_kind(cx: &Ctxt, key: &Ident, v: &Expr, expected: &str, example: &str) {
    let msg = format!("`{key}` takes {expected}, found {}; write e.g. `{key} = {example}`", found(v));
    cx.error_spanned_by(v, msg);
}

fn sp<T>(key: Ident, value: T, span: Span) -> Option<Sp<T>> {
    Some(Sp { key, value, span })
}

pub(super) fn string(cx: &Ctxt, key: Ident, v: &Expr) -> Option<Sp<String>> {
    match lit(v) {
        Some(Lit::Str(s)) => sp(key, s.value(), s.span()),
        _ => {
            wrong_kind(cx, &key, v, "a string", "\"...\"");
            None
        }
    }
}

pub(super) fn boolean(cx: &Ctxt, key: Ident, v: &Expr) -> Option<Sp<bool>> {
    match lit(v) {
        Some(Lit::Bool(b)) => sp(key, b.value, b.span),
        _ => {
            wrong_kind(cx, &key, v, "a bool", "true");
            None
        }
    }
}

pub(super) fn integer(cx: &Ctxt, key: Ident, v: &Expr) -> Option<Sp<u64>> {
    match lit(v) {
        Some(Lit::Int(i)) => match i.base10_parse::<u64>() {
            Ok(n) => sp(key, n, i.span()),
            Err(err) => {
                cx.error_spanned_by(i, format!("`{key}`: {err}"));
                None
            }
        },
        _ => {
            wrong_kind(cx, &key, v, "an integer", if key == "session_file_mode" { "0o600" } else { "32" });
            None
        }
    }
}

pub(super) fn path(cx: &Ctxt, key: Ident, v: &Expr) -> Option<Sp<Path>> {
    match v {
        Expr::Path(p) if p.qself.is_none() => {
            let span = syn::spanned::Spanned::span(&p.path);
            sp(key, p.path.clone(), span)
        }
        _ => {
            wrong_kind(cx, &key, v, "a type path", "MyType");
            None
        }
    }
}

/// A string that must be one of `names`.
pub(super) fn choice<T>(cx: &Ctxt, key: Ident, v: &Expr, names: &[&str], parse: impl Fn(&str) -> Option<T>) -> Option<Sp<T>> {
    let one_of = names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
    let Some(Lit::Str(s)) = lit(v) else {
        wrong_kind(cx, &key, v, &format!("one of {one_of}"), &format!("\"{}\"", names[0]));
        return None;
    };
    let text = s.value();
    match parse(&text) {
        Some(value) => sp(key, value, s.span()),
        None => {
            // The exact spelling in double quotes: `None` in backticks reads as Rust's `None`.
            let hint = match did_you_mean(&text, names.iter().copied()) {
                Some(name) => format!("; did you mean \"{name}\"?"),
                None => format!("; expected one of {one_of}"),
            };
            cx.error_spanned_by(s, format!("unknown `{key}` \"{text}\"{hint}"));
            None
        }
    }
}

/// A duration in session-settings' one grammar: whole seconds (`3600`, or `"3600"`) or a
/// string with units (`"31d"`, `"12h30m"`, `"500ms"`).
pub(super) fn duration(cx: &Ctxt, key: Ident, v: &Expr) -> Option<Sp<Duration>> {
    match lit(v) {
        Some(Lit::Int(_)) => {
            let secs = integer(cx, key, v)?;
            // Emitted as milliseconds in a `u64`.
            if secs.value.checked_mul(1_000).is_none() {
                cx.error_at(secs.span, format!("`{}` is too large", secs.key));
                return None;
            }
            sp(secs.key, Duration::from_secs(secs.value), secs.span)
        }
        Some(Lit::Str(s)) => match parse_duration(&s.value()) {
            Ok(d) => sp(key, d, s.span()),
            Err(msg) => {
                cx.error_spanned_by(s, format!("`{key}`: {msg}"));
                None
            }
        },
        _ => {
            wrong_kind(cx, &key, v, "seconds or a duration string", "\"31d\"");
            None
        }
    }
}
