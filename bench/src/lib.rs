//! What the benchmark servers share: the port, the listener, and the floors' session format.
//!
//! Every server answers `GET /incr`, `GET /read` and `GET /none` on `127.0.0.1:$PORT`, so
//! `run.sh` drives them all with the same wrk command.

use std::collections::BTreeMap;

#[cfg(feature = "count-alloc")]
#[allow(unsafe_code)] // `GlobalAlloc` is an unsafe trait; the module only forwards to `System`.
pub mod alloc_count;
use std::time::Duration;

use axum::http::HeaderMap;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore as _;

/// The session lifetime every server uses: Flask's default of 31 days.
pub const LIFETIME: Duration = Duration::from_secs(31 * 24 * 3600);

/// The cookie and key names the floors share with session-runtime's defaults, so the same
/// wrk scripts serve every server.
pub const COOKIE_NAME: &str = "session";
pub const KEY_PREFIX: &str = "session:";

/// `GET /incr` on session-runtime, on either framework: one visit more, answered as a number.
pub async fn incr(session: session_runtime::Session) -> Result<String, session_runtime::SessionError> {
    let n = session.get::<u64>("n").await?.unwrap_or(0) + 1;
    session.insert("n", &n).await?;
    Ok(n.to_string())
}

/// `GET /read` on session-runtime, on either framework: the visits, without a change.
pub async fn read(session: session_runtime::Session) -> Result<String, session_runtime::SessionError> {
    Ok(session.get::<u64>("n").await?.unwrap_or(0).to_string())
}

/// `PORT`, or 3000. Every server asks for it once at start, so it also starts the allocation
/// reporter when the counting allocator is built in.
pub fn port() -> u16 {
    #[cfg(feature = "count-alloc")]
    alloc_count::start_reporter();
    std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000)
}

/// Serves `app` on `127.0.0.1:$PORT` until killed. Prints one line once listening, which
/// `run.sh` does not need (it probes the port) but a person starting a server by hand does.
pub async fn serve(name: &str, app: Router) {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port()));
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind the benchmark port");
    eprintln!("{name} listening on http://{addr}");
    axum::serve(listener, app).await.expect("serve");
}

/// The session cookie's value, found the way a hand-written handler would: split the `Cookie`
/// header on `;` and take the first `session=` pair. No signature, no percent-decoding: the
/// floor is the least work that still routes a request to its session.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .find_map(|pair| pair.trim().strip_prefix("session="))
        .filter(|v| !v.is_empty() && v.len() <= 86 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// A new id as `secrets.token_urlsafe(32)` makes it, the same shape session-runtime uses.
pub fn new_id() -> String {
    let mut buf = [0u8; 32];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// The floors' session: the same msgpack map session-runtime writes for these routes
/// (`{"_permanent": true, "n": …}`), kept as a map so unknown keys would survive as they do in
/// the layer. Decoding into a `BTreeMap` of `rmpv::Value` is the cheapest generic form.
pub type FloorSession = BTreeMap<String, rmpv::Value>;

/// Reads `n` from a floor session.
pub fn get_n(s: &FloorSession) -> u64 {
    s.get("n").and_then(rmpv::Value::as_u64).unwrap_or(0)
}

/// A fresh floor session.
pub fn fresh() -> FloorSession {
    let mut s = FloorSession::new();
    s.insert("_permanent".into(), rmpv::Value::Boolean(true));
    s
}

/// Decodes msgpack written by session-runtime or a floor; garbage is an empty session.
pub fn decode(bytes: &[u8]) -> Option<FloorSession> {
    rmp_serde::from_slice(bytes).ok()
}

/// Encodes a floor session as msgpack.
pub fn encode(s: &FloorSession) -> Vec<u8> {
    rmp_serde::to_vec(s).expect("a map of plain values encodes")
}

/// `Set-Cookie` for a new floor session; floors send it only when they create one (the
/// minimum a server must do), where Flask and session-runtime re-send a permanent cookie on
/// every request.
pub fn set_cookie(id: &str) -> String {
    format!("{COOKIE_NAME}={id}; HttpOnly; Path=/")
}

