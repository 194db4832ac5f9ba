//! The memcached store on real servers: the conformance suite, the entry as Flask-Session 0.8
//! lays it out read straight from the server (flags 0, relative or absolute expiry), the item
//! size limit, several servers spread as python-memcached spreads them, and a server that goes
//! away and comes back.
//!
//! Servers: `MEMCACHED_URL` (default `memcache://127.0.0.1:11211`); `memcached` on the PATH for
//! the tests that start their own.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::conformance::{key, sample, Raw, RawPut};
use common::env;
use common::spawn::{store_survives_its_server, Server};
use session_runtime::store::memcached::{MemcachedStore, DEFAULT_ITEM_LIMIT};
use session_runtime::store::{StoreOptions, Touched};
use session_runtime::{codec, Expiry, SerializationFormat, SessionStore, Settings, StoreError, Value};

async fn store() -> MemcachedStore {
    let url = env::memcached_url();
    MemcachedStore::connect(&url, StoreOptions::default()).await.unwrap_or_else(|e| env::server_missing("memcached", &url, e))
}

/// `host:port` of a `memcache://host:port` URL.
fn addr(url: &str) -> String {
    let rest = url.split("://").last().unwrap_or(url);
    rest.split(['/', '?']).next().unwrap_or(rest).to_owned()
}

/// What memcached's meta get (`mg key v f t`) says of an item: value, client flags, remaining TTL.
#[derive(Debug, PartialEq)]
struct Item {
    value: Vec<u8>,
    flags: u32,
    ttl: i64,
}

/// Talks memcached's text protocol directly, as another client (Python's) would see the server.
#[derive(Debug, Clone)]
struct Text {
    addr: String,
}

impl Text {
    fn new(url: &str) -> Self {
        Text { addr: addr(url) }
    }

    fn conn(&self) -> BufReader<TcpStream> {
        let s = TcpStream::connect(&self.addr).unwrap_or_else(|e| env::server_missing("memcached", &self.addr, e));
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        BufReader::new(s)
    }

    fn line(r: &mut BufReader<TcpStream>) -> String {
        let mut l = String::new();
        r.read_line(&mut l).expect("read a reply line");
        l.trim_end().to_owned()
    }

    fn mg(&self, key: &str) -> Option<Item> {
        let mut r = self.conn();
        write!(r.get_mut(), "mg {key} v f t\r\n").unwrap();
        let head = Self::line(&mut r);
        if head == "EN" {
            return None;
        }
        let mut parts = head.split(' ');
        assert_eq!(parts.next(), Some("VA"), "meta get reply {head:?}");
        let len: usize = parts.next().unwrap().parse().unwrap();
        let (mut flags, mut ttl) = (None, None);
        for p in parts {
            match p.split_at(1) {
                ("f", v) => flags = v.parse().ok(),
                ("t", v) => ttl = v.parse().ok(),
                _ => {}
            }
        }
        let mut value = vec![0; len + 2];
        r.read_exact(&mut value).unwrap();
        value.truncate(len);
        Some(Item { value, flags: flags.expect("f flag"), ttl: ttl.expect("t flag") })
    }

    fn set(&self, key: &str, bytes: &[u8], ttl: u64) {
        let mut r = self.conn();
        write!(r.get_mut(), "set {key} 0 {ttl} {}\r\n", bytes.len()).unwrap();
        r.get_mut().write_all(bytes).unwrap();
        r.get_mut().write_all(b"\r\n").unwrap();
        assert_eq!(Self::line(&mut r), "STORED");
    }
}

impl RawPut for Text {
    async fn put_raw(&self, key: &str, bytes: &[u8], ttl: Duration) {
        let (me, key, bytes) = (self.clone(), key.to_owned(), bytes.to_vec());
        tokio::task::spawn_blocking(move || me.set(&key, &bytes, ttl.as_secs())).await.unwrap()
    }
}

store_conformance!(single_server, async { Raw { store: store().await, writer: Text::new(&env::memcached_url()) } });

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// flask-format.md (c): `{"_permanent": True, "name": "alice", "n": 42}` as msgspec writes it.
const ALICE: &str = "83 aa 5f7065726d616e656e74 c3 a4 6e616d65 a5 616c696365 a1 6e 2a";

#[tokio::test]
async fn entry_is_flask_sessions() {
    let store = store().await;
    let text = Text::new(&env::memcached_url());
    let k = key();

    // The default 31 days is over memcached's 30-day relative limit: sent as a Unix time, the
    // server still counts down from 31 days (pymemcache observed: `t2678401`). memcached's own
    // clock ticks once a second and lags on a busy machine, so `t` may read a little over.
    assert!(store.create(&k, &sample(42), &Expiry::after(Duration::from_secs(2_678_400))).await.unwrap());
    let item = text.mg(&k).expect("stored under prefix + sid");
    assert_eq!(item.value, unhex(ALICE), "msgspec's bytes");
    assert_eq!(item.flags, 0, "flags 0, as Python clients store bytes");
    assert!((2_678_395..=2_678_405).contains(&item.ttl), "31 days as an absolute time: t{}", item.ttl);

    // Exactly 30 days is still relative.
    assert!(store.save(&k, &sample(42), &Expiry::after(Duration::from_secs(2_592_000))).await.unwrap());
    let ttl = text.mg(&k).unwrap().ttl;
    assert!((2_591_995..=2_592_000).contains(&ttl), "30 days relative: t{ttl}");

    // touch moves the TTL, the bytes stay.
    assert_eq!(store.touch(&k, &Expiry::after(Duration::from_secs(5000))).await.unwrap(), Touched::Refreshed);
    let item = text.mg(&k).unwrap();
    assert!((4995..=5000).contains(&item.ttl), "t{}", item.ttl);
    assert_eq!(item.value, unhex(ALICE));
    // A load with refresh touches too.
    let l = store.load(&k, Some(&Expiry::after(Duration::from_secs(7000)))).await.unwrap().unwrap();
    assert!(l.refreshed);
    assert!((6995..=7000).contains(&text.mg(&k).unwrap().ttl));

    // A colliding create (`add`) leaves the entry alone.
    assert!(!store.create(&k, &sample(7), &Expiry::after(Duration::from_secs(60))).await.unwrap());
    assert_eq!(text.mg(&k).unwrap().value, unhex(ALICE));

    // What a Python client stored (JSON here) loads.
    text.set(&k, br#"{"_permanent":true,"name":"alice"}"#, 60);
    assert_eq!(store.load(&k, None).await.unwrap().unwrap().data.get("name"), Some(&Value::from("alice")));
    store.delete(&k).await.unwrap();
    assert_eq!(text.mg(&k), None);
}

#[tokio::test]
async fn over_the_item_limit_is_refused_and_the_old_session_stays() {
    let store = store().await;
    let text = Text::new(&env::memcached_url());
    assert_eq!(store.item_limit(), DEFAULT_ITEM_LIMIT, "read from `stats settings` (memcached -I 1m)");
    let k = key();
    assert!(store.create(&k, &sample(1), &Expiry::after(Duration::from_secs(600))).await.unwrap());
    let before = text.mg(&k).unwrap().value;

    let mut big = sample(2);
    big.insert("blob", Value::Binary(vec![7; 2 * 1024 * 1024]));
    let t = Instant::now();
    match store.save(&k, &big, &Expiry::after(Duration::from_secs(600))).await {
        Err(e @ StoreError::TooLarge { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("memcached") && msg.contains("limit"), "a clear message: {msg}");
        }
        other => panic!("a 2 MB session must be refused as TooLarge, got {other:?}"),
    }
    assert!(t.elapsed() < Duration::from_millis(500), "refused before sending");
    assert_eq!(text.mg(&k).unwrap().value, before, "the stored session is intact");

    // The largest session the store lets through is one the server really stores: the
    // overhead allowance matches memcached's item header.
    let allowed = store.item_limit() - 96 - k.len();
    let mut edge = sample(3);
    let base = codec::encode(&edge, SerializationFormat::Msgpack).unwrap().len();
    // "blob" key (5 bytes) + bin32 header (5 bytes) + payload.
    edge.insert("blob", Value::Binary(vec![1; allowed - base - 10]));
    assert_eq!(codec::encode(&edge, SerializationFormat::Msgpack).unwrap().len(), allowed);
    assert!(store.save(&k, &edge, &Expiry::after(Duration::from_secs(600))).await.expect("a session at the limit is stored"));
    assert_eq!(store.load(&k, None).await.unwrap().unwrap().data, edge);
    store.delete(&k).await.unwrap();
}

/// python-memcached's server choice for `key` among `n` servers, computed by Python itself.
fn python_server_index(key: &str, n: usize) -> usize {
    let code = format!("import binascii; print(((binascii.crc32({key:?}.encode()) & 0xffffffff) >> 16) & 0x7fff)");
    let out = std::process::Command::new("python3").args(["-c", &code]).output().expect("python3 on the PATH");
    let h: usize = String::from_utf8(out.stdout).unwrap().trim().parse().expect("python printed a number");
    h % n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_servers_spread_as_python_memcached() {
    let second = Server::start("memcached", &["-p", "{port}", "-l", "127.0.0.1", "-U", "0", "-u", "memcache", "-m", "16"]);
    let urls = [env::memcached_url(), format!("memcache://127.0.0.1:{}", second.port)];
    let store = MemcachedStore::connect(&urls.join(","), StoreOptions::default()).await.expect("connect to both");
    let texts = [Text::new(&urls[0]), Text::new(&urls[1])];
    let mut per_server = [0; 2];
    for _ in 0..20 {
        let k = key();
        assert!(store.create(&k, &sample(1), &Expiry::after(Duration::from_secs(60))).await.unwrap());
        let want = python_server_index(&k, 2);
        assert!(texts[want].mg(&k).is_some(), "{k} is on server {want}, as python-memcached puts it");
        assert!(texts[1 - want].mg(&k).is_none(), "and only there");
        per_server[want] += 1;
        store.delete(&k).await.unwrap();
    }
    assert!(per_server.iter().all(|&n| n > 0), "both servers used: {per_server:?}");
}

#[tokio::test]
async fn bad_urls_fail_at_connect() {
    for bad in ["", "http://127.0.0.1:11211", "memcache://127.0.0.1:11211?protocol=ascii"] {
        assert!(MemcachedStore::connect(bad, StoreOptions::default()).await.is_err(), "{bad:?}");
    }
    let port = common::spawn::spare_port();
    let t = Instant::now();
    let e = MemcachedStore::connect(&format!("127.0.0.1:{port}"), StoreOptions::default().with_timeout(Duration::from_millis(500)))
        .await
        .unwrap_err();
    assert!(t.elapsed() < Duration::from_millis(1500), "{e} after {:?}", t.elapsed());
}

/// A server that goes away: operations fail within the timeout (the test process lives on),
/// and the same store object works again once the server is back, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_goes_away_and_comes_back() {
    let mut server = Server::start("memcached", &["-p", "{port}", "-l", "127.0.0.1", "-U", "0", "-u", "memcache", "-m", "16"]);
    let timeout = Duration::from_millis(500);
    let store = MemcachedStore::connect(&format!("memcache://127.0.0.1:{}", server.port), StoreOptions::default().with_timeout(timeout))
        .await
        .expect("connect to the spawned memcached");
    store_survives_its_server("memcached", &store, &mut server, timeout).await;
}

fn http_settings(url: &str) -> Settings {
    Settings::memcached(url)
}

impl Text {
    fn touch(&self, key: &str, ttl: u64) {
        let mut r = self.conn();
        write!(r.get_mut(), "touch {key} {ttl}\r\n").unwrap();
        assert_eq!(Self::line(&mut r), "TOUCHED");
    }
}

/// Over real HTTP: the item a request leaves is Flask-Session 0.8's (key, bytes, flags 0, the
/// 31-day expiry); a read-only request refreshes it with `touch`; clearing deletes it.
#[tokio::test]
async fn http_requests_leave_flask_entries() {
    let url = env::memcached_url();
    let base = common::backend_http::app(http_settings(&url)).await;
    let text = Text::new(&url);
    let (b, sid) = common::backend_http::first_visit(&base).await;
    let k = format!("session:{sid}");
    let item = text.mg(&k).expect("stored under session:<sid>");
    assert_eq!(item.value, common::backend_http::visits_msgpack(1));
    assert_eq!(item.flags, 0);
    assert!((2_678_395..=2_678_405).contains(&item.ttl), "31 days: t{}", item.ttl);

    text.touch(&k, 100);
    assert_eq!(common::http::text(&b, &format!("{base}/get")).await, "1");
    assert!(text.mg(&k).unwrap().ttl >= 2_678_395, "refreshed by the read-only request");

    assert_eq!(common::http::text(&b, &format!("{base}/incr")).await, "2");
    assert_eq!(text.mg(&k).unwrap().value, common::backend_http::visits_msgpack(2));
    assert_eq!(common::http::text(&b, &format!("{base}/clear")).await, "cleared");
    assert_eq!(text.mg(&k), None, "an emptied session is deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_server_goes_away_and_comes_back() {
    let mut server = Server::start("memcached", &["-p", "{port}", "-l", "127.0.0.1", "-U", "0", "-u", "memcache", "-m", "16"]);
    let url = format!("memcache://127.0.0.1:{}", server.port);
    common::backend_http::outage(http_settings(&url), &mut server).await;
}
