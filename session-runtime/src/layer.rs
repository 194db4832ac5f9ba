//! The tower layer: puts a [`Session`] into each request and saves it from the response.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::header::{CACHE_CONTROL, COOKIE, SET_COOKIE, VARY};
use http::{HeaderValue, Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use crate::cleanup::{Cleanup, CleanupTask};
use crate::error::Error;
use crate::session::{Session, Shared};
use crate::settings::{SessionType, Settings};
use crate::signer::Signer;
use crate::store::{self, DynStore, SessionStore, StoreError};

/// Adds server-side sessions to a tower service (axum, hyper, tonic).
///
/// Build it from [`Settings`] with [`Settings::into_layer`] (or the `into_layer` that
/// `#[session_config]` generates), or from a store you built with [`SessionLayer::new`]. With
/// the `actix` feature, `actix::SessionMiddleware::new(layer)` runs the same sessions on
/// actix-web.
#[derive(Clone)]
#[must_use]
pub struct SessionLayer {
    shared: Arc<Shared>,
    cleanup: Arc<Cleanup>,
}

impl SessionLayer {
    /// A layer over `store`, after checking `settings`.
    ///
    /// The store is the one source of everything store-specific: it decides whether sessions
    /// can be written ([`SessionStore::accepts_writes`]) and was given its URL, directory or
    /// table by its own constructor. `settings` then only needs what the layer itself reads
    /// (cookie, lifetime, signer, key prefix, merging), so `Settings::default()` works with any
    /// store. Settings that say otherwise are refused rather than ignored: given one of the
    /// bundled stores, a `session_type` naming another backend, or a setting only another
    /// backend reads (`session_redis` with a [`FilesystemStore`](crate::store::FilesystemStore)),
    /// is a [`SettingsError`](crate::SettingsError) naming that setting. A store of your own
    /// (or a wrapper around a bundled one) may read any setting, so it is not second-guessed.
    pub fn new<S: SessionStore>(store: S, settings: Settings) -> Result<Self, crate::SettingsError> {
        if let Some(kind) = store::bundled_type::<S>() {
            check_agrees_with_store(&settings, kind)?;
        }
        Self::from_dyn(Arc::new(store), settings)
    }

    pub(crate) fn from_dyn(store: Arc<dyn DynStore>, settings: Settings) -> Result<Self, crate::SettingsError> {
        settings.validate()?;
        let signer = settings.session_use_signer.then(|| {
            let key = settings.secret_key.as_ref().expect("validate() requires secret_key with the signer");
            settings.secret_key_fallbacks.iter().fold(Signer::new(key.bytes()), |s, old| s.with_fallback(old.bytes()))
        });
        if settings.session_user_key.is_some() && !store.indexes_users() {
            return Err(crate::SettingsError {
                setting: "session_user_key",
                message: format!(
                    "session_user_key is set, but the store {store:?} cannot list a user's sessions (SessionStore::indexes_users \
                     is false); remove session_user_key, or use the redis, mongodb, sqlalchemy, filesystem or memory store"
                ),
            });
        }
        let accounts = Arc::new(crate::accounts::Accounts::new(&settings));
        let cleanup = Arc::new(Cleanup::new(Arc::clone(&store), Arc::clone(&accounts), settings.session_cleanup_n_requests));
        Ok(SessionLayer {
            shared: Arc::new(Shared { store, cookie: crate::cookie::CookieWriter::new(&settings), settings, signer, accounts }),
            cleanup,
        })
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.shared.settings
    }

    /// Deletes every expired session now, for stores without native expiry (SQL, filesystem,
    /// MongoDB's sweep, memory), whether or not a sweep of `session_cleanup_n_requests` or
    /// [`spawn_cleanup`](Self::spawn_cleanup) is running; run it from cron. Returns how many went.
    /// Like every sweep, it sends an [`Expired`](crate::SessionEvent::Expired) event per session
    /// to [subscribers](Self::subscribe), on the stores that can name what they swept (SQL,
    /// filesystem, memory).
    pub async fn delete_expired(&self) -> Result<u64, StoreError> {
        self.cleanup.sweep_now().await
    }

    /// Deletes expired sessions every `period` in a background task (the first sweep after one
    /// period), until the returned handle drops. It shares the one-at-a-time rule of
    /// `session_cleanup_n_requests`: a tick that finds a sweep running skips. Failures are
    /// logged and the next tick tries again.
    ///
    /// ```no_run
    /// # async fn f(layer: session_runtime::SessionLayer) {
    /// let cleanup = layer.spawn_cleanup(std::time::Duration::from_secs(3600));
    /// // keep `cleanup` for as long as it should run, or `cleanup.detach()`
    /// # drop(cleanup);
    /// # }
    /// ```
    pub fn spawn_cleanup(&self, period: Duration) -> CleanupTask {
        self.cleanup.spawn_periodic(period)
    }

    /// The framework-free half of a request: the session of the request whose `Cookie` header
    /// values are `cookie_headers`, to put into the request before the handler runs. Every
    /// framework adapter (tower here, actix-web in `actix.rs`) calls this and [`end`](Self::end)
    /// and only translates headers.
    pub(crate) fn begin<'h>(&self, cookie_headers: impl Iterator<Item = &'h [u8]>) -> Session {
        let shared = &self.shared;
        let cookie = crate::cookie::read(cookie_headers, &shared.settings, shared.signer.as_ref());
        self.cleanup.count_request();
        Session::new(Arc::clone(shared), cookie.id)
    }

    /// The other half: saves the session by Flask-Session's rules once the handler answered
    /// with `status`, and says which headers the response gets. `Err` means the response must
    /// become a 500 (already logged).
    pub(crate) async fn end(&self, session: &Session, status: StatusCode) -> Result<ResponseHeaders, ()> {
        match session.finish(status).await {
            Ok(done) => Ok(ResponseHeaders {
                vary_cookie: done.vary_cookie,
                cache_private: done.set_cookie.is_some() && self.shared.settings.session_cache_control_private,
                set_cookie: done.set_cookie,
            }),
            Err(e) => {
                tracing::error!(error = %e, "saving the session failed");
                Err(())
            }
        }
    }
}

/// `settings` has nothing store-specific that the store of backend `kind` would not read.
fn check_agrees_with_store(settings: &Settings, kind: SessionType) -> Result<(), crate::SettingsError> {
    let store = kind.name();
    if settings.session_type != SessionType::Null && settings.session_type != kind {
        return Err(crate::SettingsError {
            setting: "session_type",
            message: format!(
                "session_type is \"{}\" but the layer was given the {store} store; the store you pass is the \
                 store: leave session_type at its default, or set it to \"{store}\"",
                settings.session_type.name()
            ),
        });
    }
    if let Some(&(setting, owner)) = settings.changed_backend_settings().iter().find(|&&(_, owner)| owner != kind) {
        return Err(crate::SettingsError {
            setting,
            message: format!(
                "{setting} is set, but only the {} store reads it and the layer was given the {store} store, \
                 which ignores it; give store settings to the store's constructor, or use Settings::into_layer \
                 to build the store of session_type",
                owner.name()
            ),
        });
    }
    Ok(())
}

impl Settings {
    /// Validates the settings, connects the store of `session_type` (creating its indexes or
    /// tables where it needs them) and returns the layer.
    pub async fn into_layer(self) -> Result<SessionLayer, Error> {
        self.validate()?;
        let store = store::connect(&self).await?;
        Ok(SessionLayer::from_dyn(store, self)?)
    }
}

impl fmt::Debug for SessionLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionLayer")
            .field("store", &self.shared.store)
            .field("settings", &self.shared.settings)
            .finish()
    }
}

impl<S> Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionService { inner, layer: self.clone() }
    }
}

/// What [`SessionLayer::end`] adds to a response, for each framework to write in its own types.
#[derive(Debug)]
pub(crate) struct ResponseHeaders {
    /// `Vary: Cookie`: the session was read.
    pub(crate) vary_cookie: bool,
    /// `Set-Cookie`.
    pub(crate) set_cookie: Option<HeaderValue>,
    /// `Cache-Control: private` unless the response has a `Cache-Control` already: a shared
    /// cache must never hand one user's session cookie to the next.
    pub(crate) cache_private: bool,
}

/// The service [`SessionLayer`] wraps around yours.
#[derive(Clone)]
pub struct SessionService<S> {
    inner: S,
    layer: SessionLayer,
}

impl<S> fmt::Debug for SessionService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionService").field("inner", &std::any::type_name::<S>()).finish()
    }
}

/// The response future of [`SessionService`].
pub struct ResponseFuture<R, E> {
    inner: Pin<Box<dyn Future<Output = Result<R, E>> + Send>>,
}

impl<R, E> Future for ResponseFuture<R, E> {
    type Output = Result<R, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

impl<R, E> fmt::Debug for ResponseFuture<R, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseFuture")
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let session = self.layer.begin(req.headers().get_all(COOKIE).iter().map(HeaderValue::as_bytes));
        req.extensions_mut().insert(session.clone());
        let layer = self.layer.clone();

        // The inner service was made ready by `poll_ready`; a clone may not be, so call the
        // ready one and keep the clone for the next request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        ResponseFuture {
            inner: Box::pin(async move {
                let mut res = inner.call(req).await?;
                match layer.end(&session, res.status()).await {
                    Ok(add) => {
                        let headers = res.headers_mut();
                        if add.vary_cookie {
                            headers.append(VARY, HeaderValue::from_static("Cookie"));
                        }
                        if let Some(c) = add.set_cookie {
                            headers.append(SET_COOKIE, c);
                        }
                        if add.cache_private {
                            // One probe of the map: a handler's own Cache-Control stands.
                            headers.entry(CACHE_CONTROL).or_insert(HeaderValue::from_static("private"));
                        }
                    }
                    Err(()) => {
                        res = Response::new(ResBody::default());
                        *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                    }
                }
                Ok(res)
            }),
        }
    }
}
