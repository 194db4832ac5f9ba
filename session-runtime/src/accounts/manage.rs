//! Listing and revoking a user's sessions, for [`Session`](crate::Session) (the current user)
//! and [`SessionLayer`](crate::SessionLayer) (any user).

use std::time::SystemTime;

use crate::expiry::is_expired;
use crate::meta;
use crate::store::{DynStore, IndexEntry, Loaded, Owner, StoreError};

use super::{Accounts, SessionEvent, UserSession, NO_USER_KEY};

/// Which of a user's sessions a revocation ends.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Which<'a> {
    /// The one with this handle.
    Handle(&'a str),
    /// Every one but the session under this key (the current one).
    AllBut(Option<&'a str>),
    /// Every one.
    All,
}

impl Accounts {
    /// `user`'s live sessions as the index names them; `current` is the asking request's key.
    pub(crate) async fn list(&self, store: &dyn DynStore, user: &str, current: Option<&str>) -> Result<Vec<UserSession>, StoreError> {
        let current = current.map(|key| store.entry_of(key));
        let live = self.live(store, user).await?;
        Ok(live
            .into_iter()
            .map(|(entry, loaded)| {
                let expires = loaded.expires_at.or(entry.expires_at);
                UserSession {
                    handle: self.handle_key.of(&entry.entry),
                    current: current.as_deref() == Some(entry.entry.as_str()),
                    created: meta::created_at(&loaded.data),
                    last_seen: expires.and_then(|at| at.checked_sub(self.lifetime)),
                    expires,
                }
            })
            .collect())
    }

    /// Deletes `user`'s sessions that `which` names; returns how many went. A handle of
    /// another user's session matches nothing: only sessions the index lists for `user` and
    /// that still name `user` are candidates.
    pub(crate) async fn revoke(&self, store: &dyn DynStore, user: &str, which: Which<'_>) -> Result<u64, StoreError> {
        let keep = match which {
            Which::AllBut(Some(key)) => Some(store.entry_of(key)),
            _ => None,
        };
        let index_key = self.index_key(user);
        let owner = self.owner(user, &index_key).ok_or(StoreError::Unavailable { reason: NO_USER_KEY })?;
        let mut revoked = 0;
        for (entry, _) in self.live(store, user).await? {
            let chosen = match which {
                Which::Handle(h) => self.handle_key.of(&entry.entry) == *h,
                Which::AllBut(_) => keep.as_deref() != Some(entry.entry.as_str()),
                Which::All => true,
            };
            if !chosen {
                continue;
            }
            store.delete_entry(&entry.entry).await?;
            store.unindex_user(&owner, &entry.entry).await?;
            revoked += 1;
            self.emit(|| SessionEvent::Destroyed { handle: self.handle_key.of(&entry.entry), user: Some(user.to_owned()) });
        }
        Ok(revoked)
    }

    /// The entries of `user`'s index whose session is there, live, and still `user`'s; the
    /// others are dropped from the index (an expired one is deleted, as a read would).
    async fn live(&self, store: &dyn DynStore, user: &str) -> Result<Vec<(IndexEntry, Loaded)>, StoreError> {
        let index_key = self.index_key(user);
        let owner = self.owner(user, &index_key).ok_or(StoreError::Unavailable { reason: NO_USER_KEY })?;
        let now = SystemTime::now();
        let mut live = Vec::new();
        for entry in store.user_entries(&owner).await? {
            match store.load_entry(&entry.entry).await {
                Ok(Some(loaded)) if is_expired(loaded.expires_at, now) => {
                    store.delete_entry(&entry.entry).await?;
                    drop_stale(store, &owner, &entry).await?;
                    let handle = self.handle_key.of(&entry.entry);
                    self.emit(|| SessionEvent::Expired { handle, user: Some(user.to_owned()) });
                }
                Ok(Some(loaded)) if self.owner_of(&loaded.data).as_deref() == Some(user) => live.push((entry, loaded)),
                // Gone, another user's now, or unreadable (a request would start afresh).
                Ok(_) | Err(StoreError::Decode(_)) => drop_stale(store, &owner, &entry).await?,
                Err(e) => return Err(e),
            }
        }
        Ok(live)
    }
}

async fn drop_stale(store: &dyn DynStore, owner: &Owner<'_>, entry: &IndexEntry) -> Result<(), StoreError> {
    tracing::debug!(user = owner.user, "dropping a stale entry of the user index");
    store.unindex_user(owner, &entry.entry).await
}
