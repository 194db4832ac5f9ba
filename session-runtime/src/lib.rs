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
