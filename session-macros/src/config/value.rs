//! Literal values of `#[session_config(...)]`: each parser checks the kind of value a setting
//! takes and reports a wrong one on the value.

use proc_macro2::Span;
use syn::{Expr, ExprLit, Ident, Lit, Path};

use super::attr::Sp;
use crate::ctxt::{suggestion, Ctxt};

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
            let hint = suggestion(&text, names.iter().copied());
            let hint = if hint.is_empty() { format!("; expected one of {one_of}") } else { hint };
            cx.error_spanned_by(s, format!("unknown `{key}` \"{text}\"{hint}"));
            None
        }
    }
}

/// Whole seconds (`3600` or `"3600"`) or units largest first (`"31d"`, `"12h30m"`, `"1d 2h"`).
pub(super) fn lifetime(cx: &Ctxt, key: Ident, v: &Expr) -> Option<Sp<u64>> {
    match lit(v) {
        Some(Lit::Int(_)) => integer(cx, key, v),
        Some(Lit::Str(s)) => match parse_lifetime(&s.value()) {
            Some(secs) => sp(key, secs, s.span()),
            None => {
                let msg = format!("`{key}` \"{}\" is not a lifetime; give seconds or units d, h, m, s largest first, e.g. \"31d\", \"12h30m\" or 3600", s.value());
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

/// A store timeout as `"<n>ms"` or `"<n>s"`, in milliseconds. A bare integer is refused: its
/// unit would be a guess.
pub(super) fn timeout(cx: &Ctxt, key: Ident, v: &Expr) -> Option<Sp<u64>> {
    let Some(Lit::Str(s)) = lit(v) else {
        wrong_kind(cx, &key, v, "a duration string with its unit", "\"2s\"");
        return None;
    };
    match parse_timeout(&s.value()) {
        Some(ms) => sp(key, ms, s.span()),
        None => {
            let msg = format!("`{key}` \"{}\" is not a timeout; give milliseconds or seconds with their unit, e.g. \"500ms\" or \"2s\"", s.value());
            cx.error_spanned_by(s, msg);
            None
        }
    }
}

/// `"500ms"` or `"2s"` (surrounding spaces allowed) in milliseconds.
pub(crate) fn parse_timeout(text: &str) -> Option<u64> {
    let t = text.trim();
    let (digits, scale) = match t.strip_suffix("ms") {
        Some(d) => (d, 1),
        None => (t.strip_suffix('s')?, 1_000),
    };
    let digits = digits.trim_end();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_mul(scale)
}

/// The grammar of the runtime's `parse_lifetime`, without its zero check (`check.rs` reports
/// zero with its own message).
pub(crate) fn parse_lifetime(text: &str) -> Option<u64> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().ok();
    }
    let (mut total, mut digits, mut last_unit) = (0u64, String::new(), 0usize);
    for c in t.chars().filter(|c| !c.is_whitespace()) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let pos = ['d', 'h', 'm', 's'].iter().position(|u| *u == c)?;
        if digits.is_empty() || pos < last_unit {
            return None;
        }
        let n: u64 = digits.parse().ok()?;
        total = n.checked_mul([86_400u64, 3_600, 60, 1][pos])?.checked_add(total)?;
        digits.clear();
        last_unit = pos + 1;
    }
    (digits.is_empty() && last_unit != 0).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::{parse_lifetime, parse_timeout};

    #[test]
    fn timeouts_carry_their_unit() {
        assert_eq!(parse_timeout("500ms"), Some(500));
        assert_eq!(parse_timeout("2s"), Some(2_000));
        assert_eq!(parse_timeout(" 3 s "), Some(3_000));
        assert_eq!(parse_timeout("0ms"), Some(0));
        for bad in ["", "2", "ms", "s", "1.5s", "2m", "-1s", "99999999999999999999s"] {
            assert_eq!(parse_timeout(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn lifetimes_match_the_runtime_grammar() {
        assert_eq!(parse_lifetime("31d"), Some(2_678_400));
        assert_eq!(parse_lifetime("12h30m"), Some(45_000));
        assert_eq!(parse_lifetime("1d 2h 3m 4s"), Some(93_784));
        assert_eq!(parse_lifetime("0s"), Some(0));
        for bad in ["", "5x", "h", "30m1h", "1h1h", "1d2"] {
            assert_eq!(parse_lifetime(bad), None, "{bad:?}");
        }
    }
}
