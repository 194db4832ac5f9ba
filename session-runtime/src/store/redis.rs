//! `session_type = "redis"`: Redis, single node or Redis Cluster, in Flask-Session 0.8's layout.
//!
//! Layout (flask-format.md (c)): key `prefix + sid`, value the serialized map (msgpack by
//! default), written `SET key value XX EX ttl` (only over a key that still exists). A refresh never rewrites the data: `GETEX key EX ttl`
//! when the session is read anyway (one round trip), `EXPIRE key ttl` otherwise. A new session is
//! written `SET key value NX EX ttl`, so two requests drawing the same id cannot overwrite each
//! other. The merge of `session_merge_on_save` writes through a Lua script that `SET`s only if
//! `GET` still returns the bytes it merged onto, atomically on the server (one key, so Cluster
//! runs it too).
//!
//! With `session_user_key`, each user's sessions are also members of a sorted set of their own
//! (see `index.rs` and [`store::index`](crate::store::index)).
//!
//! Connections: a single node goes through [`ConnectionManager`], a Cluster through the cluster
//! client's own connection; both reconnect by themselves after the server comes back, so the store
//! never needs a restart. Every command is bounded by `session_store_timeout` (2 s by default,
//! see [`RedisStore::with_timeout`]): a dead or stalled server gives [`StoreError::Timeout`] or
//! [`StoreError::Backend`] in that time, never a hung request.

use std::time::{Duration, SystemTime};

mod index;
mod sentinel;

use std::sync::{Arc, LazyLock};

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::cluster::ClusterClient;
use ::redis::cluster_async::ClusterConnection;
use ::redis::{Cmd, ErrorKind, FromRedisValue, RedisError, RedisResult, ServerErrorKind, Value};
use sha1::{Digest, Sha1};

use crate::codec::{Codec, SerializationFormat};
use crate::expiry::Expiry;
use crate::map::SessionMap;
use crate::settings::DEFAULT_STORE_TIMEOUT;
use crate::store::{IndexEntry, Loaded, Owner, Revision, SessionStore, StoreError, StoreOptions, Touched};

const STORE: &str = "redis";

/// Compare-and-set: `SET KEYS[1] ARGV[2] EX ARGV[3]` only if `GET KEYS[1]` is still ARGV[1]
/// (a missing key reads as `false`, never equal); 1 when it wrote, 0 when not.
const CAS_SCRIPT: &str = r"if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0";

/// The SHA-1 `EVALSHA` names [`CAS_SCRIPT`] by.
static CAS_SHA: LazyLock<String> =
    LazyLock::new(|| crate::hex::hex(&Sha1::digest(CAS_SCRIPT.as_bytes())));

/// The Redis session store; cheap to clone (the connection is shared).
#[derive(Clone)]
pub struct RedisStore {
    conn: Conn,
    codec: Codec,
    timeout: Duration,
}

#[derive(Clone)]
enum Conn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
    Sentinel(Arc<sentinel::SentinelConn>),
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.conn {
            Conn::Single(_) => "single node",
            Conn::Cluster(_) => "cluster",
            Conn::Sentinel(_) => "sentinel",
        };
        f.debug_struct("RedisStore")
            .field("kind", &kind)
            .field("codec", &self.codec)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl RedisStore {
    /// Connects as `url` (`session_redis`) says: one URL is a single node, several
    /// comma-separated node URLs are a Redis Cluster, and
    /// `redis+sentinel://host:26379,host2:26379/<master name>` asks those sentinels for the
    /// master (no auth in that form: use [`from_sentinel`](Self::from_sentinel)). Values are
    /// written in the options' format; every command, connecting included, is bounded by their
    /// timeout. Fails (within that timeout) when the URL is malformed or no server answers, so a
    /// misconfigured app stops at startup.
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), session_runtime::StoreError> {
    /// use session_runtime::store::{RedisStore, StoreOptions};
    /// let store = RedisStore::connect("redis://127.0.0.1:6379/0", StoreOptions::default()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let timeout = options.timeout;
        let urls: Vec<&str> = url.split(',').map(str::trim).filter(|u| !u.is_empty()).collect();
        let codec = options.codec();
        if url.trim_start().starts_with(sentinel::SCHEME) {
            let Some((sentinels, name)) = sentinel::parse(url.trim()) else {
                return Err(StoreError::backend(
                    STORE,
                    "a sentinel URL is redis+sentinel://host:port[,host:port...]/<master name>",
                ));
            };
            let client = sentinel::client(sentinels, name).map_err(backend)?;
            let store = Self::sentinel_store(client, codec, timeout);
            // Find the master now, so a misconfiguration stops the app at startup.
            store.run::<()>(&::redis::cmd("PING")).await?;
            return Ok(store);
        }
        match urls.as_slice() {
            [] => Err(StoreError::backend(STORE, "the Redis URL (session_redis) is empty; give a redis:// URL")),
            [one] => {
                let client = ::redis::Client::open(*one).map_err(backend)?;
                probe(std::slice::from_ref(&client), timeout).await?;
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(timeout))
                    // `run` bounds every command, waiting for a reconnection included (which the
                    // manager's own response timeout does not cover): one timer per command, not two.
                    .set_response_timeout(None)
                    // Reconnect attempts back off up to 1 s apart, so a server that comes back is
                    // picked up within about a second.
                    .set_max_delay(Duration::from_secs(1))
                    // One retry per reconnection, then the request gets the reason (refused, DNS)
                    // instead of waiting out its timeout; the next request reconnects again.
                    .set_number_of_retries(1);
                let manager = bounded(timeout, ConnectionManager::new_with_config(client, config)).await?;
                Ok(RedisStore { conn: Conn::Single(manager), codec, timeout })
            }
            nodes => {
                let clients = nodes.iter().map(|u| ::redis::Client::open(*u)).collect::<Result<Vec<_>, _>>();
                probe(&clients.map_err(backend)?, timeout).await?;
                let client = ClusterClient::builder(nodes.iter().copied())
                    .connection_timeout(timeout)
                    .response_timeout(timeout)
                    .build()
                    .map_err(backend)?;
                let conn = bounded(timeout, client.get_async_connection()).await?;
                Ok(RedisStore { conn: Conn::Cluster(conn), codec, timeout })
            }
        }
    }

    /// A store over an existing single-node connection manager (configure its reconnection
    /// and timeouts as you like; the store adds its own bound, [`DEFAULT_STORE_TIMEOUT`]).
    pub fn from_manager(manager: ConnectionManager, format: SerializationFormat) -> Self {
        RedisStore { conn: Conn::Single(manager), codec: Codec::new(format), timeout: DEFAULT_STORE_TIMEOUT }
    }

    /// A store over an existing Redis Cluster connection.
    pub fn from_cluster(conn: ClusterConnection, format: SerializationFormat) -> Self {
        RedisStore { conn: Conn::Cluster(conn), codec: Codec::new(format), timeout: DEFAULT_STORE_TIMEOUT }
    }

    /// A store on the master a [`SentinelClient`](::redis::sentinel::SentinelClient) finds
    /// (build it with auth, TLS or a database as needed). The master is looked up on first use
    /// and again after any failed command, which follows a failover.
    pub fn from_sentinel(client: ::redis::sentinel::SentinelClient, format: SerializationFormat) -> Self {
        Self::sentinel_store(client, Codec::new(format), DEFAULT_STORE_TIMEOUT)
    }

    fn sentinel_store(client: ::redis::sentinel::SentinelClient, codec: Codec, timeout: Duration) -> Self {
        let conn = sentinel::SentinelConn::new(client, timeout);
        RedisStore { conn: Conn::Sentinel(Arc::new(conn)), codec, timeout }
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

    /// Runs one command on a clone of the shared connection (clones share one socket).
    async fn run<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, StoreError> {
        self.try_run(cmd).await?.map_err(backend)
    }

    /// [`run`](Self::run), with the server's error to the command handed back as it is (a
    /// timeout is still [`StoreError::Timeout`]), so a caller can react to one such as NOSCRIPT.
    async fn try_run<T: FromRedisValue>(&self, cmd: impl Into<Request<'_>>) -> Result<RedisResult<T>, StoreError> {
        let cmd = cmd.into();
        let r = match &self.conn {
            Conn::Single(m) => tokio::time::timeout(self.timeout, cmd.query_async(&mut m.clone())).await,
            Conn::Cluster(c) => tokio::time::timeout(self.timeout, cmd.query_async(&mut c.clone())).await,
            Conn::Sentinel(s) => {
                let r =
                    tokio::time::timeout(self.timeout, async { cmd.query_async(&mut s.connection().await?).await })
                        .await;
                if !matches!(&r, Ok(Ok(_))) && !matches!(&r, Ok(Err(e)) if is_noscript(e)) {
                    // Dead master, or one demoted to replica (READONLY): ask the sentinels again.
                    s.forget().await;
                }
                r
            }
        };
        match r {
            Err(_) => Err(StoreError::Timeout { store: STORE, after: self.timeout }),
            Ok(Err(e)) if e.is_timeout() => Err(StoreError::Timeout { store: STORE, after: self.timeout }),
            Ok(r) => Ok(r),
        }
    }
}

impl RedisStore {
    /// A read of the session's value. A key of another Redis type (`WRONGTYPE`: another app's
    /// list or hash under the session's name) is as unreadable as corrupt bytes, so the client
    /// gets a fresh session instead of a 500 on every request.
    async fn read<T: FromRedisValue>(&self, cmd: impl Into<Request<'_>>) -> Result<T, StoreError> {
        match self.try_run(cmd).await? {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.code() == Some("WRONGTYPE") => {
                Err(StoreError::Decode(crate::codec::DecodeError::new("the key holds another Redis type than a string")))
            }
            Err(e) => Err(backend(e)),
        }
    }
}

/// One command or a pipeline, sent the same way.
#[derive(Clone, Copy)]
enum Request<'a> {
    Cmd(&'a Cmd),
    Pipe(&'a ::redis::Pipeline),
}

impl<'a> From<&'a Cmd> for Request<'a> {
    fn from(cmd: &'a Cmd) -> Self {
        Request::Cmd(cmd)
    }
}

impl<'a> From<&'a mut Cmd> for Request<'a> {
    fn from(cmd: &'a mut Cmd) -> Self {
        Request::Cmd(cmd)
    }
}

impl<'a> From<&'a mut ::redis::Pipeline> for Request<'a> {
    fn from(pipe: &'a mut ::redis::Pipeline) -> Self {
        Request::Pipe(pipe)
    }
}

impl<'a> From<&'a ::redis::Pipeline> for Request<'a> {
    fn from(pipe: &'a ::redis::Pipeline) -> Self {
        Request::Pipe(pipe)
    }
}

impl Request<'_> {
    async fn query_async<T: FromRedisValue>(self, con: &mut impl ::redis::aio::ConnectionLike) -> RedisResult<T> {
        match self {
            Request::Cmd(cmd) => cmd.query_async(con).await,
            Request::Pipe(pipe) => pipe.query_async(con).await,
        }
    }
}

/// The server does not have the script `EVALSHA` named (restarted, flushed, another node).
fn is_noscript(e: &RedisError) -> bool {
    e.kind() == ErrorKind::Server(ServerErrorKind::NoScript)
}

/// One plain connection (and its `AUTH`) to each of `clients` at once; `Ok` when one of them
/// answers. The connection manager and the cluster client retry a refused connection until
/// the timeout and then report only the timeout: this says at once what went wrong.
async fn probe(clients: &[::redis::Client], timeout: Duration) -> Result<(), StoreError> {
    let config = ::redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout));
    let mut tries = tokio::task::JoinSet::new();
    for client in clients {
        let (client, config) = (client.clone(), config.clone());
        tries.spawn(async move { bounded(timeout, client.get_multiplexed_async_connection_with_config(&config)).await.map(drop) });
    }
    let mut first_error = None;
    while let Some(joined) = tries.join_next().await {
        match joined.map_err(|e| StoreError::backend(STORE, e)).and_then(|r| r) {
            Ok(()) => return Ok(()),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| StoreError::backend(STORE, "no Redis URL given")))
}

/// `fut` within `timeout`; the client's own timeouts and ours both become [`StoreError::Timeout`].
async fn bounded<T>(
    timeout: Duration,
    fut: impl std::future::Future<Output = Result<T, RedisError>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(timeout, fut).await {
        Err(_) => Err(StoreError::Timeout { store: STORE, after: timeout }),
        Ok(Err(e)) if e.is_timeout() => Err(StoreError::Timeout { store: STORE, after: timeout }),
        Ok(Err(e)) => Err(backend(e)),
        Ok(Ok(v)) => Ok(v),
    }
}

fn backend(e: RedisError) -> StoreError {
    StoreError::backend(STORE, e)
}

impl SessionStore for RedisStore {
    async fn load(&self, key: &str, refresh: Option<&Expiry>) -> Result<Option<Loaded>, StoreError> {
        let (bytes, expires_at) = match refresh {
            Some(e) => (self.read(::redis::cmd("GETEX").arg(key).arg("EX").arg(e.ttl_secs())).await?, Some(e.at())),
            // A pure read that still reports the expiry (for refresh throttling), in one round trip.
            None => {
                let asked = SystemTime::now();
                let (bytes, ttl_ms): (Option<Vec<u8>>, i64) =
                    self.read(::redis::pipe().cmd("GET").arg(key).cmd("PTTL").arg(key)).await?;
                // PTTL: -1 for a key without expiry, -2 for none.
                (bytes, u64::try_from(ttl_ms).ok().map(|ms| asked + Duration::from_millis(ms)))
            }
        };
        let Some(bytes) = bytes else { return Ok(None) };
        Ok(Some(Loaded { data: self.codec.decode_off_thread(bytes).await?, expires_at, refreshed: refresh.is_some() }))
    }

    /// `SET key value XX EX ttl`: replaces the key only while it exists.
    async fn save(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        let bytes = self.codec.encode(STORE, data)?;
        // SET XX answers OK when it wrote, nil when the key was gone.
        let reply: Value =
            self.run(::redis::cmd("SET").arg(key).arg(bytes).arg("XX").arg("EX").arg(expiry.ttl_secs())).await?;
        Ok(!matches!(reply, Value::Nil))
    }

    async fn create(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        let bytes = self.codec.encode(STORE, data)?;
        // SET NX answers OK when it wrote, nil when the key was there.
        let reply: Value =
            self.run(::redis::cmd("SET").arg(key).arg(bytes).arg("NX").arg("EX").arg(expiry.ttl_secs())).await?;
        Ok(!matches!(reply, Value::Nil))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.run::<()>(::redis::cmd("DEL").arg(key)).await
    }

    async fn touch(&self, key: &str, expiry: &Expiry) -> Result<Touched, StoreError> {
        let set: i64 = self.run(::redis::cmd("EXPIRE").arg(key).arg(expiry.ttl_secs())).await?;
        Ok(if set == 1 { Touched::Refreshed } else { Touched::Missing })
    }

    /// `GET`; the revision is the raw value.
    async fn load_for_update(&self, key: &str) -> Result<Option<(Loaded, Revision)>, StoreError> {
        let bytes: Option<Vec<u8>> = self.read(::redis::cmd("GET").arg(key)).await?;
        let Some(bytes) = bytes else { return Ok(None) };
        let data = self.codec.decode_off_thread(bytes.clone()).await?;
        Ok(Some((Loaded { data, expires_at: None, refreshed: false }, Revision::from_bytes(bytes))))
    }

    /// A Lua script that `SET`s only while `GET` still returns the revision's bytes, by
    /// `EVALSHA`, or by `EVAL` (which also caches it) when the server does not have it yet.
    async fn save_if_unchanged(
        &self,
        key: &str,
        revision: &Revision,
        data: &SessionMap,
        expiry: &Expiry,
    ) -> Result<bool, StoreError> {
        let old = revision.expected_bytes(STORE)?;
        let new = self.codec.encode(STORE, data)?;
        let call = |command: &str, script: &str| {
            let mut cmd = ::redis::cmd(command);
            cmd.arg(script).arg(1).arg(key).arg(old).arg(&new).arg(expiry.ttl_secs());
            cmd
        };
        let wrote: i64 = match self.try_run(&call("EVALSHA", &CAS_SHA)).await? {
            Ok(n) => n,
            Err(e) if is_noscript(&e) => self.run(&call("EVAL", CAS_SCRIPT)).await?,
            Err(e) => return Err(backend(e)),
        };
        Ok(wrote == 1)
    }

    fn indexes_users(&self) -> bool {
        true
    }

    /// A script on the user's sorted set (see `index.rs`): one extra round trip.
    async fn index_user(&self, owner: &Owner<'_>, key: &str, expiry: &Expiry) -> Result<(), StoreError> {
        self.index_session(owner, key, expiry).await
    }

    async fn unindex_user(&self, owner: &Owner<'_>, entry: &str) -> Result<(), StoreError> {
        self.unindex_session(owner, entry).await
    }

    async fn user_entries(&self, owner: &Owner<'_>) -> Result<Vec<IndexEntry>, StoreError> {
        self.indexed_sessions(owner).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_sha_is_what_redis_names_it() {
        // As `redis-cli SCRIPT LOAD` answers for CAS_SCRIPT; change both together.
        assert_eq!(*CAS_SHA, "4790ac8b900d6ae6d408e889b51a4cf0c81de85f");
    }
}
