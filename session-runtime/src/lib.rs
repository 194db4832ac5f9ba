//! Server-side HTTP sessions for tower and axum, configured at compile time and compatible with
//! Flask-Session's cookies and stores.
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

#[cfg(feature = "macros")]
pub use session_macros::{session_config, SessionData};

