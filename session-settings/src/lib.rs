//! The settings of session-runtime as data, in one place that both `#[session_config]` (at
//! compile time, on literals) and `Settings` (at run time, on values) read, as serde_derive
//! shares `serde_derive_internals`: each setting's name, kind, default, backends and docs
//! ([`SETTINGS`], built from [`for_each_setting!`]), the choice enums, the one duration grammar
//! ([`parse_duration`]) and every rule ([`validate`]).
//!
//! Not meant to be used directly: session-runtime re-exports what users need.

mod duration;
mod enums;
mod rules;
mod table;
mod value;

pub use duration::{format_duration, parse_duration};
pub use enums::{FileNameHash, SameSite, SerializationFormat, SessionType};
pub use rules::{validate, Refusal, ID_LENGTH_RANGE, MIN_MAX_SIZE};
pub use table::{setting, Applies, AttributeKey, Kind, Setting, ATTRIBUTE_ONLY, DEFAULT_MAX_SESSION_SIZE, DEFAULT_STORE_TIMEOUT, SETTINGS};
pub use value::{Lookup, Value};
