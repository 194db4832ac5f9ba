//! `#[session_config]` and `#[derive(SessionData)]` at run time, over real HTTP: settings from
//! fields behave as literal ones, and a typed field is the same key as the untyped API (and as
//! Flask-Login's `_user_id` written by a real Flask app).

mod common;

use std::path::PathBuf;

use axum::routing::get;
use axum::Router;
use common::http::{browser, routes, serve, set_cookie, text};
use session_runtime::{session_config, SameSite, SessionData, SessionError};

#[derive(SessionData)]
struct Visitor {
    #[session(rename = "_user_id")]
    user_id: Option<String>,
    #[session(default)]
    visits: u64,
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

#[session_config(session_type = "filesystem", session_use_signer = true, session_data = Visitor)]
struct FromFields {
    secret_key: String,
    session_file_dir: PathBuf,
    session_cookie_secure: bool,
    session_cookie_samesite: SameSite,
    permanent_session_lifetime: u64,
}

async fn typed_visit(v: VisitorSession) -> Result<String, SessionError> {
    let n = v.visits().await? + 1;
    v.set_visits(n).await?;
    Ok(n.to_string())
}

async fn whoami(v: VisitorSession) -> Result<String, SessionError> {
    Ok(v.user_id().await?.unwrap_or_else(|| "anonymous".into()))
}

async fn login(v: VisitorSession) -> Result<&'static str, SessionError> {
    v.regenerate().await?;
    v.set_user_id(Some("7".into())).await?;
    Ok("logged in")
}

fn app(layer: session_runtime::SessionLayer) -> Router {
    routes()
        .route("/typed", get(typed_visit))
        .route("/whoami", get(whoami))
        .route("/login", get(login))
        .layer(layer)
}

/// The Set-Cookie attributes, with the changing value and date taken out.
fn attributes(header: &str) -> Vec<String> {
    let mut parts: Vec<String> =
        header.split("; ").skip(1).filter(|p| !p.starts_with("Expires=")).map(str::to_owned).collect();
    parts.sort();
    parts
}

#[tokio::test]
async fn settings_from_fields_behave_as_literals() {
    std::env::set_var("CONFIG_MACRO_SECRET", "from-the-environment");
    let secret = std::env::var("CONFIG_MACRO_SECRET").unwrap();
    let dir = common::temp_dir("macro");
    let literal = Literal { secret_key: secret.clone(), session_file_dir: dir.clone() };
    let fields = FromFields {
        secret_key: secret,
        session_file_dir: dir,
        session_cookie_secure: true,
        session_cookie_samesite: SameSite::Lax,
        permanent_session_lifetime: 7 * 86_400,
    };
    let a = serve(app(literal.into_layer().await.unwrap())).await;
    let b = serve(app(fields.into_layer().await.unwrap())).await;

    let client = browser();
    let res_a = client.get(format!("{a}/typed")).send().await.unwrap();
    let (cookie_a, header_a) = set_cookie(&res_a).unwrap();
    let res_b = client.get(format!("{b}/typed")).send().await.unwrap();
    let (cookie_b, header_b) = set_cookie(&res_b).unwrap();
    assert_eq!(res_b.text().await.unwrap(), "2", "one store, one secret: B reads A's session");
    assert_eq!(cookie_a, cookie_b, "the same signed id");
    assert_eq!(attributes(&header_a), attributes(&header_b));
    assert!(header_a.contains("Secure") && header_a.contains("SameSite=Lax"), "{header_a}");
    assert!(cookie_a.contains('.'), "signed: {cookie_a}");
}

#[tokio::test]
async fn typed_and_untyped_apis_share_keys() {
    let dir = common::temp_dir("typed");
    let base = serve(app(Literal { secret_key: "k".into(), session_file_dir: dir }.into_layer().await.unwrap())).await;
    let b = browser();
    assert_eq!(text(&b, &format!("{base}/incr")).await, "1", "untyped write");
    assert_eq!(text(&b, &format!("{base}/typed")).await, "2", "typed read of the same key");
    assert_eq!(text(&b, &format!("{base}/get")).await, "2", "untyped read of the typed write");
}

#[tokio::test]
async fn flask_logins_user_id_reads_through_a_renamed_field() {
    let dir = common::temp_dir("flask-login");
    let flask = common::flask::start(&[
        ("SESSION_TYPE", "filesystem".into()),
        ("SESSION_FILE_DIR", dir.display().to_string()),
        ("SESSION_USE_SIGNER", "1".into()),
        ("SECRET_KEY", "shared-secret".into()),
    ])
    .await;
    // The cookie is Secure in `Literal`; this test speaks plain HTTP, so drop that one attribute.
    let mut settings = Literal { secret_key: "shared-secret".into(), session_file_dir: dir }.settings();
    settings.session_cookie_secure = false;
    let rust = serve(app(settings.into_layer().await.unwrap())).await;

    let b = browser();
    assert_eq!(text(&b, &format!("{rust}/whoami")).await, "anonymous");
    text(&b, &format!("{}/set?k=_user_id&v=42", flask.base)).await;
    assert_eq!(text(&b, &format!("{rust}/whoami")).await, "42", "Flask-Login's key, typed in Rust");
    // Logging in on the Rust side regenerates the id; Flask sees the new user.
    text(&b, &format!("{rust}/login")).await;
    assert_eq!(text(&b, &format!("{}/get?k=_user_id", flask.base)).await, "\"7\"");
}
