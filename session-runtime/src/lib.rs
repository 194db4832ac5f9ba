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
//! Stores: [`store::NullStore`] and [`store::FilesystemStore`] always; Redis, memcached, MongoDB
//! and SQL (diesel) behind the cargo features of the same names. Bring your own by implementing
//! [`SessionStore`].
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

pub mod codec;
mod data;
mod expiry;
mod id;
mod map;
#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
mod settings;
mod signer;
pub mod store;

pub use codec::SerializationFormat;
pub use data::SessionData;
pub use expiry::{parse_lifetime, Expiry};
pub use id::SessionId;
pub use map::{SessionMap, PERMANENT_KEY};
pub use rmpv::Value;
pub use settings::{FileNameHash, SameSite, SecretKey, SessionType, Settings, SettingsError};
pub use signer::Signer;
pub use store::{SessionStore, StoreError};
pub use error::{Error, SessionError};
pub use layer::{ResponseFuture, SessionLayer, SessionService};
pub use session::Session;

mod cookie;
mod error;
#[cfg(feature = "axum")]
mod extract;
mod layer;
mod session;

#[cfg(feature = "axum")]
pub use extract::MissingSessionLayer;

#[doc(hidden)]
pub mod __fuzz {
    pub use crate::fuzz_api::*;
}
mod fuzz_api;

#[cfg(feature = "macros")]
pub use session_macros::{session_config, SessionData};
