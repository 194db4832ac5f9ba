//! The MongoDB user index: the owner in a `user` field of the session's document, written by
//! the same `update_one` as the session (no extra round trip), with an index on it. A Flask
//! app's `$set` of `id`, `val` and `expiration` leaves the field alone.

use std::time::SystemTime;

use mongodb::bson::{doc, Bson, Document};
use mongodb::IndexModel;

use super::{bounded, date, lenient_time, MongoStore};
use crate::map::SessionMap;
use crate::store::index::owner_value;
use crate::store::{IndexEntry, Owner, StoreError};

/// The field that holds a session's owner.
pub(super) const USER_FIELD: &str = "user";

impl MongoStore {
    /// Keeps each session's owner, the value of `user_key` (`session_user_key`, e.g.
    /// `"_user_id"`), in the documents' `user` field, and creates the index on it, so a user's
    /// sessions can be listed and revoked. [`connect`](Self::connect) does not: the layer's
    /// settings call this when `session_user_key` is set.
    pub async fn index_users(mut self, user_key: &str) -> Result<Self, StoreError> {
        let index = IndexModel::builder().keys(doc! { USER_FIELD: 1 }).build();
        bounded(self.timeout, self.sessions.create_index(index)).await?;
        self.user_key = Some(user_key.to_owned());
        Ok(self)
    }

    /// `document`'s `user` field for `data`: the owner, or null (so a logout clears it).
    pub(super) fn add_owner(&self, document: &mut Document, data: &SessionMap) {
        if let Some(user_key) = &self.user_key {
            let owner = data.get(user_key).and_then(owner_value);
            document.insert(USER_FIELD, owner.map_or(Bson::Null, Bson::String));
        }
    }

    pub(super) async fn owned_documents(&self, owner: &Owner<'_>) -> Result<Vec<IndexEntry>, StoreError> {
        let filter = doc! { USER_FIELD: owner.user, "expiration": { "$gt": date(SystemTime::now()) } };
        let find = self.sessions.find(filter).projection(doc! { "id": 1, "expiration": 1 });
        let mut cursor = bounded(self.timeout, find).await?;
        let mut found = Vec::new();
        while bounded(self.timeout, cursor.advance()).await? {
            let Ok(document) = cursor.deserialize_current() else { continue };
            let Ok(id) = document.get_str("id") else { continue };
            found.push(IndexEntry { entry: id.to_owned(), expires_at: document.get("expiration").and_then(lenient_time) });
        }
        Ok(found)
    }

    /// Clears the `user` field of a stale entry (the session says another owner now).
    pub(super) async fn disown(&self, owner: &Owner<'_>, entry: &str) -> Result<(), StoreError> {
        let stale = doc! { "id": entry, USER_FIELD: owner.user };
        bounded(self.timeout, self.sessions.update_one(stale, doc! { "$unset": { USER_FIELD: "" } })).await.map(drop)
    }
}
