//! actix-web 4 (feature `actix`): the session lifecycle of [`SessionLayer`] as an actix-web
//! middleware, with extractors for [`Session`] and every `#[derive(SessionData)]` handle.
//!
//! The middleware is a thin adapter: the layer decides everything (lazy loading, the cookie,
//! signing, Flask's save rules, merging, nothing saved on a 5xx) through the same two calls the
//! tower service makes, and this file only moves headers between the two frameworks' types.
//!
//! ```no_run
//! use actix_web::{web, App, HttpServer};
//! use session_runtime::{Session, SessionError, SessionType, Settings};
//! use session_runtime::actix::SessionMiddleware;
//!
//! async fn visit(session: Session) -> Result<String, SessionError> {
//!     let visits = session.get::<u64>("visits").await?.unwrap_or(0) + 1;
//!     session.insert("visits", &visits).await?;
//!     Ok(visits.to_string())
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let mut settings = Settings::default();
//! settings.session_type = SessionType::Filesystem;
//! let layer = settings.into_layer().await?;
//! HttpServer::new(move || {
//!     App::new().wrap(SessionMiddleware::new(layer.clone())).route("/", web::get().to(visit))
//! })
//! .bind(("127.0.0.1", 3000))?
//! .run()
//! .await?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{HeaderValue, CACHE_CONTROL, COOKIE, SET_COOKIE, VARY};
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};

use crate::error::SessionError;
use crate::layer::SessionLayer;
use crate::session::Session;

/// Server-side sessions for an actix-web app: `App::new().wrap(SessionMiddleware::new(layer))`.
///
/// Build it from the [`SessionLayer`] that [`Settings::into_layer`](crate::Settings::into_layer),
/// [`SessionLayer::new`] or `#[session_config]`'s `into_actix` gives; it is cheap to clone, so
/// each worker's `App` gets a clone of one layer and all share one store.
#[derive(Debug, Clone)]
#[must_use]
pub struct SessionMiddleware {
    layer: SessionLayer,
}

impl SessionMiddleware {
    /// The middleware of `layer`: the same sessions, store and settings.
    pub fn new(layer: SessionLayer) -> Self {
        SessionMiddleware { layer }
    }
}

impl From<SessionLayer> for SessionMiddleware {
    fn from(layer: SessionLayer) -> Self {
        SessionMiddleware::new(layer)
    }
}

impl<S, B> Transform<S, ServiceRequest> for SessionMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = SessionMiddlewareService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SessionMiddlewareService { service: Rc::new(service), layer: self.layer.clone() }))
    }
}

/// The service [`SessionMiddleware`] wraps around the app's.
pub struct SessionMiddlewareService<S> {
    service: Rc<S>,
    layer: SessionLayer,
}

impl<S> fmt::Debug for SessionMiddlewareService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionMiddlewareService").field("layer", &self.layer).finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for SessionMiddlewareService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let session = self.layer.begin(req.headers().get_all(COOKIE).map(HeaderValue::as_bytes));
        req.extensions_mut().insert(session.clone());
        let (service, layer) = (Rc::clone(&self.service), self.layer.clone());
        Box::pin(async move {
            let mut res = service.call(req).await?;
            // Both frameworks' status codes are the same number.
            let status = http::StatusCode::from_u16(res.status().as_u16()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
            let Ok(add) = layer.end(&session, status).await else {
                let failed = HttpResponse::new(StatusCode::INTERNAL_SERVER_ERROR);
                return Ok(ServiceResponse::new(res.into_parts().0, failed).map_into_right_body());
            };
            let headers = res.headers_mut();
            if add.vary_cookie {
                headers.append(VARY, HeaderValue::from_static("Cookie"));
            }
            if let Some(cookie) = add.set_cookie {
                // The layer rendered a valid header value; this only changes its type.
                if let Ok(cookie) = HeaderValue::from_bytes(cookie.as_bytes()) {
                    headers.append(SET_COOKIE, cookie);
                }
            }
            if add.cache_private && !headers.contains_key(CACHE_CONTROL) {
                headers.insert(CACHE_CONTROL, HeaderValue::from_static("private"));
            }
            Ok(res.map_into_left_body())
        })
    }
}

/// The request's session, put there by [`SessionMiddleware`]; a 500 when it is missing (a
/// server misconfiguration). The derived handles' extractors call it too.
pub(crate) fn request_session(req: &HttpRequest) -> Result<Session, actix_web::Error> {
    req.extensions().get::<Session>().cloned().ok_or_else(|| {
        tracing::error!("a handler asked for a Session, but no SessionMiddleware wraps it");
        actix_web::error::ErrorInternalServerError("Can't extract the session: is `SessionMiddleware` installed?")
    })
}

impl FromRequest for Session {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(request_session(req))
    }
}

impl ResponseError for SessionError {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        // Details are for the operator, not the client.
        tracing::error!(error = %self, "session error");
        HttpResponse::new(StatusCode::INTERNAL_SERVER_ERROR)
    }
}
