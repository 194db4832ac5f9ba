//! Errors a handler or the app's setup can meet.

use std::fmt;

use crate::codec::{DecodeError, EncodeError};
use crate::settings::SettingsError;
use crate::store::StoreError;

/// Why a session operation in a handler failed.
///
/// With the `axum` feature it is a response: a bare `500 Internal Server Error` (details go to
/// the log, never to the client), so handlers can use `?`.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionError {
    /// The store failed while loading the session.
    Store(StoreError),
    /// A write on `session_type = "null"`.
    Unavailable,
    /// The value under `key` is not of the type asked for.
    Value {
        /// The key read.
        key: String,
        /// Why it did not fit.
        source: DecodeError,
    },
    /// The value for `key` cannot be serialized.
    Encode {
        /// The key written.
        key: String,
        /// Why.
        source: EncodeError,
    },
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::Store(e) => write!(f, "session store error: {e}"),
            SessionError::Unavailable => f.write_str(crate::store::null::NULL_WRITE),
            SessionError::Value { key, source } => write!(f, "session key `{key}`: {source}"),
            SessionError::Encode { key, source } => write!(f, "session key `{key}`: {source}"),
        }
    }
}

impl std::error::Error for SessionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SessionError::Store(e) => Some(e),
            SessionError::Value { source, .. } => Some(source),
            SessionError::Encode { source, .. } => Some(source),
            SessionError::Unavailable => None,
        }
    }
}

impl From<StoreError> for SessionError {
    fn from(e: StoreError) -> Self {
        SessionError::Store(e)
    }
}

/// Why a session layer could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A setting's value cannot work.
    Settings(SettingsError),
    /// The store could not be reached or prepared.
    Store(StoreError),
    /// `session_type` names a backend whose cargo feature is off.
    FeatureDisabled {
        /// The session type asked for.
        session_type: &'static str,
        /// The cargo feature of `session-runtime` to enable.
        feature: &'static str,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Settings(e) => write!(f, "invalid session setting {e}"),
            Error::Store(e) => write!(f, "cannot start the session store: {e}"),
            Error::FeatureDisabled { session_type, feature } => write!(
                f,
                "session_type = \"{session_type}\" needs the `{feature}` feature of session-runtime"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Settings(e) => Some(e),
            Error::Store(e) => Some(e),
            Error::FeatureDisabled { .. } => None,
        }
    }
}

impl From<SettingsError> for Error {
    fn from(e: SettingsError) -> Self {
        Error::Settings(e)
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Error::Store(e)
    }
}
