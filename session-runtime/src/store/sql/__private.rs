//! Used by `#[session_model]`'s output only: what a model's field types must be, as traits the
//! macro names on each field (so these impls are the one statement of which Rust type holds which
//! column kind and fits which role), and compile-time checks of the fields against the diesel
//! `table!`.

use chrono::NaiveDateTime;
use diesel::expression::{AsExpression, Expression, TypedExpressionType};
use diesel::sql_types::{Nullable, SqlType};

use super::model::{extra_from_session, ColumnKind, ColumnType, ColumnValue, SessionFilter};
use crate::map::SessionMap;

/// The SQL name of a diesel column (compiles only if the column exists in the `table!`).
pub fn column_name<C: diesel::Column>(_column: C) -> &'static str {
    C::NAME
}

/// A field type a session model can have: the column kind it is created as, and whether the
/// column may hold NULL (an `Option` field). The expansion reaches it only through a role trait
/// (`DefaultField` for a field without a role), whose message a wrong type gets.
pub trait ModelField {
    /// The column's kind.
    const KIND: ColumnKind;
    /// Whether the column may hold NULL.
    const NULLABLE: bool;
}

/// Compiles only when a field of type `Self` can be written to a column of SQL type `ST`.
pub trait FitsColumn<ST> {}

macro_rules! model_fields {
    ($($ty:ty => $kind:ident,)*) => {$(
        #[diagnostic::do_not_recommend]
        impl ModelField for $ty {
            const KIND: ColumnKind = ColumnKind::$kind;
            const NULLABLE: bool = false;
        }
        #[diagnostic::do_not_recommend]
        impl ModelField for Option<$ty> {
            const KIND: ColumnKind = ColumnKind::$kind;
            const NULLABLE: bool = true;
        }
        // Not a blanket impl over `ModelField`: rustc would resolve `Field` through it for any
        // type and report the type again, in diesel's words.
        #[diagnostic::do_not_recommend]
        impl DefaultField for $ty {
            type Field = $ty;
        }
        #[diagnostic::do_not_recommend]
        impl DefaultField for Option<$ty> {
            type Field = Option<$ty>;
        }
        // diesel decides; it also writes a `T` to a `Nullable<_>` column.
        impl<ST> FitsColumn<ST> for $ty
        where
            $ty: AsExpression<ST>,
            ST: SqlType + TypedExpressionType,
        {
        }
    )*};
}

model_fields! {
    String => Text,
    Vec<u8> => Binary,
    NaiveDateTime => Timestamp,
    i16 => SmallInt,
    i32 => Integer,
    i64 => BigInt,
    bool => Bool,
    f64 => Double,
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

impl<T, ST> FitsColumn<ST> for Option<T>
where
    ST: NullableColumn,
    T: AsExpression<ST::Inner>,
    ST::Inner: SqlType + TypedExpressionType,
{
}

/// Compiles only when a field of type `F` can be written to `column`.
pub fn column_fits<F: FitsColumn<C::SqlType>, C: Expression>(_column: C) {}

// One trait per role, each naming the types its column takes; `Field` is the field type again,
// so that code reading the column's kind through it reports a wrong type once, as the role's
// error, and nothing more.
macro_rules! role_fields {
    ($($(#[$doc:meta])* $name:ident, $message:literal, $note:literal { $($ty:ty),* })*) => {$(
        $(#[$doc])*
        #[diagnostic::on_unimplemented(message = $message, label = "the type of this field", note = $note)]
        pub trait $name {
            /// The field type, a [`ModelField`].
            type Field: ModelField;
        }
        $(
            #[diagnostic::do_not_recommend]
            impl $name for $ty {
                type Field = $ty;
            }
        )*
    )*};
}

role_fields! {
    /// A `#[session(id)]` field.
    IdField,
        "a `#[session(id)]` field holds the session id, a `String`, not `{Self}`",
        "give the field type `String`" { String }
    /// A `#[session(data)]` field.
    DataField,
        "a `#[session(data)]` field holds the serialized session, a `Vec<u8>`, not `{Self}`",
        "give the field type `Vec<u8>`" { Vec<u8> }
    /// A `#[session(expiry)]` field.
    ExpiryField,
        "a `#[session(expiry)]` field holds a timestamp, not `{Self}`",
        "give the field type `Option<NaiveDateTime>` (or `NaiveDateTime` on a NOT NULL column)" {
        Option<NaiveDateTime>, NaiveDateTime
    }
    /// A `#[session(created_at)]` field.
    CreatedAtField,
        "a `#[session(created_at)]` field holds a timestamp, not `{Self}`",
        "give the field type `NaiveDateTime` (or `Option<NaiveDateTime>` on a nullable column)" {
        NaiveDateTime, Option<NaiveDateTime>
    }
    /// A `#[session(updated_at)]` field.
    UpdatedAtField,
        "a `#[session(updated_at)]` field holds a timestamp, not `{Self}`",
        "give the field type `NaiveDateTime` (or `Option<NaiveDateTime>` on a nullable column)" {
        NaiveDateTime, Option<NaiveDateTime>
    }
    /// A `#[session(primary_key)]` field.
    PrimaryKeyField,
        "a `#[session(primary_key)]` field holds an auto-incremented integer, not `{Self}`",
        "give the field type `i32` or `i64`" { i32, i64 }
    /// A `#[session(default)]` field: any column type, left to the database's default (its
    /// impls are `model_fields!`'s).
    DefaultField,
        "`{Self}` is not a column type of a session model",
        "use String, Vec<u8>, NaiveDateTime, i16, i32, i64, bool or f64, optionally in an Option" {}
}

/// A `#[session(from = "key")]` field: an `Option` (the key may be missing) of a type a session
/// value converts to.
#[diagnostic::on_unimplemented(
    message = "a column filled from a session key cannot be `{Self}`",
    label = "the type of this field",
    note = "make it an `Option` (the key may be missing) of String, i16, i32, i64, bool or f64, e.g. `Option<String>`"
)]
pub trait SessionKeyField {
    /// The field type, a [`ModelField`].
    type Field: ModelField;
    /// The value a session key converts to (`T` of `Option<T>`).
    type Value: ColumnType;
}

// For each type `ColumnType` is implemented for; concrete impls, as for `DefaultField`.
macro_rules! session_key_fields {
    ($($ty:ty),*) => {$(
        #[diagnostic::do_not_recommend]
        impl SessionKeyField for Option<$ty> {
            type Field = Option<$ty>;
            type Value = $ty;
        }
    )*};
}

session_key_fields!(String, i16, i32, i64, bool, f64);

/// The value of the `from = "key"` column of field type `F`, read from the session.
pub fn extra_value<F: SessionKeyField>(map: &SessionMap, key: &str, column: &str) -> ColumnValue {
    extra_from_session::<F::Value>(map, key, column)
}

/// The filter "the `from = "key"` column of field type `F` equals `value`" (the `by_<field>`
/// functions).
pub fn filter<F: SessionKeyField>(column: &str, value: F::Value) -> SessionFilter {
    SessionFilter::new(column, <F::Value as ColumnType>::bind(Some(value)))
}

/// What the `by_<field>` filter of a `from = "key"` field of type `F` takes when `F` is not
/// written `Option<T>` (an alias): any value that converts to the field's value type.
pub trait FilterValue<F> {
    /// The filter "the column equals this value".
    fn filter(self, column: &str) -> SessionFilter;
}

impl<F: SessionKeyField, V: Into<F::Value>> FilterValue<F> for V {
    fn filter(self, column: &str) -> SessionFilter {
        filter::<F>(column, self.into())
    }
}
