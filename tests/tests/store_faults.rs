//! Faults of every network store, over HTTP: each real server sits behind a proxy that can make
//! it slow (every byte held for seconds) or cut it off (open connections dropped, new ones
//! refused, as when the process dies). Either way a request on the session fails with a 500
//! within `session_store_timeout` (not after the server's delay), and the app keeps answering
//! requests that do not need the store; once the server is back, the same app recovers without a
//! restart and the session stored before is intact.
//!
//! (Redis Cluster is left out: its nodes announce their own addresses, so clients bypass a
//! proxy after the first redirect. Redis, memcached and MongoDB are also killed for real, as
//! processes, in their own test files.)

mod common;

use std::time::{Duration, Instant};

use common::env;
use common::http::{browser, serve_sessions, text};
use common::proxy::FaultProxy;
use session_runtime::{SessionType, Settings};

/// The store timeout under test: far below the server's delay.
const TIMEOUT: Duration = Duration::from_millis(500);
/// How long the slow server holds each chunk of bytes.
const SLOWNESS: Duration = Duration::from_secs(4);

#[derive(Debug, Clone, Copy)]
enum Fault {
    Slow,
    CutOff,
}

async fn a_fault_costs_a_bounded_500_and_nothing_else(mut settings: Settings, proxy: &FaultProxy, fault: Fault) {
    settings.session_store_timeout = TIMEOUT;
    let layer = settings.into_layer().await.expect("connect through the proxy");
    let base = serve_sessions(layer).await;
    let b = browser();
    assert_eq!(text(&b, &format!("{base}/incr")).await, "1");
    assert_eq!(text(&b, &format!("{base}/incr")).await, "2");

    match fault {
        Fault::Slow => proxy.slow_down(SLOWNESS),
        Fault::CutOff => proxy.cut_off(),
    }
    let started = Instant::now();
    let r = b.get(format!("{base}/incr")).send().await.expect("an answer, not a hung request");
    let took = started.elapsed();
    assert_eq!(r.status(), 500, "a {fault:?} store is a server error");
    // Bounded by the store timeout (plus scheduling slack), not by the server's delay.
    assert!(took < SLOWNESS - Duration::from_secs(1), "the 500 took {took:?}, the store timeout is {TIMEOUT:?}");
    // The app is not stuck behind the store.
    assert_eq!(text(&b, &format!("{base}/none")).await, "untouched");

    match fault {
        Fault::Slow => proxy.speed_up(),
        Fault::CutOff => proxy.restore().await,
    }
    // Bytes held while slow drain first, dropped connections are replaced; then the same app
    // reads the session it had.
    let deadline = Instant::now() + SLOWNESS + Duration::from_secs(15);
    loop {
        let r = b.get(format!("{base}/get")).send().await.expect("an answer");
        if r.status() == 200 {
            assert_eq!(r.text().await.unwrap(), "2", "the session stored before the slowness");
            break;
        }
        assert!(Instant::now() < deadline, "no recovery within {:?} of the server being fast again", SLOWNESS + Duration::from_secs(15));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(text(&b, &format!("{base}/incr")).await, "3", "writes work again");
}

/// `host:port` of a URL such as `redis://127.0.0.1:6379/`.
fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

/// `url` with its `host:port` replaced by the proxy's.
fn through(url: &str, proxy: &FaultProxy) -> String {
    url.replacen(authority(url), &format!("127.0.0.1:{}", proxy.port), 1)
}

/// Each store's real server behind a fresh proxy, settings pointed at the proxy: one module per
/// store with a test per fault.
macro_rules! faults {
    ($store:ident, $url:expr, |$settings:ident, $proxied:ident| $point_at_proxy:block) => {
        mod $store {
            use super::*;

            async fn run(fault: Fault) {
                let url = $url;
                let proxy = FaultProxy::start(authority(&url)).await;
                let $proxied = through(&url, &proxy);
                let mut $settings = Settings::default();
                $point_at_proxy
                a_fault_costs_a_bounded_500_and_nothing_else($settings, &proxy, fault).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn slow() {
                run(Fault::Slow).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn cut_off() {
                run(Fault::CutOff).await;
            }
        }
    };
}

faults!(redis, env::redis_url(), |s, url| {
    s.session_type = SessionType::Redis;
    s.session_redis = url;
});
faults!(memcached, env::memcached_url(), |s, url| {
    s.session_type = SessionType::Memcached;
    s.session_memcached = url;
});
faults!(mongodb, env::mongodb_url(), |s, url| {
    s.session_type = SessionType::Mongodb;
    s.session_mongodb = url;
    s.session_mongodb_db = "store_faults".into();
});
faults!(postgres, env::postgres_url(), |s, url| {
    s.session_type = SessionType::Sqlalchemy;
    s.session_sqlalchemy = Some(url);
    s.session_sqlalchemy_table = "store_faults".into();
});
faults!(mysql, env::mysql_url(), |s, url| {
    s.session_type = SessionType::Sqlalchemy;
    s.session_sqlalchemy = Some(url);
    s.session_sqlalchemy_table = "store_faults".into();
});

#[test]
fn urls_are_rewritten_to_the_proxy() {
    assert_eq!(authority("redis://127.0.0.1:6379/"), "127.0.0.1:6379");
    assert_eq!(authority("postgres://postgres@127.0.0.1:5432/test"), "127.0.0.1:5432");
    assert_eq!(authority("mongodb://127.0.0.1:27017"), "127.0.0.1:27017");
    assert_eq!(authority("127.0.0.1:11211"), "127.0.0.1:11211");
}
