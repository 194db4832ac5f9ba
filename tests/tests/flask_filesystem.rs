//! A real Flask-Session 0.8 app and the Rust app on one session directory and one cookie.

mod common;
#[allow(dead_code)]
#[path = "../../session-runtime/examples/flask_compat.rs"]
mod flask_compat;

use std::path::PathBuf;

use common::flask::{run_python, FlaskApp};
use common::http::{browser, serve};
use common::interop;
use session_runtime::{SecretKey, SessionType, Settings};

struct Apps {
    flask: FlaskApp,
    rust: String,
    dir: PathBuf,
}

async fn apps(signed: bool) -> Apps {
    let dir = common::temp_dir("flask-fs");
    let mut env = vec![("SESSION_TYPE", "filesystem".to_owned()), ("SESSION_FILE_DIR", dir.display().to_string())];
    let mut s = Settings::default();
    s.session_type = SessionType::Filesystem;
    s.session_file_dir = dir.clone();
    if signed {
        env.push(("SESSION_USE_SIGNER", "1".into()));
        env.push(("SECRET_KEY", "dev-secret-key".into()));
        s.session_use_signer = true;
        s.secret_key = Some(SecretKey::from("dev-secret-key"));
    }
    let flask = common::flask::start(&env).await;
    let rust = serve(flask_compat::router().layer(s.into_layer().await.unwrap())).await;
    Apps { flask, rust, dir }
}

#[tokio::test]
async fn values_cross_both_ways() {
    let a = apps(false).await;
    interop::values_cross_both_ways(&a.flask.base, &a.rust).await;
}

#[tokio::test]
async fn flashes_cross() {
    let a = apps(false).await;
    interop::flashes_cross(&a.flask.base, &a.rust).await;
}

#[tokio::test]
async fn both_writers_survive_and_clear_is_shared() {
    let a = apps(false).await;
    interop::shared_session_and_clear(&a.flask.base, &a.rust).await;
}

#[tokio::test]
async fn signed_cookies_interoperate_and_tampering_is_refused() {
    let a = apps(true).await;
    interop::values_cross_both_ways(&a.flask.base, &a.rust).await;
    interop::tampered_cookies_refused(&a.flask.base, &a.rust).await;
}

#[tokio::test]
async fn unsigned_tampered_ids_are_refused() {
    let a = apps(false).await;
    interop::tampered_cookies_refused(&a.flask.base, &a.rust).await;
}

/// The file the Rust side writes is what cachelib writes: `struct.pack("I", expiry)` then a
/// pickle, under sha256("session:" + sid).
#[tokio::test]
async fn our_files_read_with_python_pickle_and_struct() {
    let a = apps(false).await;
    let b = browser();
    let res = b.get(format!("{}/set?k=name&v=alice", a.rust)).send().await.unwrap();
    let sid = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap()["session=".len()..].to_owned();
    let code = r#"
import hashlib, json, os, pickle, struct, sys, time
path = os.path.join(sys.argv[1], hashlib.sha256(("session:" + sys.argv[2]).encode()).hexdigest())
with open(path, "rb") as f:
    expires = struct.unpack("I", f.read(4))[0]
    data = pickle.load(f)
print(json.dumps({"data": data, "ttl": expires - int(time.time()), "mode": oct(os.stat(path).st_mode & 0o777)}))
"#;
    let out: serde_json::Value = serde_json::from_str(&run_python(code, &[&a.dir.display().to_string(), &sid])).unwrap();
    assert_eq!(out["data"], serde_json::json!({"_permanent": true, "name": "alice"}));
    let ttl = out["ttl"].as_i64().unwrap();
    assert!((2_678_390..=2_678_400).contains(&ttl), "31 days from now, got {ttl}");
    assert_eq!(out["mode"], "0o600");
}

/// With the absolute timeout on, a session Flask wrote (without `_session_meta`) gets its
/// creation time when the Rust side first reads it, and the record survives Flask's writes:
/// Flask-Session loads it, ignores it and writes it back unchanged.
#[tokio::test]
async fn the_timeouts_record_passes_through_flask() {
    let dir = common::temp_dir("flask-fs-meta");
    let env = vec![("SESSION_TYPE", "filesystem".to_owned()), ("SESSION_FILE_DIR", dir.display().to_string())];
    let s = Settings::filesystem(dir.clone()).with(|s| {
        s.session_absolute_lifetime = Some(std::time::Duration::from_secs(40 * 86_400));
        s.session_renew_interval = Some(std::time::Duration::from_secs(3_600));
    });
    let flask = common::flask::start(&env).await;
    let rust = serve(flask_compat::router().layer(s.into_layer().await.unwrap())).await;
    let b = browser();
    let dump = |side: String| {
        let b = b.clone();
        async move { b.get(format!("{side}/dump")).send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    b.get(format!("{}/set?k=a&v=1&t=int", flask.base)).send().await.unwrap();
    assert_eq!(dump(flask.base.clone()).await.get(session_runtime::META_KEY), None, "Flask wrote none");
    b.get(format!("{rust}/set?k=b&v=2&t=int")).send().await.unwrap();
    let record = dump(flask.base.clone()).await[session_runtime::META_KEY].clone();
    let created = record["created"].as_u64().expect("stamped when the Rust side first read it");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!(now - created <= 5, "{record}");
    b.get(format!("{}/set?k=c&v=3&t=int", flask.base)).send().await.unwrap();
    let seen = dump(rust.clone()).await;
    assert_eq!(seen[session_runtime::META_KEY], record, "Flask wrote the record back unchanged: {seen}");
    assert_eq!((seen["a"].clone(), seen["b"].clone(), seen["c"].clone()), (serde_json::json!(1), serde_json::json!(2), serde_json::json!(3)));
}
