//! Sessions without axum: a plain hyper server and a tower service.
//!
//! [`SessionLayer`] puts a [`Session`] into each request's extensions before calling the
//! service it wraps, and saves it when that service's response comes back; a handler takes it
//! with `req.extensions().get::<Session>()`. So the layer must be *outside* every service that
//! reads the session (outermost, or at least around them): a service it does not wrap finds no
//! session. Here the store is a [`MemoryStore`] and every setting is at its default.
//!
//! `cargo run --example hyper`, then `curl -c jar -b jar http://127.0.0.1:3000/` a few times.

use std::convert::Infallible;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use session_runtime::store::MemoryStore;
use session_runtime::{Session, SessionError, SessionLayer, Settings};
use tower::{Service, ServiceBuilder};

type Body = Full<Bytes>;

fn reply(status: StatusCode, text: impl Into<Bytes>) -> Response<Body> {
    let mut res = Response::new(Full::new(text.into()));
    *res.status_mut() = status;
    res
}

/// `GET /` counts visits in the session; `GET /reset` clears it.
async fn handle(req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    // The layer put it there; without the layer around this service it is missing.
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return Ok(reply(StatusCode::INTERNAL_SERVER_ERROR, "no session: SessionLayer must wrap this service"));
    };
    let answer = match req.uri().path() {
        "/" => visit(&session).await,
        "/reset" => session.clear().await.map(|()| "cleared".to_owned()),
        _ => return Ok(reply(StatusCode::NOT_FOUND, "not found")),
    };
    Ok(match answer {
        Ok(text) => reply(StatusCode::OK, text),
        Err(e) => reply(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    })
}

async fn visit(session: &Session) -> Result<String, SessionError> {
    let visits = session.get::<u64>("visits").await?.unwrap_or(0) + 1;
    session.insert("visits", &visits).await?;
    Ok(visits.to_string())
}

/// The app: the session layer around the handler.
pub fn app(
    sessions: SessionLayer,
) -> impl Service<Request<Incoming>, Response = Response<Body>, Error = Infallible, Future: Send> + Clone + Send + 'static {
    ServiceBuilder::new().layer(sessions).service_fn(handle)
}

/// Serves `app` on `listener`, one task per connection, until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, sessions: SessionLayer) -> std::io::Result<()> {
    let app = app(sessions);
    loop {
        let (stream, _) = listener.accept().await?;
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            if let Err(e) = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                eprintln!("hyper: connection failed: {e}");
            }
        });
    }
}

#[allow(dead_code)] // The test serves `app`, not `main`.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sessions = SessionLayer::new(MemoryStore::new(), Settings::default())?;
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("hyper: serving on http://{}/", listener.local_addr()?);
    serve(listener, sessions).await?;
    Ok(())
}
