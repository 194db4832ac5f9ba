//! Literal values of `#[session_config(...)]`: each parser checks the kind of value a setting
//! takes and reports a wrong one on the value.

use proc_macro2::Span;
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

/// A duration, in milliseconds; one grammar for every duration setting: whole seconds (`3600`
/// or `"3600"`) or units `d`, `h`, `m`, `s`, `ms`, largest first (`"31d"`, `"12h30m"`,
/// `"1d 2h"`, `"500ms"`, `"1s500ms"`).
pub(super) fn duration(cx: &Ctxt, key: Ident, v: &Expr) -> Option<Sp<u64>> {
    match lit(v) {
        Some(Lit::Int(_)) => {
            let secs = integer(cx, key, v)?;
            match secs.value.checked_mul(1_000) {
                Some(ms) => Some(Sp { value: ms, ..secs }),
                None => {
                    cx.error_at(secs.span, format!("`{}` is too large", secs.key));
                    None
                }
            }
        }
        Some(Lit::Str(s)) => match parse_duration(&s.value()) {
            Some(ms) => sp(key, ms, s.span()),
            None => {
                let msg = format!(
                    "`{key}` \"{}\" is not a duration; give whole seconds or units d, h, m, s, ms largest first, e.g. 3600, \"31d\", \"12h30m\" or \"500ms\"",
                    s.value()
                );
                cx.error_spanned_by(s, msg);
                None
            }
        },
        _ => {
            wrong_kind(cx, &key, v, "seconds or a duration string", "\"31d\"");
            None
        }
    }
}

/// [`duration`]'s grammar, in milliseconds (zero included: `check.rs` reports it with its own
/// message).
pub(crate) fn parse_duration(text: &str) -> Option<u64> {
    const UNITS: [(&str, u64); 5] = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)];
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<u64>().ok()?.checked_mul(1_000);
    }
    let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    let (mut total, mut rest, mut next_unit) = (0u64, compact.as_str(), 0usize);
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let (number, after) = rest.split_at(digits);
        let letters = after.len() - after.trim_start_matches(|c: char| c.is_ascii_alphabetic()).len();
        let (unit, after) = after.split_at(letters);
        let pos = UNITS.iter().position(|(name, _)| *name == unit)?;
        if number.is_empty() || pos < next_unit {
            return None;
        }
        total = number.parse::<u64>().ok()?.checked_mul(UNITS[pos].1)?.checked_add(total)?;
        (rest, next_unit) = (after, pos + 1);
    }
    (next_unit != 0).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn one_grammar_for_every_duration() {
        assert_eq!(parse_duration("31d"), Some(2_678_400_000));
        assert_eq!(parse_duration("12h30m"), Some(45_000_000));
        assert_eq!(parse_duration("1d 2h 3m 4s"), Some(93_784_000));
        assert_eq!(parse_duration("3600"), Some(3_600_000));
        assert_eq!(parse_duration("500ms"), Some(500));
        assert_eq!(parse_duration(" 1s 500ms "), Some(1_500));
        assert_eq!(parse_duration("2m"), Some(120_000));
        assert_eq!(parse_duration("0s"), Some(0));
        for bad in ["", "5x", "h", "ms", "30m1h", "1h1h", "1d2", "1.5s", "-1s", "2 secs", "99999999999999999999s"] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }
}
