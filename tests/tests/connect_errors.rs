//! Connection errors say what happened: a refused port is reported as refused at once (not as a
//! timeout after `session_store_timeout`), an unknown host as DNS, bad credentials as an
//! authentication failure, for every network store, against real servers and real ports.

mod common;

use std::time::{Duration, Instant};

use common::env;
use common::spawn::spare_port;
use session_runtime::store::{MemcachedStore, MongoStore, RedisStore};
use session_runtime::{Settings, SqlStore, StoreError};

/// Far under the 2 s default timeout: a refusal is the OS's answer, not a wait.
const QUICK: Duration = Duration::from_millis(1_000);

/// Connects with `connect`, which must fail with a backend error saying `words` (and not be
/// a timeout), within `within`.
async fn fails_saying<T: std::fmt::Debug, F: std::future::Future<Output = Result<T, StoreError>>>(
    what: &str,
    connect: F,
    words: &str,
    within: Duration,
) {
    let t = Instant::now();
    let e = connect.await.expect_err(what);
    let took = t.elapsed();
    let message = e.to_string();
    assert!(matches!(e, StoreError::Backend { .. }), "{what}: a backend error, not {e:?}");
    assert!(message.contains(words), "{what}: the error should say {words:?}, it says: {message}");
    assert!(took < within, "{what}: failed after {took:?}, over {within:?}: {message}");
    eprintln!("{what}: {message} ({took:?})");
}

fn refused_url(scheme: &str) -> String {
    format!("{scheme}://127.0.0.1:{}", spare_port())
}

#[tokio::test]
async fn redis_refused_unknown_host_and_wrong_password() {
    let s = |url: String| Settings::redis(url);
    fails_saying("redis, refused", RedisStore::connect(&s(refused_url("redis"))), "connection refused", QUICK).await;
    let cluster = format!("{},{}", refused_url("redis"), refused_url("redis"));
    fails_saying("redis cluster, refused", RedisStore::connect(&s(cluster)), "connection refused", QUICK).await;
    let dns = s("redis://no-such-host.invalid:6379".into());
    fails_saying("redis, unknown host", RedisStore::connect(&dns), "DNS", Duration::from_secs(3)).await;
    let url = env::redis_url().replacen("redis://", "redis://nobody:wrong@", 1);
    fails_saying("redis, wrong password", RedisStore::connect(&s(url)), "authentication failed", QUICK).await;
}

#[tokio::test]
async fn memcached_refused_and_unknown_host() {
    let s = |url: String| Settings::memcached(url);
    fails_saying("memcached, refused", MemcachedStore::connect(&s(refused_url("memcache"))), "connection refused", QUICK).await;
    let dns = s("memcache://no-such-host.invalid:11211".into());
    fails_saying("memcached, unknown host", MemcachedStore::connect(&dns), "DNS", Duration::from_secs(3)).await;
}

#[tokio::test]
async fn mongodb_refused() {
    let s = Settings::mongodb(refused_url("mongodb"));
    fails_saying("mongodb, refused", MongoStore::connect(&s), "connection refused", QUICK).await;
}

#[tokio::test]
async fn postgres_refused_and_unknown_host() {
    let s = Settings::sqlalchemy(format!("postgres://postgres@127.0.0.1:{}/test", spare_port()));
    fails_saying("postgres, refused", SqlStore::connect(&s), "connection refused", QUICK).await;
    let s = Settings::sqlalchemy("postgres://postgres@no-such-host.invalid/test");
    fails_saying("postgres, unknown host", SqlStore::connect(&s), "DNS", Duration::from_secs(3)).await;
    // No CA certificate to check the server's with (or no TLS on the server): either way TLS.
    let s = Settings::sqlalchemy(format!("{}?sslmode=verify-full", env::postgres_url()));
    fails_saying("postgres, TLS required", SqlStore::connect(&s), "TLS failed", QUICK).await;
}

#[tokio::test]
async fn mysql_refused_and_wrong_user() {
    let s = Settings::sqlalchemy(format!("mysql://root@127.0.0.1:{}/test", spare_port()));
    fails_saying("mysql, refused", SqlStore::connect(&s), "connection refused", QUICK).await;
    let url = env::mysql_url().replacen("mysql://root@", "mysql://nobody:wrong@", 1);
    fails_saying("mysql, wrong user", SqlStore::connect(&Settings::sqlalchemy(url)), "authentication failed", QUICK).await;
}
