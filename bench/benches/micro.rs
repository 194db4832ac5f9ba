//! Criterion micro-benchmarks of the per-request pieces of session-runtime: id generation,
//! cookie signing and verifying, session encode/decode (msgpack and JSON), cookie parsing as the
//! layer does it, and encode+decode cost against session size (1, 10, 100 KB) to check it
//! grows linearly.
//!
//! `cargo bench -p session-bench --bench micro`

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use session_runtime::codec::{self, SerializationFormat};
use session_runtime::{SessionId, SessionMap, Signer, Value};

const SID: &str = "uE8VW5JpjcNUdBJq6_3IGjSR5921D4avEevMeqhgYP0";

/// A typical logged-in Flask session: Flask-Login's keys, a CSRF token, flashes, a few app keys.
fn typical_session() -> SessionMap {
    let mut m = SessionMap::new();
    m.insert("_permanent", Value::Boolean(true));
    m.insert("_user_id", Value::from("12345"));
    m.insert("_fresh", Value::Boolean(true));
    m.insert("_id", Value::from("f1c0e9b3a0d84a1b9d0b0e7f2a6c3d5e4b8a9c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7"));
    m.insert("csrf_token", Value::from("b5a1f0e6c2d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5"));
    m.insert(
        "_flashes",
        Value::Array(vec![Value::Array(vec![Value::from("message"), Value::from("Welcome back!")])]),
    );
    m.insert("locale", Value::from("en_GB"));
    m.insert("cart", Value::Array((1..=5).map(|i| Value::from(i * 1000 + 7)).collect()));
    m.insert("last_seen", Value::F64(1_764_000_000.25));
    m.insert("visits", Value::from(42));
    m
}

/// A session whose msgpack form is about `bytes` long: the typical keys plus one list of
/// 100-byte strings.
fn session_of(bytes: usize) -> SessionMap {
    let mut m = typical_session();
    let base = codec::encode(&m, SerializationFormat::Msgpack).unwrap().len();
    let items = bytes.saturating_sub(base) / 102;
    m.insert("history", Value::Array((0..items).map(|i| Value::from(format!("{i:0>100}"))).collect()));
    m
}

fn ids(c: &mut Criterion) {
    c.bench_function("id/generate_32", |b| b.iter(|| black_box(SessionId::generate(black_box(32)))));
    c.bench_function("id/parse", |b| b.iter(|| black_box(SessionId::parse(black_box(SID)))));
}

fn signing(c: &mut Criterion) {
    let signer = Signer::new("a-secret-key-of-reasonable-length");
    let signed = signer.sign(SID);
    c.bench_function("signer/sign", |b| b.iter(|| black_box(signer.sign(black_box(SID)))));
    c.bench_function("signer/unsign", |b| b.iter(|| black_box(signer.unsign(black_box(&signed)))));
}

fn codec_typical(c: &mut Criterion) {
    let m = typical_session();
    let mut g = c.benchmark_group("codec/typical_10_keys");
    for (name, format) in [("msgpack", SerializationFormat::Msgpack), ("json", SerializationFormat::Json)] {
        let bytes = codec::encode(&m, format).unwrap();
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(format!("encode_{name}"), |b| b.iter(|| black_box(codec::encode(black_box(&m), format).unwrap())));
        // `decode` tries msgpack first, then JSON (Flask-Session's order), so the JSON figure
        // includes one failed msgpack attempt, as in production.
        g.bench_function(format!("decode_{name}"), |b| b.iter(|| black_box(codec::decode(black_box(&bytes)).unwrap())));
    }
    g.finish();
}

/// What the layer does to each request's `Cookie` header: split it, find the session cookie,
/// verify the signature when signing, check the id's shape. Both the cookie crate's
/// `split_parse` (what the layer used first) and the layer's own split are measured.
fn cookie_parsing(c: &mut Criterion) {
    let signer = Signer::new("a-secret-key-of-reasonable-length");
    let plain = format!("_ga=GA1.1.123456789.1764000000; theme=dark; session={SID}; lang=en");
    let signed = format!("_ga=GA1.1.123456789.1764000000; theme=dark; session={}; lang=en", signer.sign(SID));
    let parse = |header: &str, signer: Option<&Signer>| {
        let c = cookie::Cookie::split_parse(header).filter_map(Result::ok).find(|c| c.name() == "session")?;
        let raw = c.value();
        let sid = match signer {
            Some(s) => s.unsign(raw)?,
            None => raw,
        };
        SessionId::parse(sid)
    };
    // The layer's own split (cookie.rs `find_value`, crate-private): split on `;`, trim, match
    // the name, with the same trimming rules as the crate, and no `Cookie` built per pair.
    let fast = |header: &str, signer: Option<&Signer>| {
        let raw = header.split(';').find_map(|pair| {
            let (n, v) = pair.trim().split_once('=')?;
            (!n.trim().is_empty() && n.trim() == "session").then(|| v.trim())
        })?;
        let sid = match signer {
            Some(s) => s.unsign(raw)?,
            None => raw,
        };
        SessionId::parse(sid)
    };
    c.bench_function("cookie/split_parse_plain", |b| b.iter(|| black_box(parse(black_box(&plain), None))));
    c.bench_function("cookie/split_parse_signed", |b| b.iter(|| black_box(parse(black_box(&signed), Some(&signer)))));
    c.bench_function("cookie/layer_plain", |b| b.iter(|| black_box(fast(black_box(&plain), None))));
    c.bench_function("cookie/layer_signed", |b| b.iter(|| black_box(fast(black_box(&signed), Some(&signer)))));
}

fn growth(c: &mut Criterion) {
    let mut g = c.benchmark_group("codec/encode_decode_by_size");
    for kb in [1usize, 10, 100] {
        let m = session_of(kb * 1024);
        let len = codec::encode(&m, SerializationFormat::Msgpack).unwrap().len();
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_with_input(BenchmarkId::new("msgpack", format!("{kb}KB")), &m, |b, m| {
            b.iter(|| black_box(codec::decode(&codec::encode(black_box(m), SerializationFormat::Msgpack).unwrap()).unwrap()))
        });
        g.bench_with_input(BenchmarkId::new("json", format!("{kb}KB")), &m, |b, m| {
            b.iter(|| black_box(codec::decode(&codec::encode(black_box(m), SerializationFormat::Json).unwrap()).unwrap()))
        });
    }
    g.finish();
}

criterion_group! {
    name = micro;
    // Short runs: the machine is shared and these figures are for ratios, not absolutes.
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = ids, signing, codec_typical, cookie_parsing, growth
}
criterion_main!(micro);
