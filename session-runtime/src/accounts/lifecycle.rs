//! What the session lifecycle tells the user index and the event stream: called from
//! `session.rs` at the two points where a request's session settles (saved, or gone) and where
//! a read finds it expired.

use crate::expiry::Expiry;
use crate::map::SessionMap;
use crate::store::{DynStore, Owner, StoreError, SweptEntry};

use super::{Accounts, SessionEvent};

/// How a request left its session, once its writes went through.
#[derive(Debug)]
pub(crate) struct Transition<'a> {
    /// The owner as the session was loaded (`None`: anonymous, or not loaded from the store).
    pub(crate) owner_before: Option<&'a str>,
    /// Keys deleted because the id was rotated (regenerate, renewal), oldest first.
    pub(crate) retired: &'a [String],
    /// The key of the entry a renewal moved the session from (kept for its grace, still indexed).
    pub(crate) renewed_from: Option<&'a str>,
    /// Where the session is now.
    pub(crate) now: Now<'a>,
}

#[derive(Debug)]
pub(crate) enum Now<'a> {
    /// Written or refreshed under `key`, holding `data`, until `expiry`; `created` when this
    /// request created the entry.
    Stored { key: &'a str, data: &'a SessionMap, expiry: &'a Expiry, created: bool },
    /// Deleted (destroyed or emptied); `key` is the entry that went, if it had one.
    Gone { key: Option<&'a str> },
}

impl Accounts {
    pub(super) fn owner<'a>(&'a self, user: &'a str, index_key: &'a str) -> Option<Owner<'a>> {
        Some(Owner { user_key: self.user_key.as_deref()?, user, index_key })
    }

    /// Updates the index and sends the events for `t`. Only an owned session (before or after)
    /// costs the store anything.
    pub(crate) async fn settled(&self, store: &dyn DynStore, t: Transition<'_>) -> Result<(), StoreError> {
        let before_index = t.owner_before.map(|u| self.index_key(u));
        let before = t.owner_before.zip(before_index.as_deref()).and_then(|(u, k)| self.owner(u, k));
        if let Some(owner) = &before {
            for old in t.retired {
                store.unindex_user(owner, &store.entry_of(old)).await?;
            }
        }
        match t.now {
            Now::Stored { key, data, expiry, created } => {
                let after = self.owner_of(data);
                let after_index = after.as_deref().map(|u| self.index_key(u));
                if let (Some(owner), true) = (&before, t.owner_before != after.as_deref()) {
                    store.unindex_user(owner, &store.entry_of(key)).await?;
                }
                if let Some(owner) = after.as_deref().zip(after_index.as_deref()).and_then(|(u, k)| self.owner(u, k)) {
                    store.index_user(&owner, key, expiry).await?;
                }
                let handle = || self.handle_key.of(&store.entry_of(key));
                match (created, t.renewed_from.or(t.retired.last().map(String::as_str))) {
                    (true, Some(old)) => self.emit(|| SessionEvent::Regenerated {
                        previous: self.handle_key.of(&store.entry_of(old)),
                        handle: handle(),
                        user: after.clone(),
                    }),
                    (true, None) => self.emit(|| SessionEvent::Created { handle: handle(), user: after.clone() }),
                    (false, _) => {}
                }
                let fresh = created && t.retired.is_empty() && t.renewed_from.is_none();
                if !fresh && t.owner_before != after.as_deref() {
                    let from = t.owner_before.map(str::to_owned);
                    self.emit(|| SessionEvent::UserChanged { handle: handle(), from, to: after.clone() });
                }
            }
            Now::Gone { key } => {
                if let (Some(owner), Some(key)) = (&before, key) {
                    store.unindex_user(owner, &store.entry_of(key)).await?;
                }
                if let Some(gone) = key.or(t.retired.last().map(String::as_str)) {
                    self.emit(|| SessionEvent::Destroyed {
                        handle: self.handle_key.of(&store.entry_of(gone)),
                        user: t.owner_before.map(str::to_owned),
                    });
                }
            }
        }
        Ok(())
    }

    /// A read found the entry under `key` expired (the lifecycle deletes it).
    pub(crate) async fn expired(&self, store: &dyn DynStore, key: &str, data: &SessionMap) -> Result<(), StoreError> {
        let user = self.owner_of(data);
        let entry = store.entry_of(key);
        if let Some(user) = &user {
            let index_key = self.index_key(user);
            if let Some(owner) = self.owner(user, &index_key) {
                store.unindex_user(&owner, &entry).await?;
            }
        }
        self.emit(|| SessionEvent::Expired { handle: self.handle_key.of(&entry), user });
        Ok(())
    }

    /// Deletes every expired session now. While someone listens, the store names what it
    /// deleted and each gets an `Expired` event; otherwise this is the store's plain count.
    pub(crate) async fn sweep(&self, store: &dyn DynStore) -> Result<u64, StoreError> {
        if !self.listened() {
            return store.delete_expired().await;
        }
        let (deleted, swept) = store.delete_expired_entries(self.user_key.as_deref()).await?;
        for SweptEntry { entry, user } in swept {
            self.emit(|| SessionEvent::Expired { handle: self.handle_key.of(&entry), user });
        }
        Ok(deleted)
    }

    /// The handle of the entry under `key`.
    pub(crate) fn handle_of(&self, store: &dyn DynStore, key: &str) -> super::SessionHandle {
        self.handle_key.of(&store.entry_of(key))
    }
}
