//! The Redis user index: a sorted set per user, `prefix + "user:" + user`, whose members are
//! the user's session keys scored by their expiry (Unix seconds).
//!
//! Every command touches the set's key alone, never a session key with it, so Redis Cluster
//! runs them whatever slots the set and the sessions hash to. Growth is bounded: each write
//! drops the members that expired, and the set itself expires with its last member.

use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha1::{Digest, Sha1};

use super::{backend, is_noscript, RedisStore};
use crate::expiry::{unix_secs, Expiry};
use crate::store::{IndexEntry, Owner, StoreError};

/// `ZADD KEYS[1] ARGV[1] ARGV[2]`, then drop the members expired at ARGV[3] (now) and let the
/// set expire with its last member: one round trip per save of an owned session.
const INDEX_SCRIPT: &str = r"redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then redis.call('EXPIREAT', KEYS[1], last[2]) end
return 1";

static INDEX_SHA: LazyLock<String> =
    LazyLock::new(|| crate::hex::hex(&Sha1::digest(INDEX_SCRIPT.as_bytes())));

impl RedisStore {
    pub(super) async fn index_session(&self, owner: &Owner<'_>, key: &str, expiry: &Expiry) -> Result<(), StoreError> {
        let now = unix_secs(SystemTime::now());
        let call = |command: &str, script: &str| {
            let mut cmd = ::redis::cmd(command);
            cmd.arg(script).arg(1).arg(owner.index_key).arg(expiry.unix_secs()).arg(key).arg(now);
            cmd
        };
        match self.try_run::<i64>(&call("EVALSHA", &INDEX_SHA)).await? {
            Ok(_) => Ok(()),
            Err(e) if is_noscript(&e) => self.run::<i64>(&call("EVAL", INDEX_SCRIPT)).await.map(drop),
            Err(e) => Err(backend(e)),
        }
    }

    pub(super) async fn unindex_session(&self, owner: &Owner<'_>, key: &str) -> Result<(), StoreError> {
        self.run::<i64>(::redis::cmd("ZREM").arg(owner.index_key).arg(key)).await.map(drop)
    }

    /// The members not expired yet, with their expiry.
    pub(super) async fn indexed_sessions(&self, owner: &Owner<'_>) -> Result<Vec<IndexEntry>, StoreError> {
        let now = unix_secs(SystemTime::now());
        let members: Vec<(String, f64)> = self
            .run(::redis::cmd("ZRANGEBYSCORE").arg(owner.index_key).arg(format!("({now}")).arg("+inf").arg("WITHSCORES"))
            .await?;
        Ok(members
            .into_iter()
            .map(|(entry, score)| IndexEntry { entry, expires_at: Some(UNIX_EPOCH + Duration::from_secs(score as u64)) })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_script_sha_is_stable() {
        assert_eq!(INDEX_SHA.len(), 40);
    }
}
