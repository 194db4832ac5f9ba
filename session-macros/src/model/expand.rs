//! Code generation for a checked [`Model`]: the `SessionModel` impl, its checks against the
//! diesel table, and `by_<column>` filters for columns filled from the session. Each field's
//! type is read through the runtime trait of its role (`IdField`, `SessionKeyField`, ...): that
//! trait decides whether the type fits and gives its column kind.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};

use super::attr::RoleKw;
use super::check::{ColumnRole, Model, ModelColumn};
use crate::respan::respan;

pub(crate) fn expand(item: &syn::ItemStruct, model: &Model, table: &syn::Path) -> TokenStream {
    let ident = &item.ident;
    let krate = krate(model);
    let sql = quote!(#krate::store::sql);
    let table_name = table.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();

    let columns = model.columns.iter().map(|c| {
        let col = &c.ident;
        let field = field_type(&sql, c);
        let indexed = c.indexed;
        let role = match &c.role {
            ColumnRole::Role(r) => {
                let variant = format_ident!("{}", match r {
                    RoleKw::Id => "SessionId",
                    RoleKw::Data => "Data",
                    RoleKw::Expiry => "Expiry",
                    RoleKw::CreatedAt => "CreatedAt",
                    RoleKw::UpdatedAt => "UpdatedAt",
                    RoleKw::PrimaryKey => "PrimaryKey",
                });
                quote!(#sql::Role::#variant)
            }
            ColumnRole::Extra { from: Some(key) } => {
                quote!(#sql::Role::Extra { from: ::std::option::Option::Some(::std::string::String::from(#key)) })
            }
            ColumnRole::Extra { from: None } => quote!(#sql::Role::Extra { from: ::std::option::Option::None }),
        };
        quote! {
            #sql::Column {
                name: ::std::string::String::from(#sql::__private::column_name(#table::#col)),
                role: #role,
                kind: <#field as #sql::__private::ModelField>::KIND,
                nullable: <#field as #sql::__private::ModelField>::NULLABLE,
                indexed: #indexed,
            }
        }
    });

    let extras: Vec<(&ModelColumn, &syn::LitStr)> = model
        .columns
        .iter()
        .filter_map(|c| match &c.role {
            ColumnRole::Extra { from: Some(key) } => Some((c, key)),
            _ => None,
        })
        .collect();
    let extra_values = extras.iter().map(|(c, key)| {
        let (col, field) = (&c.ident, field_type(&sql, c));
        quote!(#sql::__private::extra_value::<#field>(__map, #key, #sql::__private::column_name(#table::#col)))
    });

    // Spanned on each field, so a column missing from the table or of another SQL type is
    // reported on the field that names it.
    let fits = model.columns.iter().map(|c| {
        let (col, field) = (&c.ident, field_type(&sql, c));
        let (first, _) = span_ends(&c.ty);
        let check = respan(quote!(#sql::__private::column_fits::<), first);
        let table = respan(table.to_token_stream(), first);
        quote!(#check #field, _>(#table::#col);)
    });

    let filters = extras.iter().map(|(c, key)| {
        let (col, ty, field) = (&c.ident, &c.ty, field_type(&sql, c));
        let name = format_ident!("by_{}", col);
        let column = quote!(#sql::__private::column_name(#table::#col));
        let doc = format!("The sessions whose `{col}` column (filled from session key `{}`) equals `value`.", key.value());
        // `Option<T>` takes `impl Into<T>` (the body checks that `T` is the field's value type);
        // another spelling (an alias) goes through a trait, as a projection in the signature
        // would be reported a second time, on the whole attribute, for a type that is no fit.
        let (param, body) = match option_inner(ty) {
            Some(inner) => (
                quote!(impl ::std::convert::Into<#inner>),
                quote!(#sql::__private::filter::<#field>(#column, value.into())),
            ),
            None => (
                quote!(impl #sql::__private::FilterValue<#ty>),
                quote!(#sql::__private::FilterValue::<#field>::filter(value, #column)),
            ),
        };
        quote! {
            #[doc = #doc]
            pub fn #name(value: #param) -> #sql::SessionFilter {
                #body
            }
        }
    });

    quote! {
        #item

        const _: () = {
            #[automatically_derived]
            impl #sql::SessionModel for #ident {
                fn schema() -> #sql::ModelSchema {
                    #sql::ModelSchema {
                        table: ::std::string::String::from(#table_name),
                        columns: ::std::vec![#(#columns),*],
                    }
                }

                fn extra_values(__map: &#krate::SessionMap) -> ::std::vec::Vec<#sql::ColumnValue> {
                    ::std::vec![#(#extra_values),*]
                }
            }

            #[allow(dead_code)]
            fn __session_model_columns_fit() {
                #(#fits)*
            }
        };

        #[automatically_derived]
        impl #ident {
            #(#filters)*
        }
    }
}

/// Emitted next to the errors, so code that uses the model reports nothing more; the fields'
/// types are still checked against their roles, so those mistakes show at the same time.
pub(crate) fn stub(item: &syn::ItemStruct, model: &Model) -> TokenStream {
    let ident = &item.ident;
    let krate = krate(model);
    let sql = quote!(#krate::store::sql);
    let kinds = model.columns.iter().map(|c| {
        let field = field_type(&sql, c);
        quote!(let _ = <#field as #sql::__private::ModelField>::KIND;)
    });
    let span = Span::call_site();
    quote_spanned! {span=>
        #item

        impl #sql::SessionModel for #ident {
            fn schema() -> #sql::ModelSchema {
                ::std::unreachable!("#[session_model] reported errors")
            }
            fn extra_values(_: &#krate::SessionMap) -> ::std::vec::Vec<#sql::ColumnValue> {
                ::std::unreachable!("#[session_model] reported errors")
            }
        }

        const _: () = {
            #[allow(dead_code)]
            fn __session_model_field_types() {
                #(#kinds)*
            }
        };
    }
}

fn krate(model: &Model) -> TokenStream {
    match &model.krate {
        Some(path) => path.to_token_stream(),
        None => quote!(::session_runtime),
    }
}

/// `<Ty as sql::__private::RoleField>::Field`: the field's type, read through the trait of its
/// role.
fn field_type(sql: &TokenStream, c: &ModelColumn) -> TokenStream {
    let role = match &c.role {
        ColumnRole::Role(RoleKw::Id) => "IdField",
        ColumnRole::Role(RoleKw::Data) => "DataField",
        ColumnRole::Role(RoleKw::Expiry) => "ExpiryField",
        ColumnRole::Role(RoleKw::CreatedAt) => "CreatedAtField",
        ColumnRole::Role(RoleKw::UpdatedAt) => "UpdatedAtField",
        ColumnRole::Role(RoleKw::PrimaryKey) => "PrimaryKeyField",
        ColumnRole::Extra { from: Some(_) } => "SessionKeyField",
        ColumnRole::Extra { from: None } => "DefaultField",
    };
    projection(sql, &c.ty, role, "Field")
}

/// `T` of a type written `Option<T>`.
fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last().filter(|s| p.qself.is_none() && s.ident == "Option")?;
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else { return None };
    match args.args.iter().collect::<Vec<_>>()[..] {
        [syn::GenericArgument::Type(inner)] => Some(inner),
        _ => None,
    }
}

/// `<ty as sql::__private::Trait>::Assoc`, its first and last tokens with the spans of the type's
/// own: rustc's error for a type the trait does not take then underlines the whole field type
/// and nothing else, once however often the projection is written.
fn projection(sql: &TokenStream, ty: &syn::Type, trait_name: &str, assoc: &str) -> TokenStream {
    let (first, last) = span_ends(ty);
    let trait_name = format_ident!("{}", trait_name);
    let assoc = format_ident!("{}", assoc);
    let open = respan(quote!(<), first);
    let trait_path = respan(quote!(#sql::__private::#trait_name), first);
    let close = respan(quote!(>::#assoc), last);
    quote!(#open #ty as #trait_path #close)
}

/// The spans of the first and last tokens of `ty`.
fn span_ends(ty: &syn::Type) -> (Span, Span) {
    let mut tokens = ty.to_token_stream().into_iter();
    let first = tokens.next().map_or_else(Span::call_site, |t| t.span());
    let last = tokens.last().map_or(first, |t| t.span());
    (first, last)
}
