//! A logout sticks, on every store, whatever requests of the same session are in flight.
//!
//! Each trial logs a browser in, starts [`IN_FLIGHT`] requests that load the session and then
//! wait on [`Hold`], lets every one of them load, logs out (`/destroy`, or `/clear`, which
//! empties the session and so deletes it), and only then lets the held requests finish: each
//! finishes a session whose entry is gone. Read-only ones used to write it back when their
//! refresh found it missing, modifying ones by a plain last-write-wins save; either way the old
//! cookie was logged in again. Now the old cookie must lead to a fresh session, in the browser
//! and replayed by hand. The window is held open on purpose, so every
//! trial meets the race; [`TRIALS`] per case, with merging on and off, read-only and modifying.
//!
//! A second test is the attacker's version: loops of ordinary requests with a stolen cookie
//! keep running across the victim's logout, on every store.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use common::http::{bare, browser, routes, serve, set_cookie, text};
use common::stores::{settings, Kind};
use session_runtime::{Session, SessionError, SessionLayer};
use tokio::sync::watch;

/// Requests held open across each logout.
const IN_FLIGHT: usize = 4;
/// Trials per store and case: the held window makes every trial meet the race.
const TRIALS: usize = 10;
/// A held request that is never released fails the test instead of hanging it.
const HOLD_GUARD: Duration = Duration::from_secs(30);

/// Counts the held requests that have loaded their session, and releases them together.
struct Hold {
    loaded: AtomicUsize,
    release: watch::Sender<bool>,
}

impl Hold {
    fn new() -> Arc<Self> {
        Arc::new(Hold { loaded: AtomicUsize::new(0), release: watch::channel(false).0 })
    }

    async fn all_loaded(&self, n: usize) {
        let waited = tokio::time::timeout(HOLD_GUARD, async {
            while self.loaded.load(Ordering::SeqCst) < n {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        });
        waited.await.expect("the held requests load their session");
    }
}

/// Loads the session, waits for the release, then (when `modify`) counts a visit.
async fn held(hold: Arc<Hold>, session: Session, modify: bool) -> Result<String, SessionError> {
    let visits = session.get::<u64>("visits").await?.unwrap_or(0);
    let mut release = hold.release.subscribe();
    hold.loaded.fetch_add(1, Ordering::SeqCst);
    tokio::time::timeout(HOLD_GUARD, release.wait_for(|go| *go)).await.expect("released").expect("sender alive");
    if modify {
        session.insert("visits", &(visits + 1)).await?;
    }
    Ok(visits.to_string())
}

fn app(layer: SessionLayer, hold: Arc<Hold>) -> Router {
    let held_routes = Router::new()
        .route("/held-read", get(|State(h): State<Arc<Hold>>, s: Session| held(h, s, false)))
        .route("/held-write", get(|State(h): State<Arc<Hold>>, s: Session| held(h, s, true)))
        .with_state(hold);
    routes().merge(held_routes).layer(layer)
}

async fn logout_sticks(kind: Kind, merge: bool) {
    let mut s = settings(kind, &format!("logout-race-{kind:?}-{merge}").to_lowercase());
    s.session_merge_on_save = merge;
    let layer = s.into_layer().await.unwrap_or_else(|e| panic!("{kind:?}: session layer: {e}"));
    for trial in 0..TRIALS {
        let modify = trial % 2 == 1;
        let logout = if trial % 4 < 2 { "/destroy" } else { "/clear" };
        let hold = Hold::new();
        let base = serve(app(layer.clone(), hold.clone())).await;
        let b = browser();
        let res = b.get(format!("{base}/incr")).send().await.unwrap();
        let (sid, _) = set_cookie(&res).expect("a new session sets its cookie");
        assert_eq!(res.text().await.unwrap(), "1");

        let route = if modify { "held-write" } else { "held-read" };
        let late: Vec<_> = (0..IN_FLIGHT)
            .map(|_| {
                let (b, url) = (b.clone(), format!("{base}/{route}"));
                tokio::spawn(async move { b.get(url).send().await.unwrap() })
            })
            .collect();
        hold.all_loaded(IN_FLIGHT).await;
        assert_eq!(b.get(format!("{base}{logout}")).send().await.unwrap().status(), 200);
        hold.release.send_replace(true);

        let case = format!("{kind:?}, merge {merge}, trial {trial}, {route} across {logout}");
        for response in late {
            // A late read that refreshed its cookie while loading may still send it: it names
            // nothing any more, which the replay below checks.
            assert_eq!(response.await.unwrap().status(), 200, "{case}: a late request of a logged-out session");
        }
        let replayed = bare().get(format!("{base}/get")).header("cookie", format!("session={sid}")).send().await.unwrap();
        assert_eq!(replayed.text().await.unwrap(), "none", "{case}: the logged-out cookie is still logged in");
        assert_eq!(text(&b, &format!("{base}/get")).await, "none", "{case}: the browser is logged in again");
    }
}

/// The reproduction: a stolen cookie kept busy by loops of requests (reads and
/// visits) does not survive the victim's logout.
async fn busy_stolen_cookie(kind: Kind) {
    let s = settings(kind, &format!("busy-{kind:?}").to_lowercase());
    let base = common::http::serve_sessions(s.into_layer().await.unwrap_or_else(|e| panic!("{kind:?}: {e}"))).await;
    for trial in 0..TRIALS {
        let victim = browser();
        let res = victim.get(format!("{base}/incr")).send().await.unwrap();
        let (sid, _) = set_cookie(&res).expect("cookie");
        let cookie = format!("session={sid}");
        let attacker: Vec<_> = (0..IN_FLIGHT)
            .map(|i| {
                let (url, cookie) = (format!("{base}/{}", if i % 2 == 0 { "get" } else { "incr" }), cookie.clone());
                tokio::spawn(async move {
                    let c = bare();
                    for _ in 0..25 {
                        let _ = c.get(&url).header("cookie", &cookie).send().await;
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(text(&victim, &format!("{base}/destroy")).await, "destroyed");
        for a in attacker {
            a.await.unwrap();
        }
        let replayed = bare().get(format!("{base}/get")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(replayed.text().await.unwrap(), "none", "{kind:?} trial {trial}: the stolen cookie outlived the logout");
    }
}

macro_rules! per_store {
    ($($name:ident => $kind:expr),* $(,)?) => {
        $(
            mod $name {
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn logout_sticks_without_merging() {
                    logout_sticks($kind, false).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn logout_sticks_with_merging() {
                    logout_sticks($kind, true).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn a_busy_stolen_cookie_does_not_outlive_the_logout() {
                    busy_stolen_cookie($kind).await;
                }
            }
        )*
        #[test]
        fn every_store_is_covered() {
            assert_eq!([$($kind),*], Kind::ALL);
        }
    };
}

per_store! {
    filesystem => Kind::Filesystem,
    redis => Kind::Redis,
    redis_cluster => Kind::RedisCluster,
    memcached => Kind::Memcached,
    mongodb => Kind::Mongodb,
    postgres => Kind::Postgres,
    mysql => Kind::Mysql,
    sqlite => Kind::Sqlite,
}
