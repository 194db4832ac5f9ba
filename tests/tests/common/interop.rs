//! The interop checks every backend runs: a Flask app and the Rust app on one store and one
//! cookie jar, each reading what the other wrote.

use serde_json::{json, Value};

use super::http::browser;

async fn get(client: &reqwest::Client, url: String) -> Value {
    let res = client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    res.json().await.unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// Values set on one side read on the other, both ways, for every type both sides share.
pub async fn values_cross_both_ways(flask: &str, rust: &str) {
    let cases: &[(&str, &str, &str, Value)] = &[
        ("s", "alice", "str", json!("alice")),
        ("i", "42", "int", json!(42)),
        ("neg", "-7", "int", json!(-7)),
        ("f", "1.5", "float", json!(1.5)),
        ("u", "ünïcødé ✓", "str", json!("ünïcødé ✓")),
        ("b", "AP8KDQ==", "bytes", json!({"$bytes": "AP8KDQ=="})),
        ("n", r#"{"list":[1,"two",[3.5,null]],"map":{"k":true}}"#, "json", json!({"list":[1,"two",[3.5,null]],"map":{"k":true}})),
    ];
    for (writer, reader) in [(flask, rust), (rust, flask)] {
        let b = browser();
        for (k, v, t, _) in cases {
            let url = format!("{writer}/set?k={k}&v={}&t={t}", urlencode(v));
            assert_eq!(get(&b, url).await, json!({"ok": true}));
        }
        for (k, _, _, want) in cases {
            assert_eq!(&get(&b, format!("{reader}/get?k={k}")).await, want, "{k} written by {writer}, read by {reader}");
        }
    }
}

/// Flask's `flash()` list, written on one side, read on the other.
pub async fn flashes_cross(flask: &str, rust: &str) {
    let b = browser();
    get(&b, format!("{flask}/flash?m=hello&c=info")).await;
    get(&b, format!("{rust}/flash?m=again")).await;
    let want = json!([["info", "hello"], ["message", "again"]]);
    assert_eq!(get(&b, format!("{flask}/get?k=_flashes")).await, want);
    assert_eq!(get(&b, format!("{rust}/get?k=_flashes")).await, want);
}

/// Writes from both sides to one session both survive, and clearing on either side is seen
/// by the other.
pub async fn shared_session_and_clear(flask: &str, rust: &str) {
    for clearer in [flask, rust] {
        let b = browser();
        get(&b, format!("{flask}/set?k=from_flask&v=1&t=int")).await;
        get(&b, format!("{rust}/set?k=from_rust&v=2&t=int")).await;
        get(&b, format!("{flask}/set?k=again&v=3&t=int")).await;
        for side in [flask, rust] {
            let dump = get(&b, format!("{side}/dump")).await;
            assert_eq!((dump["from_flask"].clone(), dump["from_rust"].clone(), dump["again"].clone()), (json!(1), json!(2), json!(3)), "{side}: {dump}");
            assert_eq!(dump["_permanent"], json!(true));
        }
        get(&b, format!("{clearer}/clear")).await;
        for side in [flask, rust] {
            assert_eq!(get(&b, format!("{side}/get?k=from_rust")).await, Value::Null, "cleared by {clearer}, read by {side}");
        }
    }
}

/// A cookie with a tampered id or signature is refused by both apps.
pub async fn tampered_cookies_refused(flask: &str, rust: &str) {
    let b = browser();
    get(&b, format!("{rust}/set?k=secret&v=1&t=int")).await;
    let res = b.get(format!("{rust}/dump")).send().await.unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let (name, value) = cookie.split_once('=').unwrap();
    // Flip a bit of the signature's (or the bare id's) first character: the last one also
    // carries base64 padding bits, which both sides' decoders ignore, so changing it may leave
    // the signature intact.
    let at = value.rfind('.').map_or(0, |dot| dot + 1);
    let first = value.as_bytes()[at];
    let tampered = format!("{}{}{}", &value[..at], if first == b'A' { 'B' } else { 'A' }, &value[at + 1..]);
    for side in [flask, rust] {
        let raw = reqwest::Client::new();
        let ok: Value = raw.get(format!("{side}/get?k=secret")).header("cookie", format!("{name}={value}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(ok, json!(1), "{side} accepts the genuine cookie");
        let bad: Value = raw.get(format!("{side}/get?k=secret")).header("cookie", format!("{name}={tampered}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(bad, Value::Null, "{side} refuses a tampered cookie");
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
