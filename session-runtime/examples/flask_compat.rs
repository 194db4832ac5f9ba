//! The Rust half of a Flask migration: the same routes as `tests/flask/app.py`, on the store and
//! cookie a Flask-Session 0.8 app uses, configured with the environment names Flask uses.
//!
//! `GET /set?k=K&v=V[&t=int|float|bytes|json]`, `GET /get?k=K`, `GET /dump`, `GET /clear`,
//! `GET /flash?m=M[&c=C]`. Settings: SESSION_TYPE (redis, filesystem, memcached, mongodb,
//! sqlalchemy), SESSION_USE_SIGNER (0/1), SECRET_KEY, SESSION_SERIALIZATION_FORMAT (msgpack,
//! json, pickle: `pickle` beside a Flask Unchained 0.9 app), REDIS_URL, SESSION_FILE_DIR,
//! MEMCACHED_URL, MONGODB_URL, DATABASE_URL, SESSION_SQLALCHEMY_TABLE, PORT.

use std::collections::HashMap;

use axum::extract::Query;
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value as JsonValue};
use session_runtime::{SecretKey, SerializationFormat, Session, SessionError, SessionType, Settings, Value};

type Params = Query<HashMap<String, String>>;

/// The routes; `main` puts them behind the session layer.
pub fn router() -> Router {
    Router::new()
        .route("/set", get(set))
        .route("/get", get(read))
        .route("/dump", get(dump))
        .route("/clear", get(clear))
        .route("/flash", get(flash))
}

/// Flask's environment names, Flask's defaults for everything else (prefix `session:`,
/// permanent sessions of 31 days, cachelib's sha256 file names).
pub fn settings_from_env() -> Result<Settings, String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut s = Settings::default();
    let kind = env("SESSION_TYPE").unwrap_or_else(|| "filesystem".into());
    s.session_type = SessionType::from_name(&kind).ok_or(format!("unknown SESSION_TYPE {kind:?}"))?;
    s.session_use_signer = env("SESSION_USE_SIGNER").as_deref() == Some("1");
    s.secret_key = env("SECRET_KEY").map(SecretKey::from);
    if let Some(format) = env("SESSION_SERIALIZATION_FORMAT") {
        s.session_serialization_format = SerializationFormat::from_name(&format)
            .ok_or(format!("unknown SESSION_SERIALIZATION_FORMAT {format:?} (msgpack, json or pickle)"))?;
    }
    if let Some(url) = env("REDIS_URL") {
        s.session_redis = url;
    }
    if let Some(dir) = env("SESSION_FILE_DIR") {
        s.session_file_dir = dir.into();
    }
    if let Some(url) = env("MEMCACHED_URL") {
        s.session_memcached = url;
    }
    if let Some(url) = env("MONGODB_URL") {
        s.session_mongodb = url;
    }
    s.session_sqlalchemy = env("DATABASE_URL");
    if let Some(table) = env("SESSION_SQLALCHEMY_TABLE") {
        s.session_sqlalchemy_table = table;
    }
    Ok(s)
}

async fn set(session: Session, Query(q): Params) -> Result<Json<JsonValue>, SessionError> {
    let (Some(k), Some(v)) = (q.get("k"), q.get("v")) else {
        return Ok(Json(json!({"error": "k and v are required"})));
    };
    let value = match q.get("t").map(String::as_str) {
        Some("int") => v.parse::<i64>().map(Value::from).ok(),
        Some("float") => v.parse::<f64>().map(Value::F64).ok(),
        Some("bytes") => STANDARD.decode(v).map(Value::Binary).ok(),
        Some("json") => serde_json::from_str::<JsonValue>(v).ok().map(|j| json_to_value(&j)),
        _ => Some(Value::from(v.as_str())),
    };
    match value {
        Some(value) => session.insert_value(k, value).await?,
        None => return Ok(Json(json!({"error": "v does not parse as t"}))),
    }
    Ok(Json(json!({"ok": true})))
}

async fn read(session: Session, Query(q): Params) -> Result<Json<JsonValue>, SessionError> {
    let value = session.get_value(q.get("k").map_or("", String::as_str)).await?;
    Ok(Json(value.as_ref().map_or(JsonValue::Null, plain)))
}

async fn dump(session: Session) -> Result<Json<JsonValue>, SessionError> {
    let data = session.data().await?;
    Ok(Json(JsonValue::Object(data.iter().map(|(k, v)| (k.to_owned(), plain(v))).collect())))
}

async fn clear(session: Session) -> Result<Json<JsonValue>, SessionError> {
    session.clear().await?;
    Ok(Json(json!({"ok": true})))
}

/// Appends `[category, message]` to `_flashes`, as Flask's `flash()` does.
async fn flash(session: Session, Query(q): Params) -> Result<Json<JsonValue>, SessionError> {
    let mut flashes: Vec<(String, String)> = session.get("_flashes").await?.unwrap_or_default();
    let category = q.get("c").cloned().unwrap_or_else(|| "message".into());
    flashes.push((category, q.get("m").cloned().unwrap_or_default()));
    session.insert("_flashes", &flashes).await?;
    Ok(Json(json!({"ok": true})))
}

/// A session value as JSON with the conventions of `tests/flask/app.py`.
pub fn plain(v: &Value) -> JsonValue {
    match v {
        Value::Nil => JsonValue::Null,
        Value::Boolean(b) => json!(b),
        Value::Integer(i) => i.as_i64().map_or_else(|| json!(i.as_u64()), |n| json!(n)),
        Value::F32(f) => json!(f),
        Value::F64(f) => json!(f),
        Value::String(s) => json!(s.as_str().unwrap_or_default()),
        Value::Binary(b) => json!({"$bytes": STANDARD.encode(b)}),
        Value::Array(items) => JsonValue::Array(items.iter().map(plain).collect()),
        Value::Map(entries) => JsonValue::Object(
            entries
                .iter()
                .map(|(k, v)| (k.as_str().map_or_else(|| k.to_string(), str::to_owned), plain(v)))
                .collect(),
        ),
        Value::Ext(..) => json!(v.to_string()),
    }
}

fn json_to_value(j: &JsonValue) -> Value {
    match j {
        JsonValue::Null => Value::Nil,
        JsonValue::Bool(b) => Value::Boolean(*b),
        JsonValue::Number(n) => n.as_i64().map(Value::from).or(n.as_u64().map(Value::from)).unwrap_or(Value::F64(n.as_f64().unwrap_or(0.0))),
        JsonValue::String(s) => Value::from(s.as_str()),
        JsonValue::Array(items) => Value::Array(items.iter().map(json_to_value).collect()),
        JsonValue::Object(m) => Value::Map(m.iter().map(|(k, v)| (Value::from(k.as_str()), json_to_value(v))).collect()),
    }
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    let sessions = settings_from_env()?.into_layer().await?;
    let app = router().layer(sessions);
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("flask_compat: serving on http://{}/", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
