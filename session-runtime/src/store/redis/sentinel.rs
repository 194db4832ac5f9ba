//! Redis Sentinel: the master is looked up through the sentinels, and looked up again after any
//! failed command, so a failover (the old master gone, or demoted and answering READONLY) is
//! followed on the next request without a restart.

use ::redis::aio::MultiplexedConnection;
use ::redis::sentinel::{SentinelClient, SentinelServerType};
use ::redis::{AsyncConnectionConfig, RedisResult};
use std::time::Duration;
use tokio::sync::{Mutex, RwLock};

/// The scheme of a `session_redis` value naming sentinels:
/// `redis+sentinel://host:26379,host:26380/<master name>`.
pub(super) const SCHEME: &str = "redis+sentinel://";

pub(super) struct SentinelConn {
    /// `SentinelClient` needs `&mut` to look up; one lookup at a time is plenty.
    client: Mutex<SentinelClient>,
    /// The connection to the master last found; `None` after a failure.
    current: RwLock<Option<MultiplexedConnection>>,
    config: AsyncConnectionConfig,
}

impl SentinelConn {
    pub(super) fn new(client: SentinelClient, timeout: Duration) -> Self {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        SentinelConn { client: Mutex::new(client), current: RwLock::new(None), config }
    }

    /// A connection to the current master, asking the sentinels when there is none.
    pub(super) async fn connection(&self) -> RedisResult<MultiplexedConnection> {
        if let Some(c) = self.current.read().await.clone() {
            return Ok(c);
        }
        // Boxed: connecting is a future of kilobytes which, inline, made every Redis command's
        // future that large (single node included: `try_run` matches on the connection kind),
        // and the layer boxes one such future per store call. Taken once per failover.
        Box::pin(self.look_up()).await
    }

    /// Asks the sentinels for the master and connects to it.
    async fn look_up(&self) -> RedisResult<MultiplexedConnection> {
        let mut client = self.client.lock().await;
        // Another task may have looked the master up while this one waited for the lock.
        if let Some(c) = self.current.read().await.clone() {
            return Ok(c);
        }
        let conn = client.get_async_connection_with_config(&self.config).await?;
        *self.current.write().await = Some(conn.clone());
        Ok(conn)
    }

    /// Drops the current connection, so the next command asks the sentinels again.
    pub(super) async fn forget(&self) {
        *self.current.write().await = None;
    }
}

/// `redis+sentinel://h1:p1,h2:p2/name` as sentinel URLs and the master's name.
pub(super) fn parse(url: &str) -> Option<(Vec<String>, String)> {
    let rest = url.strip_prefix(SCHEME)?;
    let (hosts, name) = rest.split_once('/')?;
    let name = name.trim_end_matches('/');
    let sentinels: Vec<String> =
        hosts.split(',').map(str::trim).filter(|h| !h.is_empty()).map(|h| format!("redis://{h}")).collect();
    (!sentinels.is_empty() && !name.is_empty() && !name.contains('/')).then(|| (sentinels, name.to_owned()))
}

/// A client for the master named `name`.
pub(super) fn client(sentinels: Vec<String>, name: String) -> RedisResult<SentinelClient> {
    SentinelClient::build(sentinels, name, None, SentinelServerType::Master)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sentinel_urls() {
        let (s, n) = parse("redis+sentinel://a:26379, b:26380/mymaster").unwrap();
        assert_eq!(s, ["redis://a:26379", "redis://b:26380"]);
        assert_eq!(n, "mymaster");
        for bad in ["redis://a:1/x", "redis+sentinel://a:1", "redis+sentinel:///x", "redis+sentinel://a:1/x/0"] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }
}
