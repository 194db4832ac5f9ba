//! `session_merge_on_save` on every store, with real concurrency over HTTP: two requests on one
//! session that change different keys both keep their change.

mod common;

use common::env;
use common::http::{browser, serve_sessions, text};
use session_runtime::{SessionType, Settings};

async fn both_changes_survive(mut s: Settings) {
    s.session_merge_on_save = true;
    let base = serve_sessions(s.into_layer().await.expect("session layer")).await;
    let b = browser();
    assert_eq!(text(&b, &format!("{base}/incr")).await, "1");
    // Both requests load the session before either saves it.
    let first = format!("{base}/slow-set?k=left&v=L");
    tokio::join!(text(&b, &first), async {
        tokio::time::sleep(common::http::SECOND_RACER_DELAY).await;
        text(&b, &format!("{base}/slow-set?k=right&v=R")).await
    });
    assert_eq!(text(&b, &format!("{base}/keys")).await, "_permanent,left,right,visits");
}

fn with(kind: SessionType) -> Settings {
    let mut s = Settings::default();
    s.session_type = kind;
    s
}

#[tokio::test]
async fn filesystem() {
    let mut s = with(SessionType::Filesystem);
    s.session_file_dir = common::temp_dir("lost-updates");
    both_changes_survive(s).await;
}

#[tokio::test]
async fn redis() {
    let mut s = with(SessionType::Redis);
    s.session_redis = env::redis_url();
    both_changes_survive(s).await;
}

#[tokio::test]
async fn redis_cluster() {
    let mut s = with(SessionType::Redis);
    s.session_redis = env::redis_cluster_urls();
    both_changes_survive(s).await;
}

#[tokio::test]
async fn memcached() {
    let mut s = with(SessionType::Memcached);
    s.session_memcached = env::memcached_url();
    both_changes_survive(s).await;
}

#[tokio::test]
async fn mongodb() {
    let mut s = with(SessionType::Mongodb);
    s.session_mongodb = env::mongodb_url();
    both_changes_survive(s).await;
}

#[tokio::test]
async fn postgres() {
    let mut s = with(SessionType::Sqlalchemy);
    s.session_sqlalchemy = Some(std::env::var("DATABASE_URL_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()));
    s.session_sqlalchemy_table = "lost_updates".into();
    both_changes_survive(s).await;
}

#[tokio::test]
async fn mysql() {
    let mut s = with(SessionType::Sqlalchemy);
    s.session_sqlalchemy = Some(std::env::var("DATABASE_URL_MYSQL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into()));
    s.session_sqlalchemy_table = "lost_updates".into();
    both_changes_survive(s).await;
}

#[tokio::test]
async fn sqlite() {
    let mut s = with(SessionType::Sqlalchemy);
    s.session_sqlalchemy = Some(common::temp_dir("lost-updates-sqlite").join("sessions.db").display().to_string());
    both_changes_survive(s).await;
}
