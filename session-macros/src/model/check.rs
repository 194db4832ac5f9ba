//! The rules about a session model's attributes, one `check_*` function per rule; they build
//! the [`Model`] that `expand` reads. Which type each column may have is not among them: the
//! expansion asks the runtime's traits, on each field's type.

use syn::spanned::Spanned;

use super::attr::{Container, Field, RoleKw};
use crate::ctxt::Ctxt;

/// A checked model: the columns whose attributes are consistent, and the table if it was named.
pub(crate) struct Model {
    pub(crate) table: Option<syn::Path>,
    pub(crate) krate: Option<syn::Path>,
    pub(crate) columns: Vec<ModelColumn>,
}

pub(crate) struct ModelColumn {
    pub(crate) ident: syn::Ident,
    pub(crate) ty: syn::Type,
    pub(crate) role: ColumnRole,
    pub(crate) indexed: bool,
}

pub(crate) enum ColumnRole {
    Role(RoleKw),
    /// Filled from session key `from`, or left to the database default.
    Extra { from: Option<syn::LitStr> },
}

pub(crate) fn check(cx: &Ctxt, item: &syn::ItemStruct, container: Container, fields: Vec<Field>) -> Model {
    check_plain_struct(cx, item);
    check_table(cx, &container);
    check_roles_once(cx, item, &fields);
    let columns = fields.into_iter().filter_map(|f| check_field(cx, f)).collect();
    Model { table: container.table, krate: container.krate, columns }
}

/// Generic structs cannot name one diesel table's columns.
fn check_plain_struct(cx: &Ctxt, item: &syn::ItemStruct) {
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(&item.generics, "a session model cannot be generic; it maps one table");
    }
}

/// The model names the diesel `table!` its columns are checked against.
fn check_table(cx: &Ctxt, container: &Container) {
    if container.table.is_none() {
        cx.error_at(
            container.span,
            "#[session_model] needs the diesel table it maps: #[session_model(table = user_sessions)]",
        );
    }
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
        let example = match role {
            RoleKw::Id => "String",
            RoleKw::Data => "Vec<u8>",
            RoleKw::Expiry => "Option<NaiveDateTime>",
            RoleKw::CreatedAt | RoleKw::UpdatedAt | RoleKw::PrimaryKey => continue,
        };
        if first.is_none() {
            cx.error_spanned_by(
                &item.ident,
                format_args!(
                    "missing #[session({0})] field; a session model has one field each for id, data and expiry, \
                     e.g. `#[session({0})] {0}: {example}`",
                    role.keyword(),
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

/// A field with a role takes no `from`/`default`; a field without one has exactly one source.
fn check_field(cx: &Ctxt, f: Field) -> Option<ModelColumn> {
    let indexed = f.index.is_some();
    if let Some((role, _)) = f.roles.first() {
        for extra in [f.from.as_ref().map(|l| l.span()), f.default.as_ref().map(|p| p.span())].into_iter().flatten() {
            cx.error_at(
                extra,
                format_args!("`from` and `default` are for extra columns; the store fills #[session({})] itself", role.keyword()),
            );
        }
        return Some(ModelColumn {
            ident: f.ident,
            ty: f.ty,
            role: ColumnRole::Role(*role),
            // Sweeps of expired sessions go through the expiry column.
            indexed: indexed || *role == RoleKw::Expiry,
        });
    }
    let from = match (f.from, &f.default) {
        (Some(key), Some(default)) => {
            cx.error_spanned_by(default, format_args!("field `{}` is filled from `{}`; drop `default`", f.ident, key.value()));
            return None;
        }
        (Some(key), None) => Some(key),
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
    Some(ModelColumn { ident: f.ident, ty: f.ty, role: ColumnRole::Extra { from }, indexed })
}
