//! `examples/hyper.rs`: the session through a plain hyper server and a tower service (no axum),
//! over real HTTP.

#[allow(dead_code)]
#[path = "../../session-runtime/examples/hyper.rs"]
mod hyper_example;

use session_runtime::store::MemoryStore;
use session_runtime::{SessionLayer, Settings};

#[tokio::test]
async fn counts_visits_and_clears_them() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let store = MemoryStore::new();
    let sessions = SessionLayer::new(store.clone(), Settings::default()).expect("layer");
    tokio::spawn(hyper_example::serve(listener, sessions));

    let b = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let get = |path: &'static str| {
        let (b, url) = (b.clone(), format!("{base}{path}"));
        async move { b.get(url).send().await.unwrap().text().await.unwrap() }
    };
    assert_eq!(get("/").await, "1");
    assert_eq!(get("/").await, "2");
    assert_eq!(store.len(), 1, "the session is in the store the layer was given");
    // Another browser has its own session.
    let other = reqwest::Client::new().get(format!("{base}/")).send().await.unwrap();
    assert!(other.headers().get("set-cookie").is_some());
    assert_eq!(other.text().await.unwrap(), "1");
    assert_eq!(get("/reset").await, "cleared");
    assert_eq!(get("/").await, "1", "a cleared session starts over");
}
