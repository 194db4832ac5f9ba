//! The rules a session model must follow, one `check_*` function per rule; they build the
//! validated [`Model`] that `expand` reads.

use syn::spanned::Spanned;

use super::attr::{Container, Field, RoleKw};
use super::Ctxt;

/// A checked model.
pub(crate) struct Model {
    pub(crate) table: syn::Path,
    pub(crate) columns: Vec<ModelColumn>,
}

pub(crate) struct ModelColumn {
    pub(crate) ident: syn::Ident,
    pub(crate) ty: syn::Type,
    pub(crate) role: ColumnRole,
    pub(crate) kind: Kind,
    pub(crate) nullable: bool,
    /// `T` of an `Option<T>` field, checked against the column's `Nullable<_>` type.
    pub(crate) option_inner: Option<syn::Type>,
    pub(crate) indexed: bool,
}

pub(crate) enum ColumnRole {
    Role(RoleKw),
    /// Filled from session key `from` (value type `inner`), or left to the database default.
    Extra { from: Option<Box<(syn::LitStr, syn::Type)>> },
}

/// The column kinds the runtime's `ColumnKind` has.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Text,
    Binary,
    Timestamp,
    SmallInt,
    Integer,
    BigInt,
    Bool,
    Double,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Text => "Text",
            Kind::Binary => "Binary",
            Kind::Timestamp => "Timestamp",
            Kind::SmallInt => "SmallInt",
            Kind::Integer => "Integer",
            Kind::BigInt => "BigInt",
            Kind::Bool => "Bool",
            Kind::Double => "Double",
        }
    }
}

const SUPPORTED: &str = "String, Vec<u8>, NaiveDateTime, i16, i32, i64, bool or f64, optionally in an Option";

pub(crate) fn check(cx: &Ctxt, item: &syn::ItemStruct, container: Container, fields: Vec<Field>) -> Option<Model> {
    check_plain_struct(cx, item);
    let table = check_table(cx, &container);
    check_roles_once(cx, item, &fields);
    let columns: Vec<ModelColumn> = fields.into_iter().filter_map(|f| check_field(cx, f)).collect();
    Some(Model { table: table?, columns })
}

/// Generic structs cannot name one diesel table's columns.
fn check_plain_struct(cx: &Ctxt, item: &syn::ItemStruct) {
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(&item.generics, "a session model cannot be generic; it maps one table");
    }
}

/// The model names the diesel `table!` its columns are checked against.
fn check_table(cx: &Ctxt, container: &Container) -> Option<syn::Path> {
    if container.table.is_none() {
        cx.syn_error(syn::Error::new(
            container.span,
            "#[session_model] needs the diesel table it maps: #[session_model(table = user_sessions)]",
        ));
    }
    container.table.clone()
}

/// `id`, `data` and `expiry` appear exactly once each; the optional roles at most once; a
/// field has at most one role.
fn check_roles_once(cx: &Ctxt, item: &syn::ItemStruct, fields: &[Field]) {
    for role in RoleKw::ALL {
        let mut holders = fields.iter().flat_map(|f| f.roles.iter().filter(move |(r, _)| *r == role).map(move |(_, p)| (f, p)));
        let first = holders.next();
        for (_, path) in holders {
            let owner = first.map(|(f, _)| f.ident.to_string()).unwrap_or_default();
            cx.error_spanned_by(
                path,
                format_args!("duplicate #[session({})]: field `{owner}` already has this role", role.keyword()),
            );
        }
        let required = matches!(role, RoleKw::Id | RoleKw::Data | RoleKw::Expiry);
        if required && first.is_none() {
            cx.error_spanned_by(
                &item.ident,
                format_args!(
                    "missing #[session({0})] field; a session model has one field each for id, data and expiry, \
                     e.g. `#[session({0})] {0}: {1}`",
                    role.keyword(),
                    match role {
                        RoleKw::Id => "String",
                        RoleKw::Data => "Vec<u8>",
                        _ => "Option<NaiveDateTime>",
                    }
                ),
            );
        }
    }
    for f in fields {
        for (_, path) in f.roles.iter().skip(1) {
            cx.error_spanned_by(path, format_args!("field `{}` already has a role; give each role its own column", f.ident));
        }
    }
}

/// Each field's type fits its role, and a field with no role has a source.
fn check_field(cx: &Ctxt, f: Field) -> Option<ModelColumn> {
    let Some((kind, nullable, inner)) = classify(&f.ty) else {
        cx.error_spanned_by(&f.ty, format_args!("unsupported column type for a session model; use {SUPPORTED}"));
        return None;
    };
    let indexed = f.index.is_some();
    let option_inner = nullable.then(|| inner.clone());
    if let Some((role, path)) = f.roles.first() {
        for extra in [f.from.as_ref().map(|l| l.span()), f.default.as_ref().map(|p| p.span())].into_iter().flatten() {
            cx.syn_error(syn::Error::new(
                extra,
                format_args!("`from` and `default` are for extra columns; the store fills #[session({})] itself", role.keyword()),
            ));
        }
        let _ = path;
        return check_role_type(cx, &f, *role, kind, nullable).then(|| ModelColumn {
            ident: f.ident,
            ty: f.ty,
            role: ColumnRole::Role(*role),
            kind,
            nullable,
            option_inner,
            // Sweeps of expired sessions go through the expiry column.
            indexed: indexed || matches!(role, RoleKw::Expiry),
        });
    }
    let from = match (&f.from, &f.default) {
        (Some(key), Some(default)) => {
            cx.error_spanned_by(default, format_args!("field `{}` is filled from `{}`; drop `default`", f.ident, key.value()));
            return None;
        }
        (Some(key), None) => {
            if !nullable || !matches!(kind, Kind::Text | Kind::SmallInt | Kind::Integer | Kind::BigInt | Kind::Bool | Kind::Double) {
                cx.error_spanned_by(
                    &f.ty,
                    "a column filled from a session key is an Option (the key may be missing) of String, i16, i32, \
                     i64, bool or f64, e.g. `Option<String>`",
                );
                return None;
            }
            Some(Box::new((key.clone(), inner)))
        }
        (None, Some(_)) => None,
        (None, None) => {
            cx.error_spanned_by(
                &f.ident,
                format_args!(
                    "field `{}` has no source: fill it from the session with #[session(from = \"key\")], leave it to \
                     the database's default with #[session(default)], or give it a role (id, data, expiry, \
                     created_at, updated_at, primary_key)",
                    f.ident
                ),
            );
            return None;
        }
    };
    Some(ModelColumn { ident: f.ident, ty: f.ty, role: ColumnRole::Extra { from }, kind, nullable, option_inner, indexed })
}

/// The Rust type a role's column must have, checked on the type as written.
fn check_role_type(cx: &Ctxt, f: &Field, role: RoleKw, kind: Kind, nullable: bool) -> bool {
    let (fits, want) = match role {
        RoleKw::Id => (kind == Kind::Text && !nullable, "String"),
        RoleKw::Data => (kind == Kind::Binary && !nullable, "Vec<u8>"),
        RoleKw::Expiry => (kind == Kind::Timestamp, "Option<NaiveDateTime> (or NaiveDateTime)"),
        RoleKw::CreatedAt | RoleKw::UpdatedAt => (kind == Kind::Timestamp, "NaiveDateTime (or Option<NaiveDateTime>)"),
        RoleKw::PrimaryKey => (matches!(kind, Kind::Integer | Kind::BigInt) && !nullable, "i32 or i64"),
    };
    if !fits {
        cx.error_spanned_by(&f.ty, format_args!("a #[session({})] column is {want}", role.keyword()));
    }
    fits
}

/// (kind, nullable, value type without the Option) of a field type, read from its spelling.
fn classify(ty: &syn::Type) -> Option<(Kind, bool, syn::Type)> {
    if let Some(inner) = generic_arg(ty, "Option") {
        let (kind, nullable, _) = classify(inner)?;
        return (!nullable).then(|| (kind, true, inner.clone()));
    }
    if let Some(inner) = generic_arg(ty, "Vec") {
        return (last_ident(inner)? == "u8").then(|| (Kind::Binary, false, ty.clone()));
    }
    let kind = match last_ident(ty)?.to_string().as_str() {
        "String" => Kind::Text,
        "NaiveDateTime" => Kind::Timestamp,
        "i16" => Kind::SmallInt,
        "i32" => Kind::Integer,
        "i64" => Kind::BigInt,
        "bool" => Kind::Bool,
        "f64" => Kind::Double,
        _ => return None,
    };
    Some((kind, false, ty.clone()))
}

fn last_segment(ty: &syn::Type) -> Option<&syn::PathSegment> {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        _ => None,
    }
}

fn last_ident(ty: &syn::Type) -> Option<&syn::Ident> {
    last_segment(ty).filter(|s| s.arguments.is_none()).map(|s| &s.ident)
}

fn generic_arg<'a>(ty: &'a syn::Type, name: &str) -> Option<&'a syn::Type> {
    let seg = last_segment(ty).filter(|s| s.ident == name)?;
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else { return None };
    match args.args.first()? {
        syn::GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}
