//! The validated model of one `#[session_config]` struct: its attribute and its setting fields.

use proc_macro2::TokenStream;
use syn::{Fields, Ident, ItemStruct, Type};

use session_settings::{Lookup, Setting, Value};

use super::attr::{ConfigAttrs, MODEL};
use crate::ctxt::{suggestion, Ctxt};

pub(crate) struct Config<'a> {
    pub(crate) item: &'a ItemStruct,
    pub(crate) attrs: ConfigAttrs,
    pub(crate) fields: Vec<Field<'a>>,
    /// Some field is not a setting (and was reported).
    pub(crate) unknown_fields: bool,
}

/// A field of the struct: a setting given at run time.
pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    pub(crate) setting: &'static Setting,
}

impl<'a> Config<'a> {
    pub(crate) fn from_ast(cx: &Ctxt, args: TokenStream, item: &'a ItemStruct) -> Config<'a> {
        let attrs = ConfigAttrs::from_args(cx, args);
        if !item.generics.params.is_empty() {
            cx.error_spanned_by(&item.generics, "a `#[session_config]` struct cannot be generic; give its fields concrete types");
        }
        let fields: Vec<Field<'a>> = match &item.fields {
            Fields::Named(named) => named.named.iter().filter_map(|f| Field::from_ast(cx, f)).collect(),
            Fields::Unit => Vec::new(),
            Fields::Unnamed(unnamed) => {
                cx.error_spanned_by(unnamed, "`#[session_config]` needs named fields, each named after a setting, e.g. `struct Sessions { secret_key: String }`");
                Vec::new()
            }
        };
        let unknown_fields = fields.len() < item.fields.len();
        Config { item, attrs, fields, unknown_fields }
    }

    /// The field giving `name` at run time, if any.
    pub(crate) fn field(&self, name: &str) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.setting.name == name)
    }
}

impl<'a> Field<'a> {
    fn from_ast(cx: &Ctxt, field: &'a syn::Field) -> Option<Field<'a>> {
        let ident = field.ident.as_ref()?;
        let name = ident.to_string();
        let bare = name.trim_start_matches("r#");
        if bare == MODEL {
            cx.error_spanned_by(ident, format!("`{name}` names a type; give it in the attribute, `#[session_config({name} = MyModel)]`, not as a field"));
            return None;
        }
        let Some(setting) = session_settings::setting(bare) else {
            let hint = suggestion(&name, session_settings::SETTINGS.iter().map(|s| s.name));
            cx.error_spanned_by(ident, format!("field `{name}` is not a setting; each field of a `#[session_config]` struct gives the setting of the same name at run time{hint}"));
            return None;
        };
        Some(Field { ident, ty: &field.ty, setting })
    }
}

/// What the rules see at compile time: a literal's value, nothing for a field (known only at
/// run time, where `Settings::validate` runs the same rules), and the default otherwise.
impl Lookup for Config<'_> {
    fn value(&self, name: &str) -> Option<Value<'_>> {
        if let Some(given) = self.attrs.get(name) {
            return Some(given.value());
        }
        if self.field(name).is_some() {
            return None;
        }
        session_settings::setting(name).map(|s| (s.default)())
    }
}
