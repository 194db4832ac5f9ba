//! Turns `#[session_model(...)]` and the fields' `#[session(...)]` into typed values. Nothing
//! here returns early: a bad attribute is reported and skipped, so every mistake shows at once.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::spanned::Spanned;

use crate::ctxt::{suggestion, Ctxt};

const SESSION: &str = "session";
const TABLE: &str = "table";
const CRATE: &str = "crate";
const ID: &str = "id";
const DATA: &str = "data";
const EXPIRY: &str = "expiry";
const CREATED_AT: &str = "created_at";
const UPDATED_AT: &str = "updated_at";
const PRIMARY_KEY: &str = "primary_key";
const FROM: &str = "from";
const DEFAULT: &str = "default";
const INDEX: &str = "index";

/// `#[session_model(table = user_sessions, crate = path)]`.
pub(crate) struct Container {
    pub(crate) table: Option<syn::Path>,
    /// The path of `session_runtime`, for crates that re-export it.
    pub(crate) krate: Option<syn::Path>,
    /// Where errors about the whole attribute point.
    pub(crate) span: Span,
}

impl Container {
    pub(crate) fn from_args(cx: &Ctxt, args: TokenStream) -> Self {
        let span = if args.is_empty() { Span::call_site() } else { args.span() };
        let mut table: Option<syn::Path> = None;
        let mut krate: Option<syn::Path> = None;
        let parser = syn::meta::parser(|meta| {
            // #[session_model(table = user_sessions)]
            if meta.path.is_ident(TABLE) {
                let path: syn::Path = meta.value()?.parse()?;
                if table.is_some() {
                    cx.error_spanned_by(&meta.path, "duplicate `table` in #[session_model]");
                }
                table = Some(path);
                Ok(())
            } else if meta.path.is_ident(CRATE) {
                // #[session_model(crate = ::my_reexport::session_runtime)]
                let path: syn::Path = meta.value()?.parse()?;
                if krate.is_some() {
                    cx.error_spanned_by(&meta.path, "duplicate `crate` in #[session_model]");
                }
                krate = Some(path);
                Ok(())
            } else {
                let name = meta.path.to_token_stream_string();
                Err(meta.error(format_args!(
                    "unknown #[session_model] argument `{name}`{}; the arguments are `table = <diesel table>` and \
                     `crate = <path of session_runtime>`",
                    suggestion(&name, [TABLE, CRATE])
                )))
            }
        });
        if let Err(e) = parser.parse2(args) {
            cx.syn_error(e);
        }
        Container { table, krate, span }
    }
}

trait PathString {
    fn to_token_stream_string(&self) -> String;
}

impl PathString for syn::Path {
    fn to_token_stream_string(&self) -> String {
        quote::quote!(#self).to_string().replace(' ', "")
    }
}

/// What a field is for, from its `#[session(...)]` role keyword.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum RoleKw {
    Id,
    Data,
    Expiry,
    CreatedAt,
    UpdatedAt,
    PrimaryKey,
}

impl RoleKw {
    pub(crate) const ALL: [RoleKw; 6] =
        [RoleKw::Id, RoleKw::Data, RoleKw::Expiry, RoleKw::CreatedAt, RoleKw::UpdatedAt, RoleKw::PrimaryKey];

    pub(crate) fn keyword(self) -> &'static str {
        match self {
            RoleKw::Id => ID,
            RoleKw::Data => DATA,
            RoleKw::Expiry => EXPIRY,
            RoleKw::CreatedAt => CREATED_AT,
            RoleKw::UpdatedAt => UPDATED_AT,
            RoleKw::PrimaryKey => PRIMARY_KEY,
        }
    }
}

/// A field and its parsed `#[session(...)]` attributes.
pub(crate) struct Field {
    pub(crate) ident: syn::Ident,
    pub(crate) ty: syn::Type,
    /// Each role keyword with the span of the keyword.
    pub(crate) roles: Vec<(RoleKw, syn::Path)>,
    pub(crate) from: Option<syn::LitStr>,
    pub(crate) default: Option<syn::Path>,
    pub(crate) index: Option<syn::Path>,
}

impl Field {
    /// Parses and removes `#[session(...)]` from every field of `item`.
    pub(crate) fn from_struct(cx: &Ctxt, item: &mut syn::ItemStruct) -> Vec<Field> {
        let syn::Fields::Named(named) = &mut item.fields else {
            cx.error_spanned_by(&item.ident, "#[session_model] needs a struct with named fields, one per column");
            return Vec::new();
        };
        let mut out = Vec::new();
        for f in named.named.iter_mut() {
            let Some(ident) = f.ident.clone() else { continue };
            let mut field =
                Field { ident, ty: f.ty.clone(), roles: Vec::new(), from: None, default: None, index: None };
            for attr in f.attrs.iter().filter(|a| a.path().is_ident(SESSION)) {
                if let Err(e) = attr.parse_nested_meta(|meta| field.parse_meta(cx, meta)) {
                    cx.syn_error(e);
                }
            }
            f.attrs.retain(|a| !a.path().is_ident(SESSION));
            out.push(field);
        }
        out
    }

    fn parse_meta(&mut self, cx: &Ctxt, meta: syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
        // #[session(id)], #[session(data)], #[session(expiry)], #[session(created_at)], ...
        if let Some(role) = RoleKw::ALL.into_iter().find(|r| meta.path.is_ident(r.keyword())) {
            self.roles.push((role, meta.path.clone()));
            return Ok(());
        }
        // #[session(from = "_user_id")]
        if meta.path.is_ident(FROM) {
            let key: syn::LitStr = meta.value()?.parse().map_err(|e| {
                syn::Error::new(e.span(), "expected a session key as a string: `from = \"_user_id\"`")
            })?;
            if self.from.is_some() {
                cx.error_spanned_by(&meta.path, "duplicate `from` on this field");
            }
            self.from = Some(key);
            return Ok(());
        }
        // #[session(default)]
        if meta.path.is_ident(DEFAULT) {
            if self.default.is_some() {
                cx.error_spanned_by(&meta.path, "duplicate `default` on this field");
            }
            self.default = Some(meta.path.clone());
            return Ok(());
        }
        // #[session(index)]
        if meta.path.is_ident(INDEX) {
            self.index = Some(meta.path.clone());
            return Ok(());
        }
        let name = meta.path.to_token_stream_string();
        let known = RoleKw::ALL.into_iter().map(RoleKw::keyword).chain([FROM, DEFAULT, INDEX]);
        Err(meta.error(format_args!(
            "unknown #[session] attribute `{name}`{}; expected one of id, data, expiry, created_at, updated_at, \
             primary_key, from = \"key\", default, index",
            suggestion(&name, known)
        )))
    }
}
