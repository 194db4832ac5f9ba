//! What the lifecycle keeps about a session inside it, under the reserved key `"_session_meta"`:
//! a map whose integer `"created"` is the session's creation in Unix seconds.
//!
//! Minimal reader for the user index; the expiry work (issue 16) owns this file and writes it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::map::SessionMap;
use crate::Value;

/// The reserved key.
pub(crate) const META_KEY: &str = "_session_meta";

/// When the session was created, if it says.
pub(crate) fn created_at(data: &SessionMap) -> Option<SystemTime> {
    let Some(Value::Map(entries)) = data.get(META_KEY) else { return None };
    let created = entries.iter().find(|(k, _)| k.as_str() == Some("created"))?.1.as_u64()?;
    Some(UNIX_EPOCH + Duration::from_secs(created))
}
