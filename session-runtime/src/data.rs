//! Typed session data: the trait `#[derive(SessionData)]` implements.

use std::ops::Deref;

use crate::Session;

/// A struct whose fields are session keys, each read and written on its own.
///
/// Derive it with `#[derive(SessionData)]`, which also generates the handle type (`{Name}Session`)
/// with a typed getter, setter, `remove_` and `take_` per field, and an axum extractor.
///
/// ```
/// use session_runtime::SessionData;
///
/// #[derive(SessionData)]
/// pub struct Visitor {
///     #[session(rename = "_user_id")]
///     user_id: Option<String>,
///     #[session(default)]
///     visits: u32,
/// }
///
/// assert_eq!(<Visitor as SessionData>::KEYS, ["_user_id", "visits"]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not session data",
    label = "not a `#[derive(SessionData)]` type",
    note = "derive it: `#[derive(SessionData)] struct {Self} {{ .. }}`"
)]
pub trait SessionData {
    /// The typed handle over a [`Session`]: `{Name}Session`.
    type Handle: From<Session> + Deref<Target = Session>;

    /// The session keys of the fields, in declaration order.
    const KEYS: &'static [&'static str];

    /// The typed handle over `session`.
    fn handle(session: Session) -> Self::Handle {
        Self::Handle::from(session)
    }
}
