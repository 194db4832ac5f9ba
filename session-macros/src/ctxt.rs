//! The one place errors are collected, so a user sees every mistake of an invocation at once.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// Collects errors while parsing and checking; [`Ctxt::check`] turns them into one `syn::Error`.
///
/// Dropping a `Ctxt` without calling `check` is a bug in this crate, and panics.
pub(crate) struct Ctxt {
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Ctxt { errors: RefCell::new(Some(Vec::new())) }
    }

    /// An error pointing at the tokens of `obj`.
    pub(crate) fn error_spanned_by<A: ToTokens, T: Display>(&self, obj: A, msg: T) {
        self.push(syn::Error::new_spanned(obj.into_token_stream(), msg));
    }

    /// An error pointing at `span`.
    pub(crate) fn error_at<T: Display>(&self, span: Span, msg: T) {
        self.push(syn::Error::new(span, msg));
    }

    pub(crate) fn syn_error(&self, err: syn::Error) {
        self.push(err);
    }

    fn push(&self, err: syn::Error) {
        self.errors.borrow_mut().as_mut().expect("Ctxt used after check").push(err);
    }

    /// All collected errors, combined; `Ok` when there were none.
    pub(crate) fn check(self) -> syn::Result<()> {
        let mut errors = self.errors.take().expect("Ctxt checked twice").into_iter();
        let Some(mut combined) = errors.next() else { return Ok(()) };
        for rest in errors {
            combined.combine(rest);
        }
        Err(combined)
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !std::thread::panicking() && self.errors.borrow().is_some() {
            panic!("forgot to check for errors");
        }
    }
}

/// Parts of a name that say nothing about which setting is meant (`redis_url`, `session_secret`).
const FILLER: &[&str] = &["url", "uri", "dsn", "session", "sessions", "host", "addr", "address"];

/// The closest of `candidates` to `word`, if close enough to be a likely typo; else the closest
/// candidate holding one of `word`'s meaningful parts, for a name from another framework
/// (`redis_url` → `session_redis`, `secret` → `secret_key`).
pub(crate) fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let limit = (word.len() / 3).max(2);
    let typo = candidates
        .iter()
        .map(|c| (levenshtein(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c);
    typo.or_else(|| {
        let parts: Vec<&str> = word.split('_').filter(|p| p.len() >= 3 && !FILLER.contains(p)).collect();
        candidates
            .iter()
            .filter(|c| c.split('_').any(|t| parts.contains(&t)))
            .min_by_key(|c| levenshtein(word, c))
            .copied()
    })
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// `"; did you mean `x`?"` or nothing.
pub(crate) fn suggestion<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(word, candidates).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_words_only() {
        let words = ["session_cookie_name", "session_cookie_path", "session_type"];
        assert_eq!(did_you_mean("session_cooke_name", words), Some("session_cookie_name"));
        assert_eq!(did_you_mean("sesion_type", words), Some("session_type"));
        assert_eq!(did_you_mean("color", words), None);
    }

    #[test]
    fn suggests_the_setting_another_framework_calls_otherwise() {
        let words = ["session_redis", "secret_key", "secret_key_fallbacks", "session_store_timeout"];
        assert_eq!(did_you_mean("redis_url", words), Some("session_redis"));
        assert_eq!(did_you_mean("secret", words), Some("secret_key"));
        assert_eq!(did_you_mean("timeout", words), Some("session_store_timeout"));
        assert_eq!(did_you_mean("session_url", words), None);
    }
}
