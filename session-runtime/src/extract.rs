//! Axum extractors.

use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;
use http::StatusCode;

use crate::error::SessionError;
use crate::session::Session;

/// The rejection when a handler asks for a [`Session`] but no [`SessionLayer`](crate::SessionLayer)
/// runs in front of it: a server misconfiguration, answered with a 500.
#[derive(Debug, Clone, Copy)]
pub struct MissingSessionLayer;

impl IntoResponse for MissingSessionLayer {
    fn into_response(self) -> Response {
        tracing::error!("a handler asked for a Session, but no SessionLayer is installed in front of it");
        (StatusCode::INTERNAL_SERVER_ERROR, "Can't extract the session: is `SessionLayer` installed?").into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = MissingSessionLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Session>().cloned().ok_or(MissingSessionLayer)
    }
}

impl IntoResponse for SessionError {
    fn into_response(self) -> Response {
        // Details are for the operator, not the client.
        tracing::error!(error = %self, "session error");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    }
}
