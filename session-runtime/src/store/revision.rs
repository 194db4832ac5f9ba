//! [`Revision`]: what a read for update saw, for the compare-and-set of `session_merge_on_save`.

use std::fmt;

use super::StoreError;

/// What [`SessionStore::load_for_update`](super::SessionStore::load_for_update) read, for [`SessionStore::save_if_unchanged`](super::SessionStore::save_if_unchanged) to
/// compare against: the merge of `session_merge_on_save` writes only if the entry is still
/// exactly what it merged onto.
///
/// Opaque to the lifecycle and meaningful only to the store that made it. A store builds it from
/// the raw bytes it read ([`Revision::from_bytes`], compared on the server in the conditional
/// write) or from a version token its server hands out ([`Revision::from_token`], e.g.
/// memcached's CAS value). [`Revision::unsupported`] says "this store cannot compare": the
/// lifecycle then writes with a plain [`save`](super::SessionStore::save), which leaves the
/// window of one round trip between the read and the write open.
///
/// `Debug` shows the kind and size, never the bytes: they are a user's session.
#[derive(Clone, PartialEq, Eq)]
pub struct Revision(RevisionRepr);

#[derive(Clone, PartialEq, Eq)]
enum RevisionRepr {
    Unsupported,
    Bytes(Vec<u8>),
    Token(u64),
}

impl Revision {
    /// "This store cannot compare": what the default [`SessionStore::load_for_update`](super::SessionStore::load_for_update) returns.
    pub const fn unsupported() -> Self {
        Revision(RevisionRepr::Unsupported)
    }

    /// The entry's raw stored bytes, as read.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Revision(RevisionRepr::Bytes(bytes))
    }

    /// A version token the server gives out and checks on write (memcached's CAS unique).
    pub const fn from_token(token: u64) -> Self {
        Revision(RevisionRepr::Token(token))
    }

    /// The raw bytes, for a revision made by [`from_bytes`](Self::from_bytes).
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match &self.0 {
            RevisionRepr::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The token, for a revision made by [`from_token`](Self::from_token).
    pub fn token(&self) -> Option<u64> {
        match self.0 {
            RevisionRepr::Token(t) => Some(t),
            _ => None,
        }
    }

    /// True for [`unsupported`](Self::unsupported): nothing to compare, so the lifecycle writes
    /// such a read back with a plain save.
    pub fn is_unsupported(&self) -> bool {
        matches!(self.0, RevisionRepr::Unsupported)
    }
    /// For a store that compares bytes: what to compare against; an error for any other
    /// revision (the lifecycle never sends [`unsupported`](Self::unsupported) to a conditional
    /// write, so that one is a caller's bug too).
    pub(crate) fn expected_bytes(&self, store: &'static str) -> Result<&[u8], StoreError> {
        self.as_bytes().ok_or_else(|| foreign_revision(store, self))
    }

    /// For a store that compares tokens: as [`expected_bytes`](Self::expected_bytes).
    #[cfg(feature = "memcached")]
    pub(crate) fn expected_token(&self, store: &'static str) -> Result<u64, StoreError> {
        self.token().ok_or_else(|| foreign_revision(store, self))
    }
}

impl fmt::Debug for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            RevisionRepr::Unsupported => f.write_str("Revision::Unsupported"),
            RevisionRepr::Bytes(b) => write!(f, "Revision::Bytes({} bytes)", b.len()),
            RevisionRepr::Token(t) => write!(f, "Revision::Token({t})"),
        }
    }
}

/// The error of a store handed a [`Revision`] it did not make, or [`Revision::unsupported`], in
/// a conditional write (a bug in the caller).
pub(crate) fn foreign_revision(store: &'static str, revision: &Revision) -> StoreError {
    StoreError::backend(store, format!("{revision:?} was not made by this store's load_for_update"))
}
