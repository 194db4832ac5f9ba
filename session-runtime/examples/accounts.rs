//! "Where am I logged in?": a user's sessions listed and ended, on the store the environment
//! names, with Flask-Login's `_user_id` as the owner (so sessions a Flask app logged in are
//! the same user's).
//!
//! `POST /login?user=NAME` (a new session id, the user set), `GET /whoami` (the user, or
//! `anonymous`), `GET /sessions` (a JSON array of the user's sessions: `handle`, `current`,
//! `created`, `last_seen`, `expires`, times in Unix seconds or null), `POST /sessions/revoke?handle=H`
//! (404 when the user has no such session), `POST /logout-others`, `POST /logout-everywhere`,
//! `POST /logout`. Settings: SESSION_TYPE (redis, mongodb, sqlalchemy with DATABASE_URL,
//! filesystem), REDIS_URL, MONGODB_URL, SESSION_FILE_DIR, SECRET_KEY, PORT.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::Query;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value as JsonValue};
use session_runtime::{SecretKey, Session, SessionError, SessionType, Settings, UserSession};

/// Flask-Login's key for the logged-in user.
pub const USER_KEY: &str = "_user_id";

type Params = Query<HashMap<String, String>>;

/// The routes; `main` puts them behind the session layer.
pub fn router() -> Router {
    Router::new()
        .route("/login", post(login))
        .route("/whoami", get(whoami))
        .route("/sessions", get(sessions))
        .route("/sessions/revoke", post(revoke))
        .route("/logout-others", post(logout_others))
        .route("/logout-everywhere", post(logout_everywhere))
        .route("/logout", post(logout))
}

/// The environment's store, with `session_user_key = "_user_id"`.
pub fn settings_from_env() -> Result<Settings, String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut s = Settings::default();
    let kind = env("SESSION_TYPE").unwrap_or_else(|| "filesystem".into());
    s.session_type = SessionType::from_name(&kind).ok_or(format!("unknown SESSION_TYPE {kind:?}"))?;
    s.session_user_key = Some(USER_KEY.into());
    s.secret_key = env("SECRET_KEY").map(SecretKey::from);
    if let Some(url) = env("REDIS_URL") {
        s.session_redis = url;
    }
    if let Some(url) = env("MONGODB_URL") {
        s.session_mongodb = url;
    }
    if let Some(dir) = env("SESSION_FILE_DIR") {
        s.session_file_dir = dir.into();
    }
    s.session_sqlalchemy = env("DATABASE_URL");
    Ok(s)
}

async fn login(session: Session, Query(q): Params) -> Result<(StatusCode, String), SessionError> {
    let Some(user) = q.get("user").filter(|u| !u.is_empty()) else {
        return Ok((StatusCode::BAD_REQUEST, "user is required".into()));
    };
    // A new id on login, against fixation; the index follows the id.
    session.regenerate().await?;
    session.insert(USER_KEY, user).await?;
    Ok((StatusCode::OK, format!("logged in as {user}")))
}

async fn whoami(session: Session) -> Result<String, SessionError> {
    Ok(session.get::<String>(USER_KEY).await?.unwrap_or_else(|| "anonymous".into()))
}

async fn sessions(session: Session) -> Result<Json<JsonValue>, SessionError> {
    Ok(Json(session.user_sessions().await?.iter().map(listed).collect()))
}

async fn revoke(session: Session, Query(q): Params) -> Result<(StatusCode, Json<JsonValue>), SessionError> {
    let handle = q.get("handle").map_or("", String::as_str);
    let revoked = session.revoke_session(handle).await?;
    let status = if revoked { StatusCode::OK } else { StatusCode::NOT_FOUND };
    Ok((status, Json(json!({ "revoked": revoked }))))
}

async fn logout_others(session: Session) -> Result<Json<JsonValue>, SessionError> {
    Ok(Json(json!({ "revoked": session.revoke_other_sessions().await? })))
}

async fn logout_everywhere(session: Session) -> Result<Json<JsonValue>, SessionError> {
    Ok(Json(json!({ "revoked": session.revoke_all_sessions().await? })))
}

async fn logout(session: Session) -> Result<&'static str, SessionError> {
    session.destroy().await?;
    Ok("logged out")
}

fn listed(s: &UserSession) -> JsonValue {
    let secs = |t: Option<SystemTime>| t.and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_secs());
    json!({
        "handle": s.handle,
        "current": s.current,
        "created": secs(s.created),
        "last_seen": secs(s.last_seen),
        "expires": secs(s.expires),
    })
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    let sessions = settings_from_env()?.into_layer().await?;
    let app = router().layer(sessions);
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("accounts: serving on http://{}/", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
