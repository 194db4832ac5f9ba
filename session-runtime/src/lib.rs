//! Server-side HTTP sessions for tower and axum, configured at compile time and compatible with
//! Flask-Session's cookies and stores.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

pub mod codec;
mod expiry;
mod id;
mod map;
mod settings;
mod signer;
pub mod store;

pub use codec::SerializationFormat;
pub use expiry::{parse_lifetime, Expiry};
pub use id::SessionId;
pub use map::{SessionMap, PERMANENT_KEY};
pub use rmpv::Value;
pub use settings::{FileNameHash, SameSite, SecretKey, SessionType, Settings, SettingsError};
pub use signer::Signer;
pub use store::{SessionStore, StoreError};

#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))))]
pub use store::sql::{SessionModel, SqlStore};
/// Makes a struct the SQL store's row model (see [`SessionModel`]).
#[cfg(all(feature = "macros", any(feature = "postgres", feature = "sqlite", feature = "mysql")))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "macros", any(feature = "postgres", feature = "sqlite", feature = "mysql")))))]
pub use session_macros::session_model;
