//! End to end over real HTTP for the network stores: the quickstart routes of
//! [`http::routes`](super::http::routes) behind a layer built from `Settings`, as an app builds it.

use std::time::{Duration, Instant};

use session_runtime::Settings;

use super::http::{browser, serve_sessions, set_cookie};
use super::spawn::Server;

/// How long a request may take when the store is down: the stores' 2 s default timeout plus
/// slack for a loaded CI machine.
pub const DOWN_BOUND: Duration = Duration::from_secs(3);

/// Serves the test routes with sessions as `settings` say; returns the base URL.
pub async fn app(settings: Settings) -> String {
    let layer = settings.into_layer().await.unwrap_or_else(|e| panic!("session layer: {e}"));
    serve_sessions(layer).await
}

/// msgspec's bytes for `{"_permanent": True, "visits": n}` (n < 128), what Flask-Session 0.8
/// stores after `session["visits"] = n` in a new session.
pub fn visits_msgpack(n: u8) -> Vec<u8> {
    let mut v = vec![0x82, 0xaa];
    v.extend_from_slice(b"_permanent");
    v.extend_from_slice(&[0xc3, 0xa6]);
    v.extend_from_slice(b"visits");
    v.push(n);
    v
}

/// A first visit: `GET /incr` answers 1 and sets the cookie; returns the browser and the sid.
pub async fn first_visit(base: &str) -> (reqwest::Client, String) {
    let b = browser();
    let res = b.get(format!("{base}/incr")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let (sid, _) = set_cookie(&res).expect("a new session sets its cookie");
    assert_eq!(res.text().await.unwrap(), "1");
    (b, sid)
}

/// The store's server goes away under a running app: requests that touch the session get a 5xx
/// within [`DOWN_BOUND`], the app lives on, and once the server is back requests succeed again
/// without restarting anything. Returns how long recovery took after the restart.
pub async fn outage(settings: Settings, server: &mut Server) -> Duration {
    let base = app(settings).await;
    let (b, _) = first_visit(&base).await;
    assert_eq!(b.get(format!("{base}/incr")).send().await.unwrap().text().await.unwrap(), "2");

    server.kill();
    for _ in 0..3 {
        let t = Instant::now();
        let res = b.get(format!("{base}/incr")).send().await.expect("the app still answers");
        let took = t.elapsed();
        assert!(res.status().is_server_error(), "a dead store is a 5xx, got {}", res.status());
        assert!(took < DOWN_BOUND, "the 5xx took {took:?}, over {DOWN_BOUND:?}");
        eprintln!("store down: HTTP {} in {took:?}", res.status());
    }
    // A request that never touches the session does not notice.
    assert_eq!(b.get(format!("{base}/none")).send().await.unwrap().status(), 200);

    server.restart();
    let t = Instant::now();
    loop {
        let res = b.get(format!("{base}/incr")).send().await.expect("the app still answers");
        if res.status() == 200 {
            // The restarted server kept nothing, so this is a fresh session (never the old id).
            assert_eq!(res.text().await.unwrap(), "1");
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(15), "no recovery 15 s after the restart: {}", res.status());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let back = t.elapsed();
    assert_eq!(b.get(format!("{base}/incr")).send().await.unwrap().text().await.unwrap(), "2");
    eprintln!("recovered {back:?} after the restart");
    back
}
