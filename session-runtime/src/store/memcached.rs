//! `session_type = "memcached"`: memcached, one server or several, in Flask-Session 0.8's layout.
//!
//! Layout (flask-format.md (g)): key `prefix + sid`, value the serialized map stored raw with
//! flags 0 (as pymemcache, pylibmc and python-memcached store bytes), expiry in seconds when the
//! TTL is at most 30 days, else as an absolute Unix time (memcached reads any expiry over
//! 2,592,000 as one). A refresh is `touch`; a new session is `add`, which never overwrites. The
//! merge of `session_merge_on_save` reads with the item's CAS unique and writes with `cas`, which
//! the server refuses once anyone else has written (or deleted) the item.
//!
//! Client: the `memcache` crate (blocking, r2d2-pooled) run on tokio's blocking pool with
//! `spawn_blocking`. Chosen over an async client because it handles several servers, pools and
//! reconnects (each checked-out connection is validated, a dead one is replaced), and speaks the
//! binary protocol, whose `add` reports a collision as an error (the crate's ASCII `add` cannot
//! tell a collision from success). Every operation is bounded by `session_store_timeout` (2 s by
//! default): it is the socket read/write timeout, the pool's wait for a connection, and an outer
//! bound on the whole operation.
//!
//! Several servers: keys are spread as python-memcached does by default (`crc32(key) >> 16 &
//! 0x7fff`, modulo the server count, servers in the given order), so a Flask app on
//! python-memcached with the same server list finds the same sessions. The crate's own default
//! hash is Rust's `DefaultHasher`, which is not stable across Rust releases.
//!
//! Sizes: memcached refuses items over its `item_size_max` (1 MiB by default) and, on a refused
//! `set`, drops the item that was there. So the limit is read from each server at connect time
//! (`stats settings`) and a session over it is refused before sending, as
//! [`StoreError::TooLarge`], leaving the stored session intact.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use memcache::{Client, CommandError, MemcacheError};

use crate::codec::{Codec, SerializationFormat};
use crate::expiry::Expiry;
use crate::map::SessionMap;
use crate::settings::DEFAULT_STORE_TIMEOUT;
use crate::store::{Loaded, Revision, SessionStore, StoreError, StoreOptions, Touched};

const STORE: &str = "memcached";

/// memcached's default `item_size_max` (`-I 1m`), used when a server does not report its own.
pub const DEFAULT_ITEM_LIMIT: usize = 1024 * 1024;

/// Bytes memcached adds to key and value in an item (header, CAS, CRLF), rounded up.
const ITEM_OVERHEAD: usize = 96;

/// Longest relative expiry memcached accepts; anything larger is read as a Unix time.
const MAX_RELATIVE_TTL: u64 = 2_592_000;

/// Connections kept per server; blocking calls wait for one, so this is the per-server concurrency.
const POOL_SIZE: u32 = 16;

/// The memcached session store; cheap to clone.
#[derive(Clone)]
pub struct MemcachedStore {
    client: Client,
    codec: Codec,
    timeout: Duration,
    item_limit: usize,
}

impl std::fmt::Debug for MemcachedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemcachedStore")
            .field("codec", &self.codec)
            .field("timeout", &self.timeout)
            .field("item_limit", &self.item_limit)
            .finish_non_exhaustive()
    }
}

impl MemcachedStore {
    /// Connects to the comma-separated `servers` (`session_memcached`: `memcache://host:port`,
    /// or bare `host:port`), every operation bounded by the options' timeout. Fails within about
    /// that time when a URL is malformed or a server does not answer, so a misconfigured app
    /// stops at startup.
    pub async fn connect(servers: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let timeout = options.timeout;
        let urls = server_urls(servers, timeout)?;
        for url in &urls {
            if let Some((host, port)) = tcp_address(url) {
                super::failure::probe_tcp(STORE, host, port, timeout).await?;
            }
        }
        let codec = options.codec();
        let build = move || -> Result<(Client, usize), StoreError> {
            let client = Client::builder()
                .add_server(urls.clone())
                .and_then(|b| {
                    b.with_max_pool_size(POOL_SIZE)
                        // One connection per server up front proves the server is there; the
                        // rest are opened on demand.
                        .with_min_idle_conns(1)
                        .with_connection_timeout(timeout)
                        .with_hash_function(python_memcached_hash)
                        .build()
                })
                .map_err(backend)?;
            let limit = urls.iter().map(|u| item_size_max(u, timeout)).min().unwrap_or(DEFAULT_ITEM_LIMIT);
            Ok((client, limit))
        };
        let (client, item_limit) = blocking(timeout * 2, build).await??;
        Ok(MemcachedStore { client, codec, timeout, item_limit })
    }

    /// A store over an existing client (its pools, timeouts and hash function are kept; the
    /// store adds its own bound, [`DEFAULT_STORE_TIMEOUT`], and assumes [`DEFAULT_ITEM_LIMIT`]).
    /// The client must speak the binary protocol, or `create` cannot see collisions.
    pub fn from_client(client: Client, format: SerializationFormat) -> Self {
        MemcachedStore { client, codec: Codec::new(format), timeout: DEFAULT_STORE_TIMEOUT, item_limit: DEFAULT_ITEM_LIMIT }
    }

    /// Bounds every operation by `timeout` instead of [`DEFAULT_STORE_TIMEOUT`].
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Refuses sessions over `bytes` serialized, written or read, instead of
    /// [`DEFAULT_MAX_SESSION_SIZE`](crate::DEFAULT_MAX_SESSION_SIZE) (`session_max_size`).
    pub fn with_max_session_size(mut self, bytes: usize) -> Self {
        self.codec = self.codec.with_max_size(bytes);
        self
    }

    /// Sets the item size limit sessions are checked against (memcached's `-I`).
    pub fn with_item_limit(mut self, bytes: usize) -> Self {
        self.item_limit = bytes;
        self
    }

    /// The item size limit in force, as read from the servers (the smallest) or set.
    pub fn item_limit(&self) -> usize {
        self.item_limit
    }

    /// Runs a blocking client call on tokio's blocking pool, bounded by the store's timeout.
    async fn call<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Client) -> Result<T, MemcacheError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let client = self.client.clone();
        blocking(self.timeout, move || op(&client)).await?.map_err(backend)
    }

    /// The serialized session, refused before sending when memcached would refuse it.
    fn encode(&self, key: &str, data: &SessionMap) -> Result<Vec<u8>, StoreError> {
        let bytes = self.codec.encode(STORE, data)?;
        let limit = self.item_limit.saturating_sub(ITEM_OVERHEAD + key.len());
        if bytes.len() > limit {
            return Err(StoreError::TooLarge { store: STORE, size: bytes.len(), limit });
        }
        Ok(bytes)
    }
}

/// memcached's expiry for `e`: relative seconds up to 30 days, else the absolute Unix time.
pub(crate) fn expiration(e: &Expiry) -> u32 {
    let secs = if e.ttl_secs() > MAX_RELATIVE_TTL { e.unix_secs() } else { e.ttl_secs() };
    u32::try_from(secs).unwrap_or(u32::MAX)
}

/// Runs `f` on the blocking pool; a panic there or an overrun becomes an error, not a panic here.
async fn blocking<T: Send + 'static>(
    timeout: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StoreError> {
    match tokio::time::timeout(timeout, tokio::task::spawn_blocking(f)).await {
        Err(_) => Err(StoreError::Timeout { store: STORE, after: timeout }),
        Ok(Err(join)) => Err(StoreError::backend(STORE, join)),
        Ok(Ok(v)) => Ok(v),
    }
}

fn backend(e: MemcacheError) -> StoreError {
    StoreError::backend(STORE, e)
}

/// The servers as `memcache://` URLs with the socket timeout set, binary protocol.
fn server_urls(list: &str, timeout: Duration) -> Result<Vec<String>, StoreError> {
    let urls: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|u| if u.contains("://") { u.to_owned() } else { format!("memcache://{u}") })
        .map(|u| {
            if u.contains("protocol=ascii") {
                return Err(StoreError::backend(
                    STORE,
                    format!("{u}: the session store needs memcached's binary protocol; remove protocol=ascii"),
                ));
            }
            if u.contains("timeout=") {
                return Ok(u);
            }
            let sep = if u.contains('?') { '&' } else { '?' };
            Ok(format!("{u}{sep}timeout={}", timeout.as_secs_f64()))
        })
        .collect::<Result<_, _>>()?;
    if urls.is_empty() {
        return Err(StoreError::backend(STORE, "the memcached servers (session_memcached) are none; give memcache://host:port"));
    }
    Ok(urls)
}

/// The host and port of a `memcache://host:port?…` URL (not of UDP or Unix socket ones).
fn tcp_address(url: &str) -> Option<(&str, u16)> {
    let rest = url.strip_prefix("memcache://")?;
    let authority = rest.split(['?', '/']).next()?;
    let (host, port) = authority.rsplit_once(':')?;
    Some((host.trim_start_matches('[').trim_end_matches(']'), port.parse().ok()?))
}

/// python-memcached's default key hash (`cmemcache_hash`); the client takes it modulo the
/// server count, as python-memcached does with equal weights.
fn python_memcached_hash(key: &str) -> u64 {
    u64::from((crc32(key.as_bytes()) >> 16) & 0x7fff)
}

/// CRC-32 (IEEE, as Python's `binascii.crc32`), bitwise: keys are short.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A server's `item_size_max` from `stats settings` (ASCII, any server answers it whatever
/// protocol the client speaks); [`DEFAULT_ITEM_LIMIT`] when it cannot be read (UDP, unix
/// socket, TLS, an old server).
fn item_size_max(url: &str, timeout: Duration) -> usize {
    let read = || -> Option<usize> {
        let rest = url.strip_prefix("memcache://").or_else(|| url.strip_prefix("memcache+tcp://"))?;
        let authority = rest.split(['/', '?']).next()?;
        let host_port = authority.rsplit('@').next()?;
        let addr = host_port.to_socket_addrs().ok()?.next()?;
        let mut stream = TcpStream::connect_timeout(&addr, timeout).ok()?;
        stream.set_read_timeout(Some(timeout)).ok()?;
        stream.set_write_timeout(Some(timeout)).ok()?;
        stream.write_all(b"stats settings\r\n").ok()?;
        let mut limit = None;
        for line in BufReader::new(stream).lines() {
            let line = line.ok()?;
            if line == "END" || line.starts_with("ERROR") {
                break;
            }
            if let Some(v) = line.strip_prefix("STAT item_size_max ") {
                limit = v.trim().parse().ok();
            }
        }
        limit
    };
    read().unwrap_or(DEFAULT_ITEM_LIMIT)
}

impl SessionStore for MemcachedStore {
    async fn load(&self, key: &str, refresh: Option<&Expiry>) -> Result<Option<Loaded>, StoreError> {
        let k = key.to_owned();
        let exp = refresh.map(expiration);
        // The crate has no get-and-touch; both commands run in one blocking call instead.
        let (got, refreshed) = self
            .call(move |c| {
                let got: Option<Vec<u8>> = c.get(&k)?;
                let refreshed = match (exp, &got) {
                    (Some(exp), Some(_)) => c.touch(&k, exp)?,
                    _ => false,
                };
                Ok((got, refreshed))
            })
            .await?;
        match got {
            None => Ok(None),
            Some(bytes) => Ok(Some(Loaded {
                data: self.codec.decode_off_thread(bytes).await?,
                expires_at: refresh.filter(|_| refreshed).map(Expiry::at),
                refreshed,
            })),
        }
    }

    /// `replace`: stores only over an item that is still there.
    async fn save(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        let bytes = self.encode(key, data)?;
        let (k, exp) = (key.to_owned(), expiration(expiry));
        self.call(move |c| match c.replace(&k, bytes.as_slice(), exp) {
            Ok(()) => Ok(true),
            // The binary protocol reports a replace of a missing item as "not found".
            Err(MemcacheError::CommandError(CommandError::KeyNotFound)) => Ok(false),
            Err(e) => Err(e),
        })
        .await
    }

    async fn create(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        let bytes = self.encode(key, data)?;
        let (k, exp) = (key.to_owned(), expiration(expiry));
        self.call(move |c| match c.add(&k, bytes.as_slice(), exp) {
            Ok(()) => Ok(true),
            Err(MemcacheError::CommandError(CommandError::KeyExists)) => Ok(false),
            Err(e) => Err(e),
        })
        .await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let k = key.to_owned();
        // `Ok(false)` is a missing key, which is fine.
        self.call(move |c| c.delete(&k).map(drop)).await
    }

    async fn touch(&self, key: &str, expiry: &Expiry) -> Result<Touched, StoreError> {
        let (k, exp) = (key.to_owned(), expiration(expiry));
        let found = self.call(move |c| c.touch(&k, exp)).await?;
        Ok(if found { Touched::Refreshed } else { Touched::Missing })
    }

    /// `get` with the item's CAS unique as the revision. A server started with `-C` (CAS off)
    /// reports 0, which a binary `set` reads as "no check": that revision is
    /// [`Revision::unsupported`] instead, and the lifecycle writes with a plain save (`replace`).
    async fn load_for_update(&self, key: &str) -> Result<Option<(Loaded, Revision)>, StoreError> {
        let k = key.to_owned();
        let got: Option<(Vec<u8>, u32, Option<u64>)> = self.call(move |c| c.get(&k)).await?;
        let Some((bytes, _flags, cas)) = got else { return Ok(None) };
        let revision = match cas {
            Some(token) if token != 0 => Revision::from_token(token),
            _ => Revision::unsupported(),
        };
        let data = self.codec.decode_off_thread(bytes).await?;
        Ok(Some((Loaded { data, expires_at: None, refreshed: false }, revision)))
    }

    /// `cas`: the server writes only while the item's CAS unique is the revision's; a changed,
    /// deleted or expired item is a refusal, `Ok(false)`.
    async fn save_if_unchanged(
        &self,
        key: &str,
        revision: &Revision,
        data: &SessionMap,
        expiry: &Expiry,
    ) -> Result<bool, StoreError> {
        let token = revision.expected_token(STORE)?;
        let bytes = self.encode(key, data)?;
        let (k, exp) = (key.to_owned(), expiration(expiry));
        self.call(move |c| c.cas(&k, bytes.as_slice(), exp, token)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_over_30_days_is_absolute() {
        let e = Expiry::after(Duration::from_secs(MAX_RELATIVE_TTL));
        assert_eq!(expiration(&e), MAX_RELATIVE_TTL as u32);
        let e = Expiry::after(Duration::from_secs(31 * 86_400));
        assert_eq!(u64::from(expiration(&e)), e.unix_secs());
    }

    #[test]
    fn python_memcached_hash_matches() {
        // The standard CRC-32 check value, as binascii.crc32(b"123456789") gives it.
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(python_memcached_hash("123456789"), u64::from((0xcbf4_3926u32 >> 16) & 0x7fff));
    }

    #[test]
    fn urls_get_a_timeout_and_refuse_ascii() {
        let urls = server_urls("memcache://a:1, b:2?x=y", Duration::from_secs(2)).unwrap();
        assert_eq!(urls, ["memcache://a:1?timeout=2", "memcache://b:2?x=y&timeout=2"]);
        assert!(server_urls("memcache://a:1?protocol=ascii", Duration::from_secs(2)).is_err());
        assert!(server_urls(" , ", Duration::from_secs(2)).is_err());
    }
}
