//! Code generation for a checked [`Model`]: the `SessionModel` impl, the column-fit checks
//! against the diesel table, and `by_<column>` filters for columns filled from the session.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use super::attr::RoleKw;
use super::check::{ColumnRole, Model};

pub(crate) fn expand(item: &syn::ItemStruct, model: &Model) -> TokenStream {
    let ident = &item.ident;
    let table = &model.table;
    let sql = quote!(::session_runtime::store::sql);
    let table_name = table.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();

    let columns = model.columns.iter().map(|c| {
        let col = &c.ident;
        let kind = format_ident!("{}", c.kind.name());
        let (nullable, indexed) = (c.nullable, c.indexed);
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
            ColumnRole::Extra { from: Some(from) } => {
                let key = &from.0;
                quote!(#sql::Role::Extra { from: ::std::option::Option::Some(::std::string::String::from(#key)) })
            }
            ColumnRole::Extra { from: None } => quote!(#sql::Role::Extra { from: ::std::option::Option::None }),
        };
        quote! {
            #sql::Column {
                name: ::std::string::String::from(#sql::__private::column_name(#table::#col)),
                role: #role,
                kind: #sql::ColumnKind::#kind,
                nullable: #nullable,
                indexed: #indexed,
            }
        }
    });

    let extras: Vec<_> = model
        .columns
        .iter()
        .filter_map(|c| match &c.role {
            ColumnRole::Extra { from: Some(from) } => Some((c, &from.0, &from.1)),
            _ => None,
        })
        .collect();
    let extra_values = extras.iter().map(|(c, key, inner)| {
        let col = &c.ident;
        quote!(#sql::__private::extra_from_session::<#inner>(__map, #key, #sql::__private::column_name(#table::#col)))
    });

    // Spanned on each field, so a column missing from the table or of another SQL type is
    // reported on the field that names it.
    let fits = model.columns.iter().map(|c| {
        let (col, ty) = (&c.ident, &c.ty);
        let table = respan(table.to_token_stream(), ty.span());
        match &c.option_inner {
            Some(inner) => quote_spanned!(ty.span()=> #sql::__private::option_fits::<#inner, _>(#table::#col);),
            None => quote_spanned!(ty.span()=> #sql::__private::column_fits::<#ty, _>(#table::#col);),
        }
    });

    let filters = extras.iter().map(|(c, key, inner)| {
        let col = &c.ident;
        let name = format_ident!("by_{}", col);
        let doc = format!("The sessions whose `{col}` column (filled from session key `{}`) equals `value`.", key.value());
        quote! {
            #[doc = #doc]
            pub fn #name(value: impl ::std::convert::Into<#inner>) -> #sql::SessionFilter {
                #sql::SessionFilter::new(
                    #sql::__private::column_name(#table::#col),
                    <#inner as #sql::ColumnType>::bind(::std::option::Option::Some(value.into())),
                )
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

                fn extra_values(__map: &::session_runtime::SessionMap) -> ::std::vec::Vec<#sql::ColumnValue> {
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

/// Emitted next to the errors, so code that uses the model reports nothing more.
pub(crate) fn stub(item: &syn::ItemStruct) -> TokenStream {
    let ident = &item.ident;
    let sql = quote!(::session_runtime::store::sql);
    let span = Span::call_site();
    quote_spanned! {span=>
        impl #sql::SessionModel for #ident {
            fn schema() -> #sql::ModelSchema {
                ::std::unreachable!("#[session_model] reported errors")
            }
            fn extra_values(_: &::session_runtime::SessionMap) -> ::std::vec::Vec<#sql::ColumnValue> {
                ::std::unreachable!("#[session_model] reported errors")
            }
        }
    }
}

/// `tokens` with every span set to `span`, so an error inside points at one field.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut t| {
            if let proc_macro2::TokenTree::Group(g) = &t {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                t = proc_macro2::TokenTree::Group(group);
            }
            t.set_span(span);
            t
        })
        .collect()
}
