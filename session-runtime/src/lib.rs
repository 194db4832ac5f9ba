//! Server-side HTTP sessions for tower and axum, configured at compile time and compatible with
//! Flask-Session's cookies and stores.
//!
//! A [`SessionLayer`] in front of your routes gives each request a [`Session`]: a cheap handle
//! that loads the session from the store on first use and saves it, by Flask-Session 0.8's rules,
//! when the response goes out. Every setting of Flask Unchained's Session Bundle is a field of
//! [`Settings`], with the seed's default.
//!
//! ```no_run
//! use axum::{routing::get, Router};
//! use session_runtime::{Session, SessionError, SessionType, Settings};
//!
//! async fn visit(session: Session) -> Result<String, SessionError> {
//!     let visits = session.get::<u64>("visits").await?.unwrap_or(0) + 1;
//!     session.insert("visits", &visits).await?;
//!     Ok(visits.to_string())
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let mut settings = Settings::default();
//! settings.session_type = SessionType::Filesystem;
//! let app: Router = Router::new().route("/", get(visit)).layer(settings.into_layer().await?);
//! # Ok(()) }
//! ```
//!
//! Stores: [`store::NullStore`], [`store::MemoryStore`] and [`store::FilesystemStore`] always; Redis, memcached, MongoDB
//! and SQL (diesel) behind the cargo features of the same names. Bring your own by implementing
//! [`SessionStore`].
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

pub mod codec;
pub mod store;
/// actix-web 4: [`SessionMiddleware`](actix::SessionMiddleware) and the extractors.
#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub mod actix;

mod accounts;
mod cleanup;
mod cookie;
mod data;
mod error;
mod expiry;
#[cfg(feature = "axum")]
mod extract;
mod fuzz_api;
mod hex;
mod id;
mod layer;
mod map;
mod merge;
mod meta;
mod session;
mod settings;
mod signer;

/// What generated code calls; not public API.
#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// The functions the fuzz targets and property tests drive; not public API.
#[doc(hidden)]
pub mod __fuzz {
    pub use crate::fuzz_api::*;
}

pub use accounts::{SessionEvent, SessionHandle, UserSession};
pub use cleanup::CleanupTask;
pub use codec::SerializationFormat;
pub use data::SessionData;
pub use error::{Error, SessionError};
pub use expiry::Expiry;
#[cfg(feature = "axum")]
pub use extract::MissingSessionLayer;
pub use id::SessionId;
pub use layer::{ResponseFuture, SessionLayer, SessionService};
pub use map::{SessionMap, PERMANENT_KEY};
pub use meta::META_KEY;
pub use rmpv::Value;
pub use session::Session;
pub use settings::{FileNameHash, SameSite, SecretKey, SessionType, Settings, SettingsError, DEFAULT_MAX_SESSION_SIZE, DEFAULT_STORE_TIMEOUT};
pub use signer::Signer;
pub use store::{SessionStore, StoreError};

#[cfg(feature = "macros")]
pub use session_macros::{session_config, SessionData};
#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))))]
pub use store::sql::{SessionModel, SqlStore};
/// Makes a struct the SQL store's row model (see [`SessionModel`]).
#[cfg(all(feature = "macros", any(feature = "postgres", feature = "sqlite", feature = "mysql")))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "macros", any(feature = "postgres", feature = "sqlite", feature = "mysql")))))]
pub use session_macros::session_model;
