//! `session_type = "null"`: no store. Reads see an empty session; writes are errors.

use crate::expiry::Expiry;
use crate::map::SessionMap;
use crate::store::{Loaded, SessionStore, StoreError};

pub(crate) const NULL_WRITE: &str =
    "sessions are unavailable because session_type is \"null\"; set session_type to a store such as \"filesystem\" or \"redis\"";

/// The store of `session_type = "null"`, as Flask's `NullSession`: every read sees an empty
/// session and every write fails with [`StoreError::Unavailable`].
#[derive(Debug, Clone, Copy, Default)]
pub struct NullStore;

impl SessionStore for NullStore {
    async fn load(&self, _key: &str, _refresh: Option<&Expiry>) -> Result<Option<Loaded>, StoreError> {
        Ok(None)
    }

    async fn save(&self, _key: &str, _data: &SessionMap, _expiry: &Expiry) -> Result<bool, StoreError> {
        Err(StoreError::Unavailable { reason: NULL_WRITE })
    }

    async fn create(&self, _key: &str, _data: &SessionMap, _expiry: &Expiry) -> Result<bool, StoreError> {
        Err(StoreError::Unavailable { reason: NULL_WRITE })
    }

    async fn delete(&self, _key: &str) -> Result<(), StoreError> {
        Ok(())
    }

    fn accepts_writes(&self) -> bool {
        false
    }
}
