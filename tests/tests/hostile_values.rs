//! Stored values planted by an attacker (or written by a buggy app), read through a real app
//! over HTTP: each is refused or read in time and memory in proportion to its size, the request
//! gets a fresh session, and the planted entry is left as it was.
//!
//! Figures (peak memory, time) for these values are measured outside the suite; see SECURITY.md.

mod common;

use std::time::Instant;

use common::env;
use common::http::{bare, serve_sessions, set_cookie};
use session_runtime::{codec, SerializationFormat, SessionId, SessionMap, SessionType, Settings, Value};

async fn redis_app() -> String {
    let mut s = Settings::default();
    s.session_type = SessionType::Redis;
    s.session_redis = env::redis_url();
    serve_sessions(s.into_layer().await.unwrap_or_else(|e| env::server_missing("Redis", &env::redis_url(), e))).await
}

async fn raw_redis() -> redis::aio::MultiplexedConnection {
    let url = env::redis_url();
    let client = redis::Client::open(url.as_str()).unwrap();
    client.get_multiplexed_async_connection().await.unwrap_or_else(|e| env::server_missing("Redis", &url, e))
}

/// Plants `bytes` under a fresh id; returns the id.
async fn plant(bytes: &[u8]) -> String {
    let id = SessionId::generate(32).as_str().to_owned();
    let mut conn = raw_redis().await;
    let _: () = redis::cmd("SET").arg(format!("session:{id}")).arg(bytes).arg("EX").arg(600).query_async(&mut conn).await.unwrap();
    id
}

async fn stored(id: &str) -> Option<Vec<u8>> {
    redis::cmd("GET").arg(format!("session:{id}")).query_async(&mut raw_redis().await).await.unwrap()
}

/// `GET /get` with the planted id: the answer and the id the response's cookie names, if any.
async fn visit(base: &str, id: &str) -> (String, Option<String>) {
    let res = bare().get(format!("{base}/get")).header("cookie", format!("session={id}")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let cookie = set_cookie(&res).map(|(sid, _)| sid);
    (res.text().await.unwrap(), cookie)
}

/// Refused: the request sees a fresh session (never the planted id), the value stays stored.
async fn refused_as_fresh(base: &str, bytes: &[u8], what: &str) {
    let id = plant(bytes).await;
    let started = Instant::now();
    let (answer, cookie) = visit(base, &id).await;
    eprintln!("{what}: refused in {:?}", started.elapsed());
    assert_eq!(answer, "none", "{what}: read as a session");
    assert_ne!(cookie.as_deref(), Some(id.as_str()), "{what}: the planted id was adopted");
    assert_eq!(stored(&id).await.as_deref(), Some(bytes), "{what}: the planted value was changed");
}

/// A 50,000-key msgpack map (about 600 KB): read in linear time, keys and all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_map_of_fifty_thousand_keys_reads_whole() {
    let base = redis_app().await;
    let mut map: SessionMap = (0..50_000).map(|i| (format!("k{i:05}"), Value::Nil)).collect();
    map.insert("visits", Value::from(7));
    let bytes = codec::encode(&map, SerializationFormat::Msgpack).unwrap();
    assert!(bytes.len() < 1 << 20, "under the default session_max_size");
    let id = plant(&bytes).await;
    let started = Instant::now();
    let (answer, _) = visit(&base, &id).await;
    eprintln!("50,000 keys ({} bytes) read in {:?}", bytes.len(), started.elapsed());
    assert_eq!(answer, "7");
}

/// 5 MB of msgpack nils used to take 40 MB to 245 MB of memory; over `session_max_size`, it is
/// refused unread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_over_the_size_limit_are_refused_unread() {
    let base = redis_app().await;
    let mut nils = vec![0x81, 0xa1, b'k', 0xdd];
    nils.extend(5_000_000u32.to_be_bytes());
    nils.extend(std::iter::repeat_n(0xc0, 5_000_000));
    refused_as_fresh(&base, &nils, "5 MB of msgpack nils").await;
    let mut json = br#"{"k":["#.to_vec();
    json.extend(std::iter::repeat_n(&b"null,"[..], 400_000).flatten());
    json.extend(br#"null]}"#);
    refused_as_fresh(&base, &json, "2 MB of JSON nulls").await;
}

/// The pickles that amplified: a MARK bomb (250,000 `(`) and a protocol-0 long of 400,000
/// digits, in Redis (every store falls back to pickle when decoding).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amplifying_pickles_are_refused() {
    let base = redis_app().await;
    let mut marks = b"\x80\x04".to_vec();
    marks.extend(std::iter::repeat_n(b'(', 250_000));
    marks.extend(b"}.");
    refused_as_fresh(&base, &marks, "a MARK bomb").await;
    let mut long = b"(dp0\nS'n'\np1\nL".to_vec();
    long.extend(std::iter::repeat_n(b'9', 400_000));
    long.extend(b"L\ns.");
    refused_as_fresh(&base, &long, "a 400,000-digit long").await;
}

/// A key that holds a Redis type other than a string (`WRONGTYPE`) is unreadable like a
/// corrupt value: a fresh session, not a 500 on every request of that client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_of_another_redis_type_is_a_fresh_session() {
    let base = redis_app().await;
    let id = SessionId::generate(32).as_str().to_owned();
    let mut conn = raw_redis().await;
    let key = format!("session:{id}");
    let _: () = redis::cmd("RPUSH").arg(&key).arg("x").query_async(&mut conn).await.unwrap();
    let _: () = redis::cmd("EXPIRE").arg(&key).arg(600).query_async(&mut conn).await.unwrap();
    for _ in 0..2 {
        let (answer, cookie) = visit(&base, &id).await;
        assert_eq!(answer, "none");
        assert_ne!(cookie.as_deref(), Some(id.as_str()));
    }
    let kind: String = redis::cmd("TYPE").arg(&key).query_async(&mut conn).await.unwrap();
    assert_eq!(kind, "list", "the other app's key is left alone");
}
