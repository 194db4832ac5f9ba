//! Issue 17: a user's sessions listed and revoked, over real HTTP with several browsers per
//! user, through `examples/accounts.rs` on every store that keeps a user index; the lifecycle
//! events; a session expired in the store; a session Flask logged in; and the example binary.

mod common;
#[allow(dead_code)]
#[path = "../../session-runtime/examples/accounts.rs"]
mod accounts_example;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::env;
use common::http::{browser, serve};
use serde_json::Value as JsonValue;
use session_runtime::{SessionEvent, SessionLayer, SessionType, Settings};

/// A user name no other test (or earlier run on the same Redis) uses.
fn user(name: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{name}-{}-{nanos}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst))
}

/// The example's settings on `kind`, with a table or collection of its own where tests share a server.
fn settings(kind: &str) -> Settings {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let mut s = Settings::default();
    s.session_user_key = Some(accounts_example::USER_KEY.into());
    let sql = |s: &mut Settings, url: String| {
        s.session_type = SessionType::Sqlalchemy;
        s.session_sqlalchemy = Some(url);
        s.session_sqlalchemy_table = format!("accounts_{}_{n}", std::process::id());
    };
    match kind {
        "redis" => {
            s.session_type = SessionType::Redis;
            s.session_redis = env::redis_url();
        }
        "cluster" => {
            s.session_type = SessionType::Redis;
            s.session_redis = env::redis_cluster_urls();
        }
        "mongodb" => {
            s.session_type = SessionType::Mongodb;
            s.session_mongodb = env::mongodb_url();
        }
        "postgres" => sql(&mut s, env::postgres_url()),
        "mysql" => sql(&mut s, env::mysql_url()),
        "sqlite" => {
            let dir = common::temp_dir("accounts-sqlite");
            sql(&mut s, dir.join("sessions.db").to_string_lossy().into_owned());
        }
        "filesystem" => {
            s.session_type = SessionType::Filesystem;
            s.session_file_dir = common::temp_dir("accounts-fs");
        }
        other => panic!("no store {other}"),
    }
    s
}

struct App {
    base: String,
    layer: SessionLayer,
}

async fn app(settings: Settings) -> App {
    let layer = settings.into_layer().await.expect("session layer");
    let base = serve(accounts_example::router().layer(layer.clone())).await;
    App { base, layer }
}

impl App {
    async fn post(&self, b: &reqwest::Client, path: &str) -> (u16, String) {
        let res = b.post(format!("{}{path}", self.base)).send().await.expect("POST");
        (res.status().as_u16(), res.text().await.unwrap())
    }

    async fn whoami(&self, b: &reqwest::Client) -> String {
        b.get(format!("{}/whoami", self.base)).send().await.unwrap().text().await.unwrap()
    }

    async fn sessions(&self, b: &reqwest::Client) -> Vec<JsonValue> {
        let res = b.get(format!("{}/sessions", self.base)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        res.json::<Vec<JsonValue>>().await.expect("a JSON array")
    }

    async fn login(&self, name: &str) -> reqwest::Client {
        let b = browser();
        assert_eq!(self.post(&b, &format!("/login?user={name}")).await, (200, format!("logged in as {name}")));
        b
    }
}

fn handle(s: &JsonValue) -> &str {
    s["handle"].as_str().expect("handle is a string")
}

/// The current browser's own entry in its listing.
fn current(list: &[JsonValue]) -> &JsonValue {
    let mine: Vec<_> = list.iter().filter(|s| s["current"] == JsonValue::Bool(true)).collect();
    assert_eq!(mine.len(), 1, "exactly one current session in {list:?}");
    mine[0]
}

/// The whole contract on one store: three browsers for one user, one for another.
async fn listed_and_revoked(kind: &str) {
    let app = app(settings(kind)).await;
    let mut events = app.layer.subscribe();
    let (alice, bob) = (user("alice"), user("bob"));
    let anonymous = browser();
    assert_eq!(app.whoami(&anonymous).await, "anonymous");
    assert_eq!(app.sessions(&anonymous).await, Vec::<JsonValue>::new(), "an anonymous session lists nothing");

    let a1 = app.login(&alice).await;
    let a2 = app.login(&alice).await;
    let a3 = app.login(&alice).await;
    let b1 = app.login(&bob).await;
    assert_eq!(app.whoami(&a2).await, alice);
    let list = app.sessions(&a1).await;
    assert_eq!(list.len(), 3, "{kind}: alice's three browsers: {list:?}");
    let mut handles: Vec<&str> = list.iter().map(handle).collect();
    handles.sort_unstable();
    handles.dedup();
    assert_eq!(handles.len(), 3, "one handle per session");
    for s in &list {
        assert!(s["expires"].as_u64().is_some() && s["last_seen"].as_u64().is_some(), "{kind}: times in {s}");
    }
    let h1 = handle(current(&list)).to_owned();
    let h2 = handle(current(&app.sessions(&a2).await)).to_owned();
    let h3 = handle(current(&app.sessions(&a3).await)).to_owned();
    assert!(h1 != h2 && h2 != h3);
    assert_eq!(app.sessions(&b1).await.len(), 1, "bob sees his own session only");

    // The same browser logging in as someone else: a new id, and the session changes hands.
    let (dave, erin) = (user("dave"), user("erin"));
    let d = app.login(&dave).await;
    assert_eq!(app.post(&d, &format!("/login?user={erin}")).await.0, 200);
    assert_eq!(app.whoami(&d).await, erin);
    assert!(app.layer.user_sessions(&dave).await.unwrap().is_empty(), "{kind}: dave's entry went with him");
    assert_eq!(app.layer.user_sessions(&erin).await.unwrap().len(), 1);

    // A handle is neither the cookie's id nor usable as a cookie.
    let carol = user("carol");
    let res = reqwest::Client::new().post(format!("{}/login?user={carol}", app.base)).send().await.unwrap();
    let (id, _) = common::http::set_cookie(&res).expect("a session cookie");
    let with_cookie = |path: &str, cookie: &str| {
        reqwest::Client::new().get(format!("{}{path}", app.base)).header("cookie", format!("session={cookie}")).send()
    };
    let list: Vec<JsonValue> = with_cookie("/sessions", &id).await.unwrap().json().await.unwrap();
    let hc = handle(current(&list)).to_owned();
    assert!(!id.contains(&hc) && !hc.contains(&id), "{id} {hc}");
    assert_eq!(with_cookie("/whoami", &hc).await.unwrap().text().await.unwrap(), "anonymous", "a handle is no cookie");
    assert_eq!(with_cookie("/whoami", &id).await.unwrap().text().await.unwrap(), carol);

    // Another user's handle revokes nothing.
    assert_eq!(app.post(&b1, &format!("/sessions/revoke?handle={h3}")).await.0, 404);
    assert_eq!(app.whoami(&a3).await, alice);

    // One revoked by handle: its next request is anonymous at once.
    let (status, _) = app.post(&a1, &format!("/sessions/revoke?handle={h2}")).await;
    assert_eq!(status, 200);
    assert_eq!(app.whoami(&a2).await, "anonymous", "{kind}: the revoked cookie replayed is anonymous");
    let list = app.sessions(&a1).await;
    assert_eq!(list.len(), 2, "{kind}: {list:?}");
    assert!(list.iter().all(|s| handle(s) != h2));

    // Log out the others: this browser stays.
    assert_eq!(app.post(&a1, "/logout-others").await, (200, r#"{"revoked":1}"#.into()));
    assert_eq!(app.whoami(&a3).await, "anonymous");
    assert_eq!(app.whoami(&a1).await, alice);
    assert_eq!(app.sessions(&a1).await.len(), 1);

    // Log out everywhere: this one too, and its cookie is removed.
    let a4 = app.login(&alice).await;
    assert_eq!(app.post(&a1, "/logout-everywhere").await, (200, r#"{"revoked":2}"#.into()));
    assert_eq!(app.whoami(&a1).await, "anonymous");
    assert_eq!(app.whoami(&a4).await, "anonymous");
    assert_eq!(app.sessions(&b1).await.len(), 1, "bob was not logged out");

    // Outside a request: an admin ends all of bob's sessions.
    assert_eq!(app.layer.user_sessions(&bob).await.unwrap().len(), 1);
    assert_eq!(app.layer.revoke_user_sessions(&bob).await.unwrap(), 1);
    assert_eq!(app.whoami(&b1).await, "anonymous");
    assert!(app.layer.user_sessions(&bob).await.unwrap().is_empty());

    // A plain logout.
    let a5 = app.login(&alice).await;
    assert_eq!(app.post(&a5, "/logout").await, (200, "logged out".into()));
    assert_eq!(app.whoami(&a5).await, "anonymous");
    assert!(app.layer.user_sessions(&alice).await.unwrap().is_empty(), "{kind}: nothing of alice is left");

    // The events named users and handles, never ids.
    let mut seen = Vec::new();
    while let Ok(e) = events.try_recv() {
        seen.push(e);
    }
    let named = |u: &str| Some(u.to_owned());
    assert!(seen.iter().any(|e| matches!(e, SessionEvent::Created { user, .. } if *user == named(&alice))), "{seen:?}");
    assert!(seen.iter().any(|e| matches!(e, SessionEvent::Regenerated { user, .. } if *user == named(&erin))), "{seen:?}");
    let changed = |e: &SessionEvent| matches!(e, SessionEvent::UserChanged { from, to, .. } if *from == named(&dave) && *to == named(&erin));
    assert!(seen.iter().any(changed), "{seen:?}");
    let destroyed = seen.iter().filter(|e| matches!(e, SessionEvent::Destroyed { .. })).count();
    assert_eq!(destroyed, 6, "one Destroyed per session that went: {seen:?}");
    assert!(seen.iter().any(|e| matches!(e, SessionEvent::Destroyed { handle, user } if handle == h2.as_str() && *user == named(&alice))));
    assert!(seen.iter().any(|e| matches!(e, SessionEvent::Destroyed { user, .. } if *user == named(&bob))));
    assert!(!format!("{seen:?}").contains(&id), "no event carries a session id");
}

/// A session expired in the store is neither listed nor usable.
async fn expired_in_store(kind: &str) {
    let mut short = settings(kind);
    short.permanent_session_lifetime = Duration::from_secs(1);
    let mut long = short.clone();
    long.permanent_session_lifetime = Duration::from_secs(3600);
    let (fleeting, app) = (app(short).await, app(long).await);
    let alice = user("alice");
    let gone = fleeting.login(&alice).await;
    let stays = app.login(&alice).await;
    assert_eq!(app.sessions(&stays).await.len(), 2);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let list = app.sessions(&stays).await;
    assert_eq!(list.len(), 1, "{kind}: the expired session is not listed: {list:?}");
    assert_eq!(current(&list)["current"], true);
    assert_eq!(app.whoami(&gone).await, "anonymous");
}

/// A sweep names what it deleted: one `Expired` per session, with its handle and owner.
async fn swept(kind: &str) {
    let mut short = settings(kind);
    short.permanent_session_lifetime = Duration::from_secs(1);
    let app = app(short).await;
    let mut events = app.layer.subscribe();
    let (alice, bob) = (user("alice"), user("bob"));
    let a = app.login(&alice).await;
    let b = app.login(&bob).await;
    let ha = handle(current(&app.sessions(&a).await)).to_owned();
    let hb = handle(current(&app.sessions(&b).await)).to_owned();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let deleted = app.layer.delete_expired().await.expect("sweep");
    assert!(deleted >= 2, "{kind}: both sessions swept, {deleted} deleted");
    let mut expired = Vec::new();
    while let Ok(e) = events.try_recv() {
        if let SessionEvent::Expired { handle, user } = e {
            expired.push((handle.to_string(), user));
        }
    }
    for (h, u) in [(&ha, &alice), (&hb, &bob)] {
        let found = expired.iter().filter(|(eh, _)| eh == h).collect::<Vec<_>>();
        assert_eq!(found, [&(h.clone(), Some(u.clone()))], "{kind}: one Expired for {u}'s session in {expired:?}");
    }
    assert_eq!(app.whoami(&a).await, "anonymous");
    assert!(app.layer.user_sessions(&alice).await.unwrap().is_empty());
}

macro_rules! on_store {
    ($($name:ident: $kind:literal;)*) => {$(
        mod $name {
            #[tokio::test]
            async fn sessions_are_listed_and_revoked() {
                super::listed_and_revoked($kind).await;
            }

            #[tokio::test]
            async fn an_expired_session_is_dropped() {
                super::expired_in_store($kind).await;
            }
        }
    )*};
}

on_store! {
    redis: "redis";
    redis_cluster: "cluster";
    mongodb: "mongodb";
    postgres: "postgres";
    mysql: "mysql";
    sqlite: "sqlite";
    filesystem: "filesystem";
}

/// The stores that sweep: the others expire entries on the server, unseen (MongoDB's TTL
/// monitor; the stand-in purges expired documents before each operation, a sweep's included).
macro_rules! on_sweeping_store {
    ($($name:ident: $kind:literal;)*) => {$(
        mod $name {
            #[tokio::test]
            async fn a_sweep_sends_an_event_per_session() {
                super::super::swept($kind).await;
            }
        }
    )*};
}

mod sweep {
    on_sweeping_store! {
        postgres: "postgres";
        mysql: "mysql";
        sqlite: "sqlite";
        filesystem: "filesystem";
    }
}

/// A session a Flask-Session 0.8 app logged in (`_user_id`): listed once it has passed through
/// the Rust layer (at once on the filesystem, which reads every session), and revoked with the
/// user's others, so Flask sees it logged out.
async fn flask_logged_in(kind: &str) {
    let s = settings(kind);
    let mut env = vec![("SESSION_TYPE", kind.to_owned())];
    match kind {
        "redis" => env.push(("REDIS_URL", s.session_redis.clone())),
        _ => env.push(("SESSION_FILE_DIR", s.session_file_dir.display().to_string())),
    }
    let app = app(s).await;
    let flask = common::flask::start(&env).await;
    let alice = user("alice");
    // One jar for both apps (cookies are per host, not per port), as one browser on one site.
    let jar = browser();
    let flask_get = |path: String| {
        let (jar, url) = (jar.clone(), format!("{}{path}", flask.base));
        async move { jar.get(url).send().await.unwrap().text().await.unwrap().trim_end().to_owned() }
    };
    assert_eq!(flask_get(format!("/set?k=_user_id&v={alice}")).await, r#"{"ok":true}"#);
    let before = app.layer.user_sessions(&alice).await.unwrap().len();
    match kind {
        "filesystem" => assert_eq!(before, 1, "the filesystem store reads every session"),
        _ => assert_eq!(before, 0, "no Rust request has seen it yet: Redis has no index entry"),
    }
    assert_eq!(app.whoami(&jar).await, alice, "Flask's login is Rust's too");
    assert_eq!(app.layer.user_sessions(&alice).await.unwrap().len(), 1, "{kind}: indexed on its way through");

    let rust_browser = app.login(&alice).await;
    let list = app.sessions(&rust_browser).await;
    assert_eq!(list.len(), 2, "{kind}: {list:?}");
    assert_eq!(app.post(&rust_browser, "/logout-everywhere").await, (200, r#"{"revoked":2}"#.into()));
    assert_eq!(flask_get("/get?k=_user_id".into()).await, "null", "{kind}: Flask's session was revoked");
    assert_eq!(app.whoami(&jar).await, "anonymous");
}

mod flask {
    #[tokio::test]
    async fn a_flask_login_on_redis_is_listed_and_revoked() {
        super::flask_logged_in("redis").await;
    }

    #[tokio::test]
    async fn a_flask_login_on_the_filesystem_is_listed_and_revoked() {
        super::flask_logged_in("filesystem").await;
    }
}

/// A table Flask made (no `user_id` column) is refused with what to add, not written wrong.
#[tokio::test]
async fn a_flask_made_table_without_the_column_is_refused() {
    let mut s = settings("postgres");
    s.session_user_key = None;
    let table = s.session_sqlalchemy_table.clone();
    drop(s.clone().into_layer().await.expect("the table, made without session_user_key"));
    s.session_user_key = Some("_user_id".into());
    let err = s.into_layer().await.expect_err("refused").to_string();
    assert!(err.contains("user_id") && err.contains("ALTER TABLE") && err.contains(&table), "{err}");
}

/// Redis Sentinel: the index goes through the master the sentinel names, as the sessions do.
#[tokio::test]
async fn sessions_are_listed_and_revoked_through_sentinel() {
    let node = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "/tmp"];
    let master = common::spawn::Server::start("redis-server", &[&["--port", "{port}"][..], &node].concat());
    let conf = std::env::temp_dir().join(format!("session-tests-accounts-sentinel-{}.conf", master.port));
    std::fs::write(&conf, format!("bind 127.0.0.1\nsentinel monitor accounts 127.0.0.1 {} 1\n", master.port)).unwrap();
    let sentinel = common::spawn::Server::start("redis-server", &[conf.to_str().unwrap(), "--sentinel", "--port", "{port}"]);
    let mut s = settings("redis");
    s.session_redis = format!("redis+sentinel://127.0.0.1:{}/accounts", sentinel.port);
    let app = app(s).await;
    let alice = user("alice");
    let (a1, a2) = (app.login(&alice).await, app.login(&alice).await);
    assert_eq!(app.sessions(&a1).await.len(), 2);
    assert_eq!(app.post(&a1, "/logout-others").await, (200, r#"{"revoked":1}"#.into()));
    assert_eq!(app.whoami(&a2).await, "anonymous");
    assert_eq!(app.whoami(&a1).await, alice);
}

/// The example binary itself, configured by its environment, over HTTP. `cargo test` builds
/// the examples (`./scripts/test` does); run `cargo build -p session-runtime --example accounts`
/// first when running this file alone.
#[tokio::test]
async fn the_example_binary_serves_the_contract() {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().and_then(|deps| deps.parent()).unwrap().join("examples").join("accounts");
    assert!(bin.exists(), "{} is missing: cargo build -p session-runtime --example accounts", bin.display());
    let port = common::spawn::spare_port();
    let dir = common::temp_dir("accounts-binary");
    let mut child = std::process::Command::new(&bin)
        .env("SESSION_TYPE", "filesystem")
        .env("SESSION_FILE_DIR", &dir)
        .env("PORT", port.to_string())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start the example");
    let base = format!("http://127.0.0.1:{port}");
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "the example did not listen on {port}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let app = App { base, layer: settings("filesystem").into_layer().await.unwrap() };
    let alice = user("alice");
    let (a1, a2) = (app.login(&alice).await, app.login(&alice).await);
    assert_eq!(app.whoami(&a2).await, alice);
    let list = app.sessions(&a1).await;
    assert_eq!(list.len(), 2);
    let other = list.iter().find(|s| s["current"] == JsonValue::Bool(false)).expect("a2's session");
    assert_eq!(app.post(&a1, &format!("/sessions/revoke?handle={}", handle(other))).await.0, 200);
    assert_eq!(app.whoami(&a2).await, "anonymous");
    assert_eq!(app.post(&a1, "/logout-others").await, (200, r#"{"revoked":0}"#.into()));
    assert_eq!(app.post(&a1, "/logout").await, (200, "logged out".into()));
    assert_eq!(app.whoami(&a1).await, "anonymous");
    let _ = child.kill();
    let _ = child.wait();
}
