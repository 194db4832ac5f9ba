//! Connection errors say what happened: a refused port is reported as refused at once (not as a
//! timeout after `session_store_timeout`), an unknown host as DNS, bad credentials as an
//! authentication failure, for every network store, against real servers and real ports.

mod common;

use std::time::{Duration, Instant};

use common::env;
use common::spawn::spare_port;
use session_runtime::store::{MemcachedStore, MongoStore, RedisStore, StoreOptions};
use session_runtime::{SqlStore, StoreError};

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
    let connect = |url: String| async move { RedisStore::connect(&url, StoreOptions::default()).await };
    fails_saying("redis, refused", connect(refused_url("redis")), "connection refused", QUICK).await;
    let cluster = format!("{},{}", refused_url("redis"), refused_url("redis"));
    fails_saying("redis cluster, refused", connect(cluster), "connection refused", QUICK).await;
    let dns = "redis://no-such-host.invalid:6379".to_owned();
    fails_saying("redis, unknown host", connect(dns), "DNS", Duration::from_secs(3)).await;
    let url = env::redis_url().replacen("redis://", "redis://nobody:wrong@", 1);
    fails_saying("redis, wrong password", connect(url), "authentication failed", QUICK).await;
}

#[tokio::test]
async fn memcached_refused_and_unknown_host() {
    let connect = |url: String| async move { MemcachedStore::connect(&url, StoreOptions::default()).await };
    fails_saying("memcached, refused", connect(refused_url("memcache")), "connection refused", QUICK).await;
    let dns = "memcache://no-such-host.invalid:11211".to_owned();
    fails_saying("memcached, unknown host", connect(dns), "DNS", Duration::from_secs(3)).await;
}

#[tokio::test]
async fn mongodb_refused() {
    let url = refused_url("mongodb");
    let connect = MongoStore::connect(&url, "flask_session", "sessions", StoreOptions::default());
    fails_saying("mongodb, refused", connect, "connection refused", QUICK).await;
}

#[tokio::test]
async fn postgres_refused_and_unknown_host() {
    let connect = |url: String| async move { SqlStore::connect(&url, "flask_sessions", StoreOptions::default()).await };
    fails_saying("postgres, refused", connect(format!("postgres://postgres@127.0.0.1:{}/test", spare_port())), "connection refused", QUICK).await;
    fails_saying("postgres, unknown host", connect("postgres://postgres@no-such-host.invalid/test".into()), "DNS", Duration::from_secs(3)).await;
    // No CA certificate to check the server's with (or no TLS on the server): either way TLS.
    fails_saying("postgres, TLS required", connect(format!("{}?sslmode=verify-full", env::postgres_url())), "TLS failed", QUICK).await;
}

#[tokio::test]
async fn mysql_refused_and_wrong_user() {
    let connect = |url: String| async move { SqlStore::connect(&url, "flask_sessions", StoreOptions::default()).await };
    fails_saying("mysql, refused", connect(format!("mysql://root@127.0.0.1:{}/test", spare_port())), "connection refused", QUICK).await;
    let url = env::mysql_url().replacen("mysql://root@", "mysql://nobody:wrong@", 1);
    fails_saying("mysql, wrong user", connect(url), "authentication failed", QUICK).await;
}
