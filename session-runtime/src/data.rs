//! Typed session data: the trait `#[derive(SessionData)]` implements.

use std::future::Future;
use std::ops::Deref;

use crate::{Session, SessionError};

/// A struct whose fields are session keys, each read and written on its own.
///
/// Derive it with `#[derive(SessionData)]`, which also generates the handle type (`{Name}Session`)
/// with a typed getter, setter, `remove_` and `take_` per field, and an axum extractor.
///
/// ```
/// use session_runtime::{Session, SessionData, SessionError};
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
///
/// // Whole-struct access, next to the per-field methods of `VisitorSession`:
/// async fn reset(session: &Session) -> Result<(), SessionError> {
///     let visitor = Visitor::read(session).await?.expect("every field has a default");
///     Visitor { visits: 0, ..visitor }.write(session).await
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not session data",
    label = "not a `#[derive(SessionData)]` type",
    note = "derive it: `#[derive(SessionData)] struct {Self} {{ .. }}`"
)]
pub trait SessionData: Sized {
    /// The typed handle over a [`Session`]: `{Name}Session`.
    type Handle: From<Session> + Deref<Target = Session>;

    /// The session keys of the fields, in declaration order.
    const KEYS: &'static [&'static str];

    /// The typed handle over `session`.
    fn handle(session: Session) -> Self::Handle {
        Self::Handle::from(session)
    }

    /// Reads every field from its key: `None` when a field without a default (not
    /// `#[session(default)]`, not an `Option`) is missing.
    fn read(session: &Session) -> impl Future<Output = Result<Option<Self>, SessionError>>;

    /// Writes every field to its key; other keys of the session are left as they are.
    fn write(&self, session: &Session) -> impl Future<Output = Result<(), SessionError>>;
}
