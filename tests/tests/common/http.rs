//! A real app on a loopback port, and a store wrapper that counts the calls reaching the store.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use session_runtime::store::{Loaded, Revision, SessionStore, StoreError, Touched};
use session_runtime::{Expiry, Session, SessionError, SessionLayer, SessionMap};

/// The routes every lifecycle test drives (the same on actix-web: [`actix::serve`]).
pub fn routes() -> Router {
    Router::new()
        .route("/incr", get(incr))
        .route("/get", get(read))
        .route("/clear", get(clear))
        .route("/none", get(|| async { UNTOUCHED }))
        .route("/fail", get(fail))
        .route("/regenerate", get(regenerate))
        .route("/browser-session", get(browser_session))
        .route("/destroy", get(destroy))
        .route("/slow-set", get(slow_set))
        .route("/keys", get(keys))
        .route("/no-store", get(no_store))
}

/// The framework a test app runs on: one test source drives both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    Axum,
    Actix,
}

/// Serves [`routes`] (or their actix-web twins) behind `layer` on `framework`.
pub async fn serve_sessions_on(framework: Framework, layer: SessionLayer) -> String {
    match framework {
        Framework::Axum => serve_sessions(layer).await,
        Framework::Actix => actix::serve(layer),
    }
}

const UNTOUCHED: &str = "untouched";

/// Sets a visit and answers with its own `Cache-Control`, which the layer must leave alone.
async fn no_store(session: Session) -> Result<([(&'static str, &'static str); 1], &'static str), SessionError> {
    session.insert("visits", &1u64).await?;
    Ok(([("cache-control", "no-store")], "own"))
}

/// The session's keys, sorted, comma-separated.
pub async fn keys(session: Session) -> Result<String, SessionError> {
    let mut keys: Vec<String> = session.data().await?.keys().map(str::to_owned).collect();
    keys.sort();
    Ok(keys.join(","))
}

/// How long `/slow-set` holds a loaded session before writing it.
pub const SLOW_SET_PAUSE: std::time::Duration = std::time::Duration::from_millis(600);

/// When the second of two racing `/slow-set`s starts: after the first has loaded, and long
/// before it saves, leaving half the pause on each side for a loaded machine's round trips.
pub const SECOND_RACER_DELAY: std::time::Duration = std::time::Duration::from_millis(300);

/// Loads the session, waits, then sets `k`: two of these at once race on one session.
async fn slow_set(
    session: Session,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<&'static str, SessionError> {
    session.get::<u64>("visits").await?;
    tokio::time::sleep(SLOW_SET_PAUSE).await;
    session.insert(&q["k"], &q["v"]).await?;
    Ok("set")
}

pub async fn incr(session: Session) -> Result<String, SessionError> {
    let n = session.get::<u64>("visits").await?.unwrap_or(0) + 1;
    session.insert("visits", &n).await?;
    Ok(n.to_string())
}

pub async fn read(session: Session) -> Result<String, SessionError> {
    Ok(match session.get::<u64>("visits").await? {
        Some(n) => n.to_string(),
        None => "none".into(),
    })
}

pub async fn clear(session: Session) -> Result<&'static str, SessionError> {
    session.clear().await?;
    Ok("cleared")
}

async fn fail(session: Session) -> Result<StatusCode, SessionError> {
    session.insert("visits", &100u64).await?;
    Ok(StatusCode::INTERNAL_SERVER_ERROR)
}

pub async fn regenerate(session: Session) -> Result<&'static str, SessionError> {
    session.regenerate().await?;
    Ok("regenerated")
}

pub async fn browser_session(session: Session) -> Result<&'static str, SessionError> {
    session.set_permanent(false).await?;
    session.insert("visits", &1u64).await?;
    Ok("browser session")
}

pub async fn destroy(session: Session) -> Result<&'static str, SessionError> {
    session.destroy().await?;
    Ok("destroyed")
}

/// The lifecycle test routes on actix-web, behind `SessionMiddleware` over the same layer: the
/// handlers that take only a `Session` are shared with axum's routes.
pub mod actix {
    use std::collections::HashMap;

    use actix_web::{web, App, HttpResponse, HttpServer};
    use session_runtime::actix::SessionMiddleware;
    use session_runtime::{Session, SessionError, SessionLayer};

    use super::{browser_session, clear, destroy, incr, keys, read, regenerate, SLOW_SET_PAUSE, UNTOUCHED};

    async fn fail(session: Session) -> Result<HttpResponse, SessionError> {
        session.insert("visits", &100u64).await?;
        Ok(HttpResponse::InternalServerError().finish())
    }

    async fn slow_set(session: Session, q: web::Query<HashMap<String, String>>) -> Result<&'static str, SessionError> {
        session.get::<u64>("visits").await?;
        tokio::time::sleep(SLOW_SET_PAUSE).await;
        session.insert(&q["k"], &q["v"]).await?;
        Ok("set")
    }

    async fn no_store(session: Session) -> Result<HttpResponse, SessionError> {
        session.insert("visits", &1u64).await?;
        Ok(HttpResponse::Ok().insert_header(("cache-control", "no-store")).body("own"))
    }

    /// Serves on 127.0.0.1 at a free port, from a thread running actix-web's own runtime
    /// (one worker); returns the base URL.
    pub fn serve(layer: SessionLayer) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                HttpServer::new(move || {
                    App::new()
                        .wrap(SessionMiddleware::new(layer.clone()))
                        .route("/incr", web::get().to(incr))
                        .route("/get", web::get().to(read))
                        .route("/clear", web::get().to(clear))
                        .route("/none", web::get().to(|| async { UNTOUCHED }))
                        .route("/fail", web::get().to(fail))
                        .route("/regenerate", web::get().to(regenerate))
                        .route("/browser-session", web::get().to(browser_session))
                        .route("/destroy", web::get().to(destroy))
                        .route("/slow-set", web::get().to(slow_set))
                        .route("/keys", web::get().to(keys))
                        .route("/no-store", web::get().to(no_store))
                })
                .workers(1)
                .disable_signals()
                .listen(listener)
                .expect("listen")
                .run()
                .await
                .expect("actix server")
            })
        });
        format!("http://{addr}")
    }
}

/// Serves `app` on 127.0.0.1 at a free port; returns its base URL.
pub async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// Serves [`routes`] behind `layer`.
pub async fn serve_sessions(layer: SessionLayer) -> String {
    serve(routes().layer(layer)).await
}

/// A browser: a client with a cookie jar.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).build().unwrap()
}

/// A client without a jar, for sending hand-made cookies.
pub fn bare() -> reqwest::Client {
    reqwest::Client::new()
}

/// The body of a GET.
pub async fn text(client: &reqwest::Client, url: &str) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// The session cookie's value in a `Set-Cookie` header, and the whole header.
pub fn set_cookie(res: &reqwest::Response) -> Option<(String, String)> {
    let header = res.headers().get("set-cookie")?.to_str().unwrap().to_owned();
    let value = header.split(';').next()?.split_once('=')?.1.to_owned();
    Some((value, header))
}

/// Counts every call that reaches the wrapped store.
#[derive(Debug)]
pub struct Counting<S> {
    pub inner: S,
    pub calls: Arc<AtomicUsize>,
}

impl<S> Counting<S> {
    pub fn new(inner: S) -> (Self, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        (Counting { inner, calls: Arc::clone(&calls) }, calls)
    }

    fn tick(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

impl<S: SessionStore> SessionStore for Counting<S> {
    async fn load(&self, key: &str, refresh: Option<&Expiry>) -> Result<Option<Loaded>, StoreError> {
        self.tick();
        self.inner.load(key, refresh).await
    }
    async fn save(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        self.tick();
        self.inner.save(key, data, expiry).await
    }
    async fn create(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        self.tick();
        self.inner.create(key, data, expiry).await
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.tick();
        self.inner.delete(key).await
    }
    async fn touch(&self, key: &str, expiry: &Expiry) -> Result<Touched, StoreError> {
        self.tick();
        self.inner.touch(key, expiry).await
    }
    async fn load_for_update(&self, key: &str) -> Result<Option<(Loaded, Revision)>, StoreError> {
        self.tick();
        self.inner.load_for_update(key).await
    }
    async fn save_if_unchanged(
        &self,
        key: &str,
        revision: &Revision,
        data: &SessionMap,
        expiry: &Expiry,
    ) -> Result<bool, StoreError> {
        self.tick();
        self.inner.save_if_unchanged(key, revision, data, expiry).await
    }
}
