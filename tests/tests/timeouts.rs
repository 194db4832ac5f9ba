//! Issue 16's timeouts over real HTTP, each rule on every store (the null store excepted), the
//! stores side by side so the sleeps do not add up; and `examples/timeouts.rs` as its contract
//! says, configured through its environment variables.
//!
//! Stores keep expiry in whole seconds (the filesystem header, Redis `EX`, memcached), so every
//! timeout here is whole seconds and every check keeps a margin of at least half a second.

mod common;
#[allow(dead_code)]
#[path = "../../session-runtime/examples/timeouts.rs"]
mod timeouts_example;

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use axum::routing::get;
use common::http::{bare, serve, set_cookie};
use common::stores::{self, Kind};
use session_runtime::{Session, SessionError, Settings};
use tokio::time::sleep;

fn secs(n: f64) -> Duration {
    Duration::from_secs_f64(n)
}

/// The example's routes, plus `GET /remember` (a 4 s lifetime for this session) and
/// `GET /expires` (whole seconds until the session expires).
async fn app(settings: Settings) -> String {
    async fn remember(session: Session) -> Result<&'static str, SessionError> {
        session.set_lifetime(Duration::from_secs(4)).await?;
        Ok("remembered")
    }
    async fn expires(session: Session) -> Result<String, SessionError> {
        let left = session.expires_at().await?.duration_since(std::time::SystemTime::now()).unwrap_or_default();
        Ok(left.as_secs_f64().round().to_string())
    }
    let router = timeouts_example::router().route("/remember", get(remember)).route("/expires", get(expires));
    serve(router.layer(settings.into_layer().await.unwrap())).await
}

/// A GET with the session cookie `sid` (none for a new session): the body and the new cookie.
async fn get_with(base: &str, path: &str, sid: Option<&str>) -> (String, Option<String>) {
    let mut req = bare().get(format!("{base}{path}"));
    if let Some(sid) = sid {
        req = req.header("cookie", format!("session={sid}"));
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let cookie = set_cookie(&res).map(|(v, _)| v);
    (res.text().await.unwrap(), cookie)
}

/// Runs `scenario` on every store at once.
async fn on_every_store<F, Fut>(label: &str, change: fn(&mut Settings), scenario: F)
where
    F: Fn(Kind, String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut runs = tokio::task::JoinSet::new();
    for kind in Kind::ALL {
        let mut settings = stores::settings(kind, &format!("timeouts_{label}"));
        settings.permanent_session_lifetime = secs(2.0);
        change(&mut settings);
        let base = app(settings).await;
        runs.spawn(scenario(kind, base));
    }
    while let Some(run) = runs.join_next().await {
        run.expect("a store's scenario failed (its panic is above)");
    }
}

/// Idle: every request moves the expiry (the seed's behaviour); a session left alone longer
/// than the idle timeout is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_timeout_on_every_store() {
    on_every_store("idle", |s| s.permanent_session_lifetime = secs(3.0), |kind, base| async move {
        let (n, sid) = get_with(&base, "/", None).await;
        assert_eq!(n, "1", "{kind:?}");
        let sid = sid.unwrap();
        sleep(secs(1.5)).await;
        assert_eq!(get_with(&base, "/peek", Some(&sid)).await.0, "1", "{kind:?}: alive, and its expiry moved");
        sleep(secs(1.7)).await;
        assert_eq!(get_with(&base, "/peek", Some(&sid)).await.0, "1", "{kind:?}: alive past the first expiry");
        sleep(secs(4.0)).await;
        assert_eq!(get_with(&base, "/peek", Some(&sid)).await.0, "0", "{kind:?}: idle past its timeout");
    })
    .await;
}

/// Absolute: a session dies 3 s after it was created however active, and its id with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absolute_timeout_on_every_store() {
    on_every_store("absolute", |s| s.session_absolute_lifetime = Some(secs(3.0)), |kind, base| async move {
        let (_, sid) = get_with(&base, "/", None).await;
        let sid = sid.unwrap();
        for expected in ["2", "3"] {
            sleep(secs(1.0)).await;
            assert_eq!(get_with(&base, "/", Some(&sid)).await.0, expected, "{kind:?}: active and alive");
        }
        assert!(get_with(&base, "/expires", Some(&sid)).await.0.parse::<f64>().unwrap() <= 1.0, "{kind:?}: capped by the absolute timeout");
        sleep(secs(1.5)).await;
        let (n, new_sid) = get_with(&base, "/", Some(&sid)).await;
        assert_eq!(n, "1", "{kind:?}: past its absolute timeout, however active");
        assert_ne!(new_sid.as_deref(), Some(sid.as_str()), "{kind:?}: never the old id");
    })
    .await;
}

/// Renewal: after 2 s the next request gets a new id with the data; the old id works for its
/// grace (1 s: half the interval) without being sent back, then stops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewal_on_every_store() {
    on_every_store("renew", |s| {
        s.permanent_session_lifetime = secs(10.0);
        s.session_renew_interval = Some(secs(2.0));
    }, |kind, base| async move {
        let (_, old) = get_with(&base, "/", None).await;
        let old = old.unwrap();
        sleep(secs(2.5)).await;
        let (n, new) = get_with(&base, "/peek", Some(&old)).await;
        assert_eq!(n, "1", "{kind:?}: the data is kept");
        let new = new.expect("a renewal sends the new id");
        assert_ne!(new, old, "{kind:?}");
        let (n, cookie) = get_with(&base, "/peek", Some(&old)).await;
        assert_eq!((n.as_str(), cookie), ("1", None), "{kind:?}: the old id still works in its grace, and is not sent back");
        assert_eq!(get_with(&base, "/", Some(&new)).await.0, "2", "{kind:?}");
        sleep(secs(2.2)).await;
        assert_eq!(get_with(&base, "/peek", Some(&old)).await.0, "0", "{kind:?}: the old id stopped working after its grace");
        let (n, again) = get_with(&base, "/peek", Some(&new)).await;
        assert_eq!(n, "2", "{kind:?}: the new id carries on");
        assert_ne!(again.as_deref(), Some(new.as_str()), "{kind:?}: renewed again after another interval");
    })
    .await;
}

/// Refresh throttling: reads within the interval move nothing (no cookie either); once the
/// expiry lags more than the interval, a read moves it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_throttling_on_every_store() {
    on_every_store("refresh", |s| {
        s.permanent_session_lifetime = secs(4.0);
        s.session_refresh_interval = Some(secs(2.0));
    }, |kind, base| async move {
        let (_, sid) = get_with(&base, "/", None).await;
        let sid = sid.unwrap();
        // A write moves the expiry (memcached, which cannot report it, has it recorded then).
        assert_eq!(get_with(&base, "/", Some(&sid)).await.0, "2");
        sleep(secs(0.5)).await;
        assert_eq!(get_with(&base, "/peek", Some(&sid)).await, ("2".into(), None), "{kind:?}: a pure read");
        sleep(secs(2.5)).await;
        let (n, cookie) = get_with(&base, "/peek", Some(&sid)).await;
        assert_eq!((n.as_str(), cookie.as_deref()), ("2", Some(sid.as_str())), "{kind:?}: refreshed, cookie and all");
        sleep(secs(2.0)).await;
        assert_eq!(get_with(&base, "/peek", Some(&sid)).await.0, "2", "{kind:?}: alive past its first expiry");
    })
    .await;
}

/// Per-session lifetime: "remember me" gives this session 4 s where the idle timeout is 2 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_session_lifetime_on_every_store() {
    on_every_store("remember", |_| {}, |kind, base| async move {
        let (_, sid) = get_with(&base, "/", None).await;
        let (_, short) = get_with(&base, "/", None).await;
        let (sid, short) = (sid.unwrap(), short.unwrap());
        assert_eq!(get_with(&base, "/remember", Some(&sid)).await.0, "remembered");
        assert_eq!(get_with(&base, "/expires", Some(&sid)).await.0, "4", "{kind:?}");
        sleep(secs(3.0)).await;
        assert_eq!(get_with(&base, "/peek", Some(&short)).await.0, "0", "{kind:?}: the default lifetime ran out");
        assert_eq!(get_with(&base, "/peek", Some(&sid)).await.0, "1", "{kind:?}: the remembered one did not");
    })
    .await;
}

/// The example, configured only through its environment, on the filesystem and Redis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeouts_example_follows_its_environment() {
    let dir = common::temp_dir("timeouts-example");
    let redis = common::env::redis_url();
    let mut runs = tokio::task::JoinSet::new();
    for (session_type, place) in [("filesystem", ("SESSION_FILE_DIR", dir.display().to_string())), ("redis", ("REDIS_URL", redis))] {
        let env: HashMap<&str, String> = HashMap::from([
            ("SESSION_TYPE", session_type.to_owned()),
            (place.0, place.1),
            ("IDLE_TIMEOUT", "3".into()),
            ("ABSOLUTE_TIMEOUT", "5".into()),
            ("RENEW_INTERVAL", "2".into()),
            ("REFRESH_INTERVAL", "1".into()),
        ]);
        let settings = timeouts_example::settings_from(|name| env.get(name).cloned()).unwrap();
        assert_eq!(settings.session_absolute_lifetime, Some(secs(5.0)));
        let base = serve(timeouts_example::router().layer(settings.into_layer().await.unwrap())).await;
        runs.spawn(async move {
            let (n, sid) = get_with(&base, "/", None).await;
            assert_eq!(n, "1", "{session_type}");
            let sid = sid.unwrap();
            // Refresh throttling: a read right after the write is a pure read.
            assert_eq!(get_with(&base, "/peek", Some(&sid)).await, ("1".into(), None), "{session_type}");
            // Like a browser, each request sends the latest cookie: the meta's times are whole
            // seconds, so the renewal comes on the second or the third visit, depending on where
            // in its second the session was created.
            let mut current = sid.clone();
            sleep(secs(1.5)).await;
            let (n, cookie) = get_with(&base, "/", Some(&current)).await;
            assert_eq!(n, "2", "{session_type}: idle timeout not reached");
            current = cookie.unwrap_or(current);
            sleep(secs(1.2)).await;
            let (n, cookie) = get_with(&base, "/", Some(&current)).await;
            assert_eq!(n, "3", "{session_type}");
            let renewed = cookie.unwrap_or(current);
            // Renewal: a new id, the count kept.
            assert_ne!(renewed, sid, "{session_type}: renewed after 2 s");
            sleep(secs(2.6)).await;
            // Absolute: 5 s after creation, the session is over, however active.
            assert_eq!(get_with(&base, "/peek", Some(&renewed)).await.0, "0", "{session_type}: absolute timeout");
            assert_eq!(get_with(&base, "/reset", Some(&renewed)).await.0, "cleared");
        });
    }
    while let Some(run) = runs.join_next().await {
        run.expect("the example failed on a store (its panic is above)");
    }
    let env: HashMap<&str, String> = HashMap::from([("IDLE_TIMEOUT", "soon".to_owned())]);
    let err = timeouts_example::settings_from(|name| env.get(name).cloned()).unwrap_err();
    assert!(err.contains("IDLE_TIMEOUT"), "{err}");
    let env: HashMap<&str, String> = HashMap::from([("IDLE_TIMEOUT", "60".to_owned()), ("ABSOLUTE_TIMEOUT", "30".to_owned())]);
    let err = timeouts_example::settings_from(|name| env.get(name).cloned()).unwrap_err();
    assert!(err.contains("session_absolute_lifetime"), "{err}");
}
