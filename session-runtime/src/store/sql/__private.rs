//! Used by `#[session_model]`'s output only: compile-time checks of a model's fields
//! against its diesel `table!`.

use diesel::expression::{AsExpression, Expression, TypedExpressionType};
use diesel::sql_types::{Nullable, SqlType};

pub use super::model::extra_from_session;

/// The SQL name of a diesel column (compiles only if the column exists in the `table!`).
pub fn column_name<C: diesel::Column>(_column: C) -> &'static str {
    C::NAME
}

/// Compiles only when a field of Rust type `T` can be written to `column`.
pub fn column_fits<T, C>(_column: C)
where
    C: Expression,
    T: AsExpression<C::SqlType>,
    C::SqlType: SqlType + TypedExpressionType,
{
}

/// A column's `Nullable<ST>` type, unwrapped: diesel accepts any `Option<T>` for any
/// nullable column, so an `Option<T>` field is checked as `T` against `ST`.
#[diagnostic::on_unimplemented(
    message = "an `Option` field needs a nullable column, but the diesel table declares `{Self}`",
    label = "this field is an `Option`",
    note = "declare the column `Nullable<_>` in `table!`, or drop the `Option`"
)]
pub trait NullableColumn {
    /// `ST` of `Nullable<ST>`.
    type Inner;
}

impl<ST> NullableColumn for Nullable<ST> {
    type Inner = ST;
}

/// Compiles only when an `Option<T>` field fits `column`: the column is nullable and its
/// SQL type takes a `T`.
pub fn option_fits<T, C>(_column: C)
where
    C: Expression,
    C::SqlType: NullableColumn,
    T: AsExpression<<C::SqlType as NullableColumn>::Inner>,
    <C::SqlType as NullableColumn>::Inner: SqlType + TypedExpressionType,
{
}
