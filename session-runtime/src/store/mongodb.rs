//! `session_type = "mongodb"`: MongoDB, in Flask-Session 0.8's layout.
//!
//! Layout (flask-format.md (f)): one document per session in `session_mongodb_db`.
//! `session_mongodb_collect`: `{id: prefix + sid, val: Binary(serialized map), expiration: Date}`,
//! a TTL index on `expiration` (expireAfterSeconds 0, so MongoDB deletes expired documents) and a
//! unique index on `id`. Saves are Flask-Session's own write, `update_one({id}, {$set: {id, val,
//! expiration}}, upsert)`, so a Flask app and this store update each other's documents. The
//! merge of `session_merge_on_save` writes the same `$set` without upsert, filtered on the `val`
//! it merged onto as well (`{id, val: <old bytes>, expiration > now}`): a single-document
//! update, atomic on the server, that matches nothing once anyone else has saved. (The `val`
//! filter carries a second form for nx-27017, which cannot match a Binary in a write; see
//! `val_is`.)
//!
//! Choices that keep it working on real MongoDB and on the wire-compatible stand-in `nx-27017`
//! the tests run against (see the services README):
//! * A read reports `expiration` as [`Loaded::expires_at`], read leniently (nx-27017 stores a
//!   `$set` of a date on an existing document back as a string), and the lifecycle decides
//!   whether it has passed: MongoDB's TTL monitor runs only once a minute. The writes that must
//!   not revive an expired document (a refresh, `touch`, the compare-and-set, `create` over an
//!   expired id) filter on `expiration` on the server instead, where both forms compare as dates.
//! * A new session is an upsert that only inserts (`$setOnInsert`), with `_id = id` as well:
//!   `_id` is unique on every server, while nx-27017 accepts but does not enforce the unique
//!   index on `id`. So `create` is collision-safe everywhere, against documents Flask wrote
//!   (ObjectId `_id`) too; a collision with an *expired* document takes that document over.
//! * No `replace_one`: nx-27017 fails to replace a document holding a Binary.
//!
//! With `session_user_key`, each document also holds its owner in a `user` field, with an
//! index (see [`MongoStore::index_users`]).
//!
//! Every operation is bounded by `session_store_timeout` (2 s by default), which is also the
//! driver's server-selection and connect timeout. The driver monitors the server and
//! reconnects by itself, so the store never needs a restart.

use std::time::{Duration, SystemTime};

use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{doc, Binary, Bson, DateTime, Document};
use mongodb::error::{ErrorKind, WriteFailure};
use mongodb::options::{ClientOptions, IndexOptions, ServerAddress};
use mongodb::{Client, Collection, IndexModel};

use crate::codec::{Codec, SerializationFormat};
use crate::expiry::Expiry;
use crate::map::SessionMap;
use crate::settings::DEFAULT_STORE_TIMEOUT;
use crate::store::{IndexEntry, Loaded, Owner, Revision, SessionStore, StoreError, StoreOptions, Touched};

#[path = "mongodb_index.rs"]
mod index;

const STORE: &str = "mongodb";

/// The largest `val` a session document holds: MongoDB refuses documents over 16 MiB, and 1 KiB
/// is left for `id`, `_id`, `expiration` and the field names. Checked before sending, so an
/// oversized session is a clear [`StoreError::TooLarge`] and the stored one stays intact.
pub const MAX_VALUE: usize = 16 * 1024 * 1024 - 1024;

/// MongoDB's duplicate-key error code.
const DUPLICATE_KEY: i32 = 11000;

/// The MongoDB session store; cheap to clone (the driver's client is shared).
#[derive(Debug, Clone)]
pub struct MongoStore {
    sessions: Collection<Document>,
    codec: Codec,
    timeout: Duration,
    /// `session_user_key`, when the owner is kept in the `user` field ([`index_users`](Self::index_users)).
    user_key: Option<String>,
}

impl MongoStore {
    /// Connects to `url` (`session_mongodb`) and opens `db`.`collection`
    /// (`session_mongodb_db`, `session_mongodb_collect`), creating the TTL index on `expiration`
    /// and the unique index on `id` if they are missing; every operation is bounded by the
    /// options' timeout. Fails within about that time when the URL is malformed or no server
    /// answers, so a misconfigured app stops at startup.
    pub async fn connect(url: &str, db: &str, collection: &str, store: StoreOptions) -> Result<Self, StoreError> {
        let timeout = store.timeout;
        let mut options = bounded(timeout, ClientOptions::parse(url)).await?;
        probe_any(&options.hosts, timeout).await?;
        // Under the store's bound, so that the driver's own report (which says why no server
        // could be used: refused, DNS, auth) arrives before the bound turns it into a timeout.
        options.server_selection_timeout = Some(timeout.mul_f32(0.75));
        options.connect_timeout = Some(timeout);
        // Notice a server that came back within a second rather than the default ten.
        options.heartbeat_freq = Some(Duration::from_secs(1));
        let client = Client::with_options(options).map_err(backend)?;
        let sessions = client.database(db).collection(collection);
        let store = MongoStore { sessions, codec: store.codec(), timeout, user_key: None };
        store.ensure_indexes().await?;
        Ok(store)
    }

    /// A store over an existing client, on `db`.`collection`. Call
    /// [`ensure_indexes`](Self::ensure_indexes) once if the indexes may be missing.
    pub fn from_client(client: &Client, db: &str, collection: &str, format: SerializationFormat) -> Self {
        let sessions = client.database(db).collection(collection);
        MongoStore { sessions, codec: Codec::new(format), timeout: DEFAULT_STORE_TIMEOUT, user_key: None }
    }

    /// Refuses sessions over `bytes` serialized, written or read, instead of
    /// [`DEFAULT_MAX_SESSION_SIZE`](crate::DEFAULT_MAX_SESSION_SIZE) (`session_max_size`).
    pub fn with_max_session_size(mut self, bytes: usize) -> Self {
        self.codec = self.codec.with_max_size(bytes);
        self
    }

    /// Bounds every operation by `timeout` instead of [`DEFAULT_STORE_TIMEOUT`].
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The collection the sessions live in.
    pub fn collection(&self) -> &Collection<Document> {
        &self.sessions
    }

    /// Creates the TTL index on `expiration` (as Flask-Session 0.8 does) and a unique index on
    /// `id`. An existing collection holding duplicate ids (Flask-Session makes no unique
    /// index) keeps working without the latter: collisions are still caught through `_id`.
    pub async fn ensure_indexes(&self) -> Result<(), StoreError> {
        let ttl = IndexModel::builder()
            .keys(doc! { "expiration": 1 })
            .options(IndexOptions::builder().expire_after(Duration::ZERO).build())
            .build();
        bounded(self.timeout, self.sessions.create_index(ttl)).await?;
        let unique = IndexModel::builder()
            .keys(doc! { "id": 1 })
            .options(IndexOptions::builder().unique(true).build())
            .build();
        if let Err(e) = bounded(self.timeout, self.sessions.create_index(unique)).await {
            match e {
                StoreError::Backend { .. } => {
                    tracing::warn!(error = %e, "mongodb session store: no unique index on `id`")
                }
                other => return Err(other),
            }
        }
        Ok(())
    }

    fn document(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<Document, StoreError> {
        let bytes = self.codec.encode(STORE, data)?;
        if bytes.len() > MAX_VALUE {
            return Err(StoreError::TooLarge { store: STORE, size: bytes.len(), limit: MAX_VALUE });
        }
        let val = Binary { subtype: BinarySubtype::Generic, bytes };
        let mut document = doc! { "id": key, "val": val, "expiration": date(expiry.at()) };
        self.add_owner(&mut document, data);
        Ok(document)
    }
}

fn date(t: SystemTime) -> DateTime {
    DateTime::from_system_time(t)
}

/// `{id: key, expiration: {$gt: now}}`: the live document under `key`, for the writes that must
/// not revive an expired one.
fn live(key: &str) -> Document {
    doc! { "id": key, "expiration": { "$gt": date(SystemTime::now()) } }
}

async fn bounded<T>(
    timeout: Duration,
    action: impl std::future::IntoFuture<Output = mongodb::error::Result<T>>,
) -> Result<T, StoreError> {
    // The driver's operations are builders that become futures when awaited.
    match tokio::time::timeout(timeout, action.into_future()).await {
        Err(_) => Err(StoreError::Timeout { store: STORE, after: timeout }),
        Ok(Err(e)) if matches!(*e.kind, ErrorKind::ServerSelection { .. }) => {
            // The driver gave up finding a server within server_selection_timeout: a timeout,
            // unless what it saw on the way says what went wrong (refused, DNS, auth, TLS).
            tracing::debug!(error = %e, "mongodb server selection failed");
            match super::failure::connection_failure(&e) {
                Some(_) => Err(backend(e)),
                None => Err(StoreError::Timeout { store: STORE, after: timeout }),
            }
        }
        Ok(Err(e)) => Err(backend(e)),
        Ok(Ok(v)) => Ok(v),
    }
}

/// `Ok` when one of `hosts` takes a TCP connection (a replica set needs only one to start);
/// otherwise the first host's error, at once.
async fn probe_any(hosts: &[ServerAddress], timeout: Duration) -> Result<(), StoreError> {
    let mut first_error = None;
    for host in hosts {
        let ServerAddress::Tcp { host, port } = host else { return Ok(()) };
        match super::failure::probe_tcp(STORE, host, port.unwrap_or(27017), timeout).await {
            Ok(()) => return Ok(()),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

fn backend(e: mongodb::error::Error) -> StoreError {
    StoreError::backend(STORE, e)
}

fn is_duplicate_key(e: &StoreError) -> bool {
    let StoreError::Backend { source, .. } = e else { return false };
    let Some(e) = source.downcast_ref::<mongodb::error::Error>() else { return false };
    match &*e.kind {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == DUPLICATE_KEY,
        ErrorKind::Command(c) => c.code == DUPLICATE_KEY,
        _ => false,
    }
}

/// `{val: <bytes>}`, for the filter of a write.
///
/// nx-27017 0.8.1, the wire-compatible server the tests run on, matches no Binary in a write's
/// filter (it compares the raw bytes with the JSON it keeps a Binary as,
/// `{__neosqlite_binary__: true, data: <base64>, subtype}`); the second branch matches that
/// form. On MongoDB `val` is BinData, which has no fields, so only the first branch can match:
/// the filter is exactly `val == bytes` there.
fn val_is(bytes: &[u8]) -> Document {
    use base64::Engine as _;
    let stand_in = base64::engine::general_purpose::STANDARD.encode(bytes);
    doc! { "$or": [
        { "val": Binary { subtype: BinarySubtype::Generic, bytes: bytes.to_vec() } },
        { "val.__neosqlite_binary__": true, "val.data": stand_in },
    ] }
}

/// The session in a document; a `val` that is not bytes is as unreadable as corrupt bytes.
async fn loaded(codec: &Codec, mut doc: Document, refresh: Option<&Expiry>) -> Result<Loaded, StoreError> {
    let bytes = match doc.remove("val") {
        Some(Bson::Binary(b)) => b.bytes,
        // A JSON session some other writer stored as a string.
        Some(Bson::String(s)) => s.into_bytes(),
        // Empty input never decodes: this yields the codec's own DecodeError.
        _ => Vec::new(),
    };
    let data = codec.decode_off_thread(bytes).await?;
    let expires_at = match refresh {
        Some(e) => Some(e.at()),
        // No readable date: a document the TTL index never removes and no filter on
        // `expiration` ever matched, so it counts as expired.
        None => Some(doc.get("expiration").and_then(lenient_time).unwrap_or(SystemTime::UNIX_EPOCH)),
    };
    Ok(Loaded { data, expires_at, refreshed: refresh.is_some() })
}

/// `expiration` as a moment: a BSON date, or the naive-UTC text `YYYY-MM-DD HH:MM:SS[.ffffff]`
/// nx-27017 stores after a `$set`. Anything else is `None`.
fn lenient_time(v: &Bson) -> Option<SystemTime> {
    match v {
        Bson::DateTime(d) => Some(d.to_system_time()),
        Bson::String(s) => parse_naive_utc(s),
        _ => None,
    }
}

fn parse_naive_utc(s: &str) -> Option<SystemTime> {
    let s = s.trim_end_matches('Z');
    let (date, clock) = s.split_once([' ', 'T'])?;
    let mut d = date.splitn(3, '-').map(str::parse::<u32>);
    let (y, mo, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let mut c = hms.splitn(3, ':').map(str::parse::<u8>);
    let (h, mi, sec) = (c.next()?.ok()?, c.next()?.ok()?, c.next()?.ok()?);
    // Fractional seconds to microseconds: "123" is 123000 us, digits past the sixth are dropped.
    let digits: String = frac.chars().chain(std::iter::repeat('0')).take(6).collect();
    let micros: u32 = if frac.is_empty() { 0 } else { digits.parse().ok()? };
    let date = time::Date::from_calendar_date(i32::try_from(y).ok()?, u8::try_from(mo).ok()?.try_into().ok()?, u8::try_from(day).ok()?).ok()?;
    let clock = time::Time::from_hms_micro(h, mi, sec, micros).ok()?;
    Some(time::PrimitiveDateTime::new(date, clock).assume_utc().into())
}

impl SessionStore for MongoStore {
    /// With `refresh`, one round trip reads a live document and moves its expiry; when that
    /// finds none, a plain read reports the missing or expired document as it is.
    async fn load(&self, key: &str, refresh: Option<&Expiry>) -> Result<Option<Loaded>, StoreError> {
        if let Some(e) = refresh {
            let set = doc! { "$set": { "expiration": date(e.at()) } };
            if let Some(d) = bounded(self.timeout, self.sessions.find_one_and_update(live(key), set)).await? {
                return Ok(Some(loaded(&self.codec, d, refresh).await?));
            }
        }
        match bounded(self.timeout, self.sessions.find_one(doc! { "id": key })).await? {
            Some(d) => Ok(Some(loaded(&self.codec, d, None).await?)),
            None => Ok(None),
        }
    }

    /// `update_one` `$set` without upsert: rewrites the document only while it is there.
    async fn save(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        let set = doc! { "$set": self.document(key, data, expiry)? };
        let r = bounded(self.timeout, self.sessions.update_one(doc! { "id": key }, set)).await?;
        Ok(r.matched_count == 1)
    }

    async fn create(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        let document = self.document(key, data, expiry)?;
        // Insert only when no document has this id. `_id = id` makes a racing second insert fail
        // on `_id`, which every server enforces (nx-27017 ignores the unique index on `id`, and
        // documents Flask wrote have ObjectId `_id`s, so an `insert_one` alone would duplicate).
        let mut on_insert = document.clone();
        on_insert.insert("_id", key);
        let insert = self.sessions.update_one(doc! { "id": key }, doc! { "$setOnInsert": on_insert }).upsert(true);
        match bounded(self.timeout, insert).await {
            Ok(r) if r.upserted_id.is_some() => return Ok(true),
            Ok(_) => {}
            Err(e) if is_duplicate_key(&e) => {}
            Err(e) => return Err(e),
        }
        // Taken, but perhaps only by an expired document the TTL monitor has not removed yet:
        // that one may be taken over, atomically; a live one may not.
        let expired = doc! { "id": key, "expiration": { "$lte": date(SystemTime::now()) } };
        let r = bounded(self.timeout, self.sessions.update_one(expired, doc! { "$set": document })).await?;
        Ok(r.matched_count == 1)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        bounded(self.timeout, self.sessions.delete_many(doc! { "id": key })).await.map(drop)
    }

    async fn touch(&self, key: &str, expiry: &Expiry) -> Result<Touched, StoreError> {
        let set = doc! { "$set": { "expiration": date(expiry.at()) } };
        let r = bounded(self.timeout, self.sessions.update_one(live(key), set)).await?;
        Ok(if r.matched_count == 1 { Touched::Refreshed } else { Touched::Missing })
    }

    async fn delete_expired(&self) -> Result<u64, StoreError> {
        let expired = doc! { "expiration": { "$lte": date(SystemTime::now()) } };
        Ok(bounded(self.timeout, self.sessions.delete_many(expired)).await?.deleted_count)
    }

    /// The document; the revision is its `val` bytes. A `val` some other writer stored as a
    /// string cannot be matched as bytes: that revision is [`Revision::unsupported`] (the
    /// lifecycle's plain save, which stores bytes from then on).
    async fn load_for_update(&self, key: &str) -> Result<Option<(Loaded, Revision)>, StoreError> {
        let Some(found) = bounded(self.timeout, self.sessions.find_one(doc! { "id": key })).await? else {
            return Ok(None);
        };
        let revision = match found.get("val") {
            Some(Bson::Binary(b)) => Revision::from_bytes(b.bytes.clone()),
            _ => Revision::unsupported(),
        };
        let loaded = loaded(&self.codec, found, None).await?;
        Ok(Some((loaded, revision)))
    }

    async fn save_if_unchanged(
        &self,
        key: &str,
        revision: &Revision,
        data: &SessionMap,
        expiry: &Expiry,
    ) -> Result<bool, StoreError> {
        let old = revision.expected_bytes(STORE)?;
        // `$and` spells out the grouping: nx-27017 drops the parentheses around a top-level
        // `$or` next to other fields, which would match any document holding the old bytes.
        let unchanged = doc! { "$and": [
            { "id": key },
            { "expiration": { "$gt": date(SystemTime::now()) } },
            val_is(old),
        ] };
        let set = doc! { "$set": self.document(key, data, expiry)? };
        let r = bounded(self.timeout, self.sessions.update_one(unchanged, set)).await?;
        Ok(r.matched_count == 1)
    }

    fn indexes_users(&self) -> bool {
        self.user_key.is_some()
    }

    async fn unindex_user(&self, owner: &Owner<'_>, entry: &str) -> Result<(), StoreError> {
        self.disown(owner, entry).await
    }

    async fn user_entries(&self, owner: &Owner<'_>) -> Result<Vec<IndexEntry>, StoreError> {
        self.owned_documents(owner).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nx_date_strings_as_utc() {
        let t = parse_naive_utc("2026-11-25 18:09:40.123000").unwrap();
        let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap();
        assert_eq!(secs.as_millis(), 1_795_630_180_123);
        assert!(parse_naive_utc("2026-11-25T18:09:40").is_some());
        assert!(parse_naive_utc("tomorrow").is_none());
    }
}
