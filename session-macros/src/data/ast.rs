//! The model of one `#[derive(SessionData)]` struct: its fields and their session keys.

use proc_macro2::Span;
use syn::{Data as SynData, DeriveInput, Fields, Ident, Type, Visibility};

use super::attr::{self, FieldAttrs};
use crate::ctxt::Ctxt;

pub(crate) struct Data<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    pub(crate) fields: Vec<Field<'a>>,
    /// `#[session(crate = path)]`, else `::session_runtime`.
    pub(crate) krate: Option<syn::Path>,
}

pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    /// The session key: the `rename` or the field's name.
    pub(crate) key: String,
    pub(crate) key_span: Span,
    /// The `default` of `#[session(default)]`.
    pub(crate) default: Option<Ident>,
}

impl<'a> Data<'a> {
    pub(crate) fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Option<Data<'a>> {
        let krate = attr::container_crate(cx, &input.attrs);
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(&input.generics, "`#[derive(SessionData)]` does not support generic structs; give the fields owned, concrete types");
            return None;
        }
        let named = match &input.data {
            SynData::Struct(s) => match &s.fields {
                Fields::Named(named) => Some(named.named.iter()),
                Fields::Unit => None,
                Fields::Unnamed(fields) => {
                    cx.error_spanned_by(fields, "`#[derive(SessionData)]` needs named fields: each field name is a session key");
                    return None;
                }
            },
            SynData::Enum(e) => {
                cx.error_spanned_by(e.enum_token, "`#[derive(SessionData)]` goes on a struct whose named fields are session keys, not on an enum");
                return None;
            }
            SynData::Union(u) => {
                cx.error_spanned_by(u.union_token, "`#[derive(SessionData)]` goes on a struct whose named fields are session keys, not on a union");
                return None;
            }
        };
        let fields = named.into_iter().flatten().filter_map(|f| Field::from_ast(cx, f)).collect();
        Some(Data { ident: &input.ident, vis: &input.vis, fields, krate })
    }
}

impl<'a> Field<'a> {
    fn from_ast(cx: &Ctxt, field: &'a syn::Field) -> Option<Field<'a>> {
        let ident = field.ident.as_ref()?;
        let attrs = FieldAttrs::from_attrs(cx, &field.attrs);
        if let Type::Reference(reference) = &field.ty {
            let owned = match &*reference.elem {
                Type::Path(p) if p.path.is_ident("str") => "`String`".to_owned(),
                Type::Slice(s) => format!("`Vec<{}>`", quote::ToTokens::to_token_stream(&s.elem)),
                _ => "an owned type".to_owned(),
            };
            cx.error_spanned_by(&field.ty, format!("a session field owns its value, read back from the store; use {owned} instead of a reference"));
        }
        let (key, key_span) = match &attrs.rename {
            Some(lit) => (lit.value(), lit.span()),
            None => (ident.to_string().trim_start_matches("r#").to_owned(), ident.span()),
        };
        Some(Field { ident, ty: &field.ty, key, key_span, default: attrs.default })
    }
}
