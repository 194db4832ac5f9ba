//! The generated code at run time: `#[session_config]` fields resolve like literals, and a
//! `#[derive(SessionData)]` field is the same session key through the typed and untyped APIs,
//! across requests on the filesystem store.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{header, Request};
use axum::routing::get;
use axum::Router;
use session_runtime::{session_config, Session, SessionData, SessionError};
use tower::ServiceExt;

#[derive(SessionData)]
pub struct Visitor {
    #[session(rename = "_user_id")]
    user_id: Option<String>,
    #[session(default)]
    visits: u32,
    cart: Vec<u64>,
}

#[session_config(
    session_type = "filesystem",
    session_cookie_secure = true,
    session_cookie_samesite = "Lax",
    permanent_session_lifetime = "7d",
    session_use_signer = true,
    session_data = Visitor,
)]
struct Literal {
    secret_key: String,
    session_file_dir: PathBuf,
}

#[session_config(session_type = "filesystem", session_use_signer = true)]
struct FromFields {
    secret_key: String,
    session_file_dir: PathBuf,
    session_cookie_secure: bool,
    session_cookie_samesite: session_runtime::SameSite,
    permanent_session_lifetime: u64,
}

fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("session-ui-tests-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn fields_resolve_like_literals() {
    let dir = temp_dir("resolve");
    let literal = Literal { secret_key: "dev-secret-key".into(), session_file_dir: dir.clone() }.settings();
    let fields = FromFields {
        secret_key: std::env::var("UI_TESTS_SECRET").unwrap_or_else(|_| "dev-secret-key".into()),
        session_file_dir: dir,
        session_cookie_secure: true,
        session_cookie_samesite: session_runtime::SameSite::Lax,
        permanent_session_lifetime: 7 * 86_400,
    }
    .settings();
    assert_eq!(format!("{literal:?}"), format!("{fields:?}"));
    assert_eq!(literal.secret_key, fields.secret_key);
    assert!(literal.validate().is_ok());
}

async fn write_typed(visitor: VisitorSession) -> Result<String, SessionError> {
    assert_eq!(visitor.visits().await?, 0, "a missing `default` field reads as its default");
    assert_eq!(visitor.user_id().await?, None, "a missing `Option` field reads as `None`");
    assert_eq!(visitor.cart().await?, None, "a missing plain field reads as `None`");
    visitor.set_visits(3).await?;
    visitor.set_user_id(Some("alice".into())).await?;
    visitor.set_cart(vec![7, 8]).await?;
    visitor.insert("theme", "dark").await?; // untyped, through `Deref`
    Ok("ok".into())
}

async fn read_untyped(session: Session) -> Result<String, SessionError> {
    let visits: Option<u32> = session.get("visits").await?;
    let user: Option<String> = session.get("_user_id").await?;
    let cart: Option<Vec<u64>> = session.get("cart").await?;
    session.insert("visits", &10u32).await?;
    Ok(format!("{visits:?} {user:?} {cart:?}"))
}

async fn read_typed(visitor: VisitorSession) -> Result<String, SessionError> {
    let visits = visitor.visits().await?;
    let taken = visitor.take_cart().await?;
    let cart = visitor.cart().await?;
    visitor.remove_user_id().await?;
    let user = visitor.user_id().await?;
    let theme: Option<String> = visitor.get("theme").await?;
    Ok(format!("{visits} {taken:?} {cart:?} {user:?} {theme:?}"))
}

async fn send(app: &Router, path: &str, cookie: Option<&str>) -> (String, Option<String>) {
    let mut req = Request::get(path);
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, cookie);
    }
    let res = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let set_cookie = res.headers().get(header::SET_COOKIE).map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    let body = axum::body::to_bytes(res.into_body(), 1 << 16).await.unwrap();
    (String::from_utf8(body.to_vec()).unwrap(), set_cookie)
}

#[tokio::test]
async fn typed_and_untyped_share_keys_across_requests() {
    let sessions = Literal { secret_key: "dev-secret-key".into(), session_file_dir: temp_dir("roundtrip") };
    let layer = sessions.into_layer().await.unwrap();
    let app = Router::new()
        .route("/write-typed", get(write_typed))
        .route("/read-untyped", get(read_untyped))
        .route("/read-typed", get(read_typed))
        .layer(layer);

    let (body, cookie) = send(&app, "/write-typed", None).await;
    assert_eq!(body, "ok");
    let cookie = cookie.expect("a new session sets its cookie");
    let (body, _) = send(&app, "/read-untyped", Some(&cookie)).await;
    assert_eq!(body, "Some(3) Some(\"alice\") Some([7, 8])");
    let (body, _) = send(&app, "/read-typed", Some(&cookie)).await;
    assert_eq!(body, "10 Some([7, 8]) None None Some(\"dark\")");
}

#[test]
fn keys_and_typed_accessor() {
    assert_eq!(<Visitor as SessionData>::KEYS, ["_user_id", "visits", "cart"]);
    let _: fn(Session) -> VisitorSession = Literal::data;
}

async fn whole(session: Session) -> Result<String, SessionError> {
    let before = Visitor::read(&session).await?;
    let visitor = Visitor { user_id: Some("bob".into()), visits: 1, cart: vec![1] };
    visitor.write(&session).await?;
    let after = Visitor::read(&session).await?.expect("every field is there");
    Ok(format!("{} {:?} {} {:?}", before.is_none(), after.user_id, after.visits, after.cart))
}

#[tokio::test]
async fn whole_struct_read_and_write() {
    let sessions = Literal { secret_key: "dev-secret-key".into(), session_file_dir: temp_dir("whole") };
    let app = Router::new().route("/", get(whole)).layer(sessions.into_layer().await.unwrap());
    let (body, _) = send(&app, "/", None).await;
    assert_eq!(body, "true Some(\"bob\") 1 [1]");
}
