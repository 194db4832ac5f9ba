//! Gives generated tokens the span of the user's token they check, so that rustc's error for
//! an unmet bound lands on that token and not on the whole attribute.

use proc_macro2::{Group, Span, TokenStream, TokenTree};

pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(g) = &token {
                let mut group = Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                token = TokenTree::Group(group);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}
