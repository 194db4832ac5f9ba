//! End to end over real HTTP: the rows a browser's visits leave, and revoking a user's sessions.

use std::time::{Duration, SystemTime};

use axum::extract::Query;
use axum::routing::get;
use axum::Router;
use chrono::NaiveDateTime;
use session_runtime::codec;
use session_runtime::store::sql::SqlStore;
use session_runtime::{session_model, Session, SessionError, SessionLayer, Value};

use crate::common::http::{browser, serve, serve_sessions, set_cookie, text};
use crate::support::{naive, settings, Raw};

/// `GET /incr` three times: one row `session:<sid>` holding `{_permanent: true, visits: 3}` in
/// msgpack, expiring a lifetime from now; `GET /clear` deletes it.
pub async fn http_visits_leave_flask_rows(url: &str) {
    let table = "t_http_visits";
    let raw = Raw::new(url);
    raw.drop_table(table).await;
    let base = serve_sessions(settings(url, table).into_layer().await.unwrap()).await;
    let b = browser();
    let res = b.get(format!("{base}/incr")).send().await.unwrap();
    let (sid, _) = set_cookie(&res).expect("cookie");
    assert_eq!(res.text().await.unwrap(), "1");
    assert_eq!(text(&b, &format!("{base}/incr")).await, "2");
    assert_eq!(text(&b, &format!("{base}/incr")).await, "3");

    let key = format!("session:{sid}");
    assert_eq!(raw.keys(table).await, std::slice::from_ref(&key));
    let row = raw.row(table, &key).await.unwrap();
    let data = codec::decode(row.data.as_deref().unwrap()).unwrap();
    assert!(data.is_permanent());
    assert_eq!(data.get("visits"), Some(&Value::from(3)));
    let want = naive(SystemTime::now() + Duration::from_secs(31 * 86_400));
    assert!((want - row.expiry.unwrap()).num_seconds().abs() <= 5);

    assert_eq!(text(&b, &format!("{base}/clear")).await, "cleared");
    assert!(raw.keys(table).await.is_empty(), "an emptied session is deleted");
    raw.drop_table(table).await;
}

diesel::table! {
    http_user_sessions (id) {
        id -> Integer,
        session_id -> Varchar,
        data -> Binary,
        expiry -> Nullable<Timestamp>,
        user_id -> Nullable<Varchar>,
    }
}

#[session_model(table = http_user_sessions)]
#[allow(dead_code)]
pub struct HttpUserSession {
    #[session(primary_key)]
    id: i32,
    #[session(id)]
    session_id: String,
    #[session(data)]
    data: Vec<u8>,
    #[session(expiry)]
    expiry: Option<NaiveDateTime>,
    #[session(from = "_user_id", index)]
    user_id: Option<String>,
}

async fn login(session: Session, Query(q): Query<std::collections::HashMap<String, String>>) -> Result<&'static str, SessionError> {
    // Flask-Login keeps the user id as a string under `_user_id`.
    session.regenerate().await?;
    session.insert("_user_id", &q["user"]).await?;
    Ok("logged in")
}

async fn whoami(session: Session) -> Result<String, SessionError> {
    Ok(session.get::<String>("_user_id").await?.unwrap_or_else(|| "anonymous".into()))
}

/// Revoking user 42's sessions logs 42 out of every browser, and nobody else.
pub async fn revoke_logs_user_out_of_every_browser(url: &str) {
    let raw = Raw::new(url);
    raw.drop_table("http_user_sessions").await;
    let s = settings(url, "unused");
    let store = SqlStore::connect_with_model::<HttpUserSession>(&s).await.unwrap();
    let layer = SessionLayer::new(store.clone(), s).unwrap();
    let base = serve(Router::new().route("/login", get(login)).route("/whoami", get(whoami)).layer(layer)).await;

    let (laptop, phone, other) = (browser(), browser(), browser());
    for (b, user) in [(&laptop, "42"), (&phone, "42"), (&other, "7")] {
        assert_eq!(text(b, &format!("{base}/login?user={user}")).await, "logged in");
        assert_eq!(text(b, &format!("{base}/whoami")).await, user);
    }
    assert_eq!(store.sessions_where(HttpUserSession::by_user_id("42")).await.unwrap().len(), 2);

    assert_eq!(store.revoke_where(HttpUserSession::by_user_id("42")).await.unwrap(), 2);
    assert_eq!(text(&laptop, &format!("{base}/whoami")).await, "anonymous");
    assert_eq!(text(&phone, &format!("{base}/whoami")).await, "anonymous");
    assert_eq!(text(&other, &format!("{base}/whoami")).await, "7");
    raw.drop_table("http_user_sessions").await;
}
