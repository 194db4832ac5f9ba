//! The Redis store on real servers: the conformance suite on a single node and on the 3-master
//! Cluster, the entry as Flask-Session 0.8 lays it out read straight from the server, and a
//! server that goes away and comes back.
//!
//! Servers: `REDIS_URL` (default `redis://127.0.0.1:6379/`) and `REDIS_CLUSTER_URLS` (default
//! the masters on 7001-7003); `redis-server` on the PATH for the restart test.

mod common;

use std::time::{Duration, Instant};

use common::conformance::{key, sample, Raw, RawPut};
use common::env;
use common::spawn::{store_survives_its_server, Server};
use session_runtime::store::redis::RedisStore;
use session_runtime::DEFAULT_STORE_TIMEOUT;
use session_runtime::store::{StoreOptions, Touched};
use session_runtime::{codec, Expiry, SerializationFormat, SessionStore, Settings, Value};

/// Where spawned servers may write (a replica's full sync writes dump.rdb even with `--save ""`).
const TMP: &str = "/tmp";

async fn single() -> RedisStore {
    let url = env::redis_url();
    RedisStore::connect(&url, StoreOptions::default()).await.unwrap_or_else(|e| env::server_missing("Redis", &url, e))
}

async fn cluster() -> RedisStore {
    let urls = env::redis_cluster_urls();
    RedisStore::connect(&urls, StoreOptions::default()).await.unwrap_or_else(|e| env::server_missing("Redis Cluster", &urls, e))
}

/// The server's own client, for raw reads and writes.
#[derive(Clone)]
enum RawRedis {
    Single(redis::aio::MultiplexedConnection),
    Cluster(redis::cluster_async::ClusterConnection),
}

impl std::fmt::Debug for RawRedis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RawRedis")
    }
}

impl RawRedis {
    async fn single() -> Self {
        let url = env::redis_url();
        let client = redis::Client::open(url.as_str()).expect("REDIS_URL");
        let conn = client.get_multiplexed_async_connection().await.unwrap_or_else(|e| env::server_missing("Redis", &url, e));
        RawRedis::Single(conn)
    }

    async fn cluster() -> Self {
        let urls = env::redis_cluster_urls();
        let client = redis::cluster::ClusterClient::new(urls.split(',').map(str::trim)).expect("REDIS_CLUSTER_URLS");
        let conn = client.get_async_connection().await.unwrap_or_else(|e| env::server_missing("Redis Cluster", &urls, e));
        RawRedis::Cluster(conn)
    }

    async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> T {
        match self.clone() {
            RawRedis::Single(mut c) => cmd.query_async(&mut c).await.expect("raw redis command"),
            RawRedis::Cluster(mut c) => cmd.query_async(&mut c).await.expect("raw redis command"),
        }
    }

    async fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.query(redis::cmd("GET").arg(key)).await
    }

    async fn ttl(&self, key: &str) -> i64 {
        self.query(redis::cmd("TTL").arg(key)).await
    }
}

impl RawPut for RawRedis {
    async fn put_raw(&self, key: &str, bytes: &[u8], ttl: Duration) {
        self.query::<()>(redis::cmd("SET").arg(key).arg(bytes).arg("EX").arg(ttl.as_secs())).await
    }
}

store_conformance!(single_node, async { Raw { store: single().await, writer: RawRedis::single().await } });
store_conformance!(cluster_3_masters, async { Raw { store: cluster().await, writer: RawRedis::cluster().await } });

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// flask-format.md (c): `{"_permanent": True, "name": "alice", "n": 42}` as msgspec writes it.
const ALICE: &str = "83 aa 5f7065726d616e656e74 c3 a4 6e616d65 a5 616c696365 a1 6e 2a";
const LIFETIME: Duration = Duration::from_secs(2_678_400);

async fn flask_layout(store: RedisStore, raw: RawRedis) {
    let k = key();
    assert!(store.create(&k, &sample(42), &Expiry::after(LIFETIME)).await.expect("create"));
    assert_eq!(raw.get(&k).await.expect("stored under prefix + sid"), unhex(ALICE), "msgspec's bytes");
    let ttl = raw.ttl(&k).await;
    assert!((2_678_398..=2_678_400).contains(&ttl), "SET EX 2678400 gives TTL {ttl}");

    // A refresh moves the TTL without rewriting the value: GETEX on load, EXPIRE on touch.
    raw.query::<()>(redis::cmd("EXPIRE").arg(&k).arg(100)).await;
    let l = store.load(&k, Some(&Expiry::after(LIFETIME))).await.expect("load").expect("stored");
    assert!(l.refreshed, "GETEX refreshes in the same round trip");
    assert!(raw.ttl(&k).await >= 2_678_398);
    raw.query::<()>(redis::cmd("EXPIRE").arg(&k).arg(100)).await;
    assert_eq!(store.touch(&k, &Expiry::after(Duration::from_secs(5000))).await.unwrap(), Touched::Refreshed);
    let ttl = raw.ttl(&k).await;
    assert!((4998..=5000).contains(&ttl), "EXPIRE 5000 gives TTL {ttl}");
    assert_eq!(raw.get(&k).await.unwrap(), unhex(ALICE), "touch leaves the bytes alone");

    // A colliding create leaves the entry alone.
    assert!(!store.create(&k, &sample(7), &Expiry::after(LIFETIME)).await.unwrap());
    assert_eq!(raw.get(&k).await.unwrap(), unhex(ALICE));
    store.delete(&k).await.unwrap();
    assert_eq!(raw.get(&k).await, None, "DEL");
}

#[tokio::test]
async fn single_node_entry_is_flask_sessions() {
    flask_layout(single().await, RawRedis::single().await).await;
}

#[tokio::test]
async fn cluster_entry_is_flask_sessions() {
    let store = cluster().await;
    assert!(format!("{store:?}").contains("cluster"), "several URLs select Redis Cluster: {store:?}");
    flask_layout(store, RawRedis::cluster().await).await;
}

#[tokio::test]
async fn cluster_spreads_sessions_over_the_masters() {
    let store = cluster().await;
    let keys: Vec<String> = (0..30).map(|_| key()).collect();
    for k in &keys {
        assert!(store.create(k, &sample(1), &Expiry::after(LIFETIME)).await.expect("create"));
    }
    // Asked directly, each master has the keys of its slots and answers MOVED for the others.
    let mut per_node = Vec::new();
    for url in env::redis_cluster_urls().split(',') {
        let mut c = redis::Client::open(url.trim()).unwrap().get_multiplexed_async_connection().await.unwrap();
        let mut n = 0;
        for k in &keys {
            n += redis::cmd("EXISTS").arg(k).query_async::<i64>(&mut c).await.unwrap_or(0);
        }
        per_node.push(n);
    }
    assert_eq!(per_node.iter().sum::<i64>(), 30, "every session is on exactly one master: {per_node:?}");
    assert!(per_node.iter().all(|&n| n > 0), "spread over all masters: {per_node:?}");
    for k in &keys {
        store.delete(k).await.unwrap();
    }
}

#[tokio::test]
async fn json_format_and_foreign_writers() {
    let json = StoreOptions::default().with_format(SerializationFormat::Json);
    let store = RedisStore::connect(&env::redis_url(), json).await.expect("connect");
    let raw = RawRedis::single().await;
    let k = key();
    assert!(store.create(&k, &sample(42), &Expiry::after(LIFETIME)).await.unwrap());
    assert_eq!(raw.get(&k).await.unwrap(), br#"{"_permanent":true,"name":"alice","n":42}"#);

    // Whatever Flask-Session 0.8 wrote (msgpack, JSON, or pickle from 0.6) loads.
    let pickle = unhex("80059522000000000000007d94288c0a5f7065726d616e656e7494888c046e616d65948c05616c69636594752e");
    for bytes in [unhex(ALICE), br#"{"_permanent":true,"name":"alice"}"#.to_vec(), pickle] {
        raw.put_raw(&k, &bytes, Duration::from_secs(60)).await;
        let l = store.load(&k, None).await.unwrap().expect("stored");
        assert_eq!(l.data.get("name"), Some(&Value::from("alice")));
        assert!(l.data.is_permanent());
    }
    store.delete(&k).await.unwrap();
    assert_eq!(codec::encode(&sample(42), SerializationFormat::Msgpack).unwrap(), unhex(ALICE));
}

#[tokio::test]
async fn bad_urls_fail_at_connect() {
    for bad in ["", "not a url", "http://127.0.0.1:6379"] {
        assert!(RedisStore::connect(bad, StoreOptions::default()).await.is_err(), "{bad:?}");
    }
    // Nothing listens there: refused at once, or bounded by the timeout.
    let port = common::spawn::spare_port();
    let t = Instant::now();
    let e = RedisStore::connect(&format!("redis://127.0.0.1:{port}"), StoreOptions::default()).await.unwrap_err();
    assert!(t.elapsed() < DEFAULT_STORE_TIMEOUT + Duration::from_secs(1), "{e} after {:?}", t.elapsed());
}

/// A server that goes away: operations fail within the timeout (the test process lives on),
/// and the same store object works again once the server is back, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_goes_away_and_comes_back() {
    let mut server = Server::start(
        "redis-server",
        &["--port", "{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", TMP],
    );
    let timeout = Duration::from_millis(500);
    let store = RedisStore::connect(&format!("redis://127.0.0.1:{}", server.port), StoreOptions::default().with_timeout(timeout))
        .await
        .expect("connect to the spawned redis-server");
    store_survives_its_server("redis", &store, &mut server, timeout).await;
}

/// Redis Sentinel for real: a master, a replica and one sentinel on spare ports. The store
/// finds the master through the sentinel and, after the master is killed and the sentinel
/// promotes the replica, follows the failover without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sentinel_finds_the_master_and_follows_a_failover() {
    let node = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", TMP];
    let mut master = Server::start("redis-server", &[&["--port", "{port}"][..], &node].concat());
    let mport = master.port.to_string();
    let replica = Server::start("redis-server", &[&["--port", "{port}", "--replicaof", "127.0.0.1", &mport][..], &node].concat());
    // Sentinel rewrites its config file, so each run gets its own.
    let conf = std::env::temp_dir().join(format!("session-tests-sentinel-{mport}.conf"));
    std::fs::write(
        &conf,
        format!(
            "bind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 {mport} 1\n\
             sentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 5000\n"
        ),
    )
    .unwrap();
    let sentinel = Server::start("redis-server", &[conf.to_str().unwrap(), "--sentinel", "--port", "{port}"]);

    let ask = |port: u16, cmd: redis::Cmd| async move {
        let mut c = redis::Client::open(format!("redis://127.0.0.1:{port}")).unwrap().get_multiplexed_async_connection().await?;
        cmd.query_async::<redis::Value>(&mut c).await
    };
    // Wait until the replica is in sync and the sentinel has discovered it.
    let t = Instant::now();
    loop {
        let info = ask(replica.port, redis::cmd("INFO").arg("replication").clone()).await;
        let synced = matches!(&info, Ok(redis::Value::BulkString(b)) if String::from_utf8_lossy(b).contains("master_link_status:up"));
        let known = match ask(sentinel.port, redis::cmd("SENTINEL").arg("replicas").arg("mymaster").clone()).await {
            Ok(redis::Value::Array(a)) => !a.is_empty(),
            _ => false,
        };
        if synced && known {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(30), "sentinel topology not ready after 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let url = format!("redis+sentinel://127.0.0.1:{}/mymaster", sentinel.port);
    let timeout = Duration::from_millis(1000);
    let store = RedisStore::connect(&url, StoreOptions::default().with_timeout(timeout)).await.expect("connect through the sentinel");
    assert!(format!("{store:?}").contains("sentinel"));
    let k = key();
    assert!(store.create(&k, &sample(1), &Expiry::after(LIFETIME)).await.expect("create on the master"));
    let raw: Option<Vec<u8>> = {
        let mut c = redis::Client::open(format!("redis://127.0.0.1:{mport}")).unwrap().get_multiplexed_async_connection().await.unwrap();
        // Make sure the replica has it before the master dies.
        let _: i64 = redis::cmd("WAIT").arg(1).arg(2000).query_async(&mut c).await.unwrap();
        redis::cmd("GET").arg(&k).query_async(&mut c).await.unwrap()
    };
    assert!(raw.is_some(), "written to the master the sentinel named");

    master.kill();
    let t = Instant::now();
    let recovered = loop {
        let step = Instant::now();
        match store.load(&k, None).await {
            Ok(Some(l)) => {
                assert_eq!(l.data, sample(1));
                break t.elapsed();
            }
            Ok(None) => panic!("the promoted replica lost the session"),
            Err(e) => {
                assert!(step.elapsed() <= timeout + Duration::from_millis(500), "{e} after {:?}", step.elapsed());
                assert!(t.elapsed() < Duration::from_secs(30), "no failover within 30 s: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    eprintln!("sentinel failover followed {recovered:?} after the master died");
    // The new master takes writes (not READONLY).
    assert!(store.save(&k, &sample(2), &Expiry::after(LIFETIME)).await.expect("save on the promoted replica"));
    assert_eq!(store.load(&k, None).await.unwrap().unwrap().data, sample(2));
    let _ = std::fs::remove_file(conf);
}

fn http_settings(url: &str) -> Settings {
    Settings::redis(url)
}

/// Over real HTTP: the entry a request leaves is Flask-Session 0.8's, key, bytes and TTL; a
/// read-only request refreshes the TTL without rewriting; clearing deletes it.
#[tokio::test]
async fn http_requests_leave_flask_entries() {
    let base = common::backend_http::app(http_settings(&env::redis_url())).await;
    let raw = RawRedis::single().await;
    let (b, sid) = common::backend_http::first_visit(&base).await;
    let k = format!("session:{sid}");
    assert_eq!(raw.get(&k).await.expect("stored under session:<sid>"), common::backend_http::visits_msgpack(1));
    assert!((2_678_398..=2_678_400).contains(&raw.ttl(&k).await), "TTL = PERMANENT_SESSION_LIFETIME");

    raw.query::<()>(redis::cmd("EXPIRE").arg(&k).arg(100)).await;
    assert_eq!(common::http::text(&b, &format!("{base}/get")).await, "1");
    assert!(raw.ttl(&k).await >= 2_678_398, "refreshed by the read-only request");
    assert_eq!(raw.get(&k).await.unwrap(), common::backend_http::visits_msgpack(1));

    assert_eq!(common::http::text(&b, &format!("{base}/incr")).await, "2");
    assert_eq!(raw.get(&k).await.unwrap(), common::backend_http::visits_msgpack(2));
    assert_eq!(common::http::text(&b, &format!("{base}/clear")).await, "cleared");
    assert_eq!(raw.get(&k).await, None, "an emptied session is deleted");
}

#[tokio::test]
async fn http_on_the_cluster() {
    let base = common::backend_http::app(http_settings(&env::redis_cluster_urls())).await;
    let raw = RawRedis::cluster().await;
    let (b, sid) = common::backend_http::first_visit(&base).await;
    assert_eq!(common::http::text(&b, &format!("{base}/incr")).await, "2");
    assert_eq!(raw.get(&format!("session:{sid}")).await.unwrap(), common::backend_http::visits_msgpack(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_server_goes_away_and_comes_back() {
    let mut server = Server::start(
        "redis-server",
        &["--port", "{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", TMP],
    );
    let url = format!("redis://127.0.0.1:{}", server.port);
    common::backend_http::outage(http_settings(&url), &mut server).await;
}
