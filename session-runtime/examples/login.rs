//! Log in and out the safe way: a new session id on login (`regenerate`), so an id planted in
//! the browser before login (session fixation) never becomes a logged-in session, and the
//! whole session gone on logout (`destroy`). Signed cookies, filesystem store.
//!
//! Logging in and out change state, so they are POSTs (a GET could be triggered by a link or an
//! `<img>` on another site, or replayed by a prefetch); reading who is logged in is a GET.
//!
//! `SECRET_KEY=... cargo run --example login` (files in `SESSION_FILE_DIR`, default
//! `./flask_sessions`), then with a cookie jar:
//! `curl -c jar -b jar -d user=alice http://127.0.0.1:3000/login`, `curl -c jar -b jar
//! http://127.0.0.1:3000/`, `curl -c jar -b jar -X POST http://127.0.0.1:3000/logout`.

use std::path::PathBuf;

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Form;
use axum::Router;
use serde::Deserialize;
use session_runtime::{session_config, SecretKey, SessionData, SessionError};

/// The logged-in user under Flask-Login's key, so a Flask app on the same store agrees.
#[derive(SessionData)]
struct Login {
    #[session(rename = "_user_id")]
    user_id: Option<String>,
}

#[session_config(
    session_type = "filesystem",
    session_use_signer = true,
    session_cookie_samesite = "Lax",
    session_data = Login
)]
// `SecretKey` keeps the key out of `Debug` output.
#[derive(Debug)]
pub struct Sessions {
    pub secret_key: SecretKey,
    pub session_file_dir: PathBuf,
}

#[derive(Deserialize)]
struct Credentials {
    user: String,
}

async fn login(login: LoginSession, Form(who): Form<Credentials>) -> Result<(StatusCode, String), SessionError> {
    // A real app checks a password here (and a CSRF token, as for every POST).
    if who.user.is_empty() {
        return Ok((StatusCode::BAD_REQUEST, "post user=<name>".into()));
    }
    // Fixation defence: whatever id the browser came with, the logged-in session gets a new one;
    // the old entry is deleted when the response goes out.
    login.regenerate().await?;
    login.set_user_id(Some(who.user.clone())).await?;
    Ok((StatusCode::OK, format!("logged in as {}", who.user)))
}

async fn whoami(login: LoginSession) -> Result<String, SessionError> {
    Ok(match login.user_id().await? {
        Some(user) => format!("you are {user}"),
        None => "not logged in".into(),
    })
}

async fn logout(login: LoginSession) -> Result<&'static str, SessionError> {
    // Deletes the stored session and expires the cookie.
    login.destroy().await?;
    Ok("logged out")
}

/// The routes, without the session layer.
pub fn router() -> Router {
    Router::new().route("/", get(whoami)).route("/login", post(login)).route("/logout", post(logout))
}

#[allow(dead_code)] // Tests use the routes, not `main`.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    // Never a key from the source: a published key lets anyone sign a cookie.
    let secret_key = match std::env::var("SECRET_KEY") {
        Ok(key) => SecretKey::from(key),
        Err(_) => {
            eprintln!("login: SECRET_KEY is not set; using a random key, so sessions end when the server stops");
            SecretKey::new(rand::random::<[u8; 32]>().to_vec())
        }
    };
    let session_file_dir = std::env::var_os("SESSION_FILE_DIR").map_or_else(|| "flask_sessions".into(), PathBuf::from);
    let sessions = Sessions { secret_key, session_file_dir }.into_layer().await?;
    let app = router().layer(sessions);
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("login: serving on http://{}/", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
