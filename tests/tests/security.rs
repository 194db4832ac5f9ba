//! What must never leak or be adopted: full session ids and secrets in logs or `Debug`, a
//! client-chosen id, a path outside the session directory.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::http::{bare, browser, serve_sessions, set_cookie};
use session_runtime::{SecretKey, SessionType, Settings};

/// Everything the subscriber writes, for inspection.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn settings(label: &str) -> Settings {
    let mut s = Settings::default();
    s.session_type = SessionType::Filesystem;
    s.session_file_dir = common::temp_dir(label);
    s.session_use_signer = true;
    s.secret_key = Some(SecretKey::from("correct horse battery staple"));
    s
}

#[tokio::test]
async fn logs_never_hold_a_full_id_or_the_secret() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let layer = settings("logs").into_layer().await.unwrap();
    assert!(!format!("{layer:?}").contains("correct horse"), "Debug of the layer shows no secret");
    let base = serve_sessions(layer).await;

    // A real session, then its id sent unsigned (bad signature), then a valid-looking unknown id.
    let b = browser();
    let (value, _) = set_cookie(&b.get(format!("{base}/incr")).send().await.unwrap()).unwrap();
    let sid = value.split('.').next().unwrap().to_owned();
    let signer = session_runtime::Signer::new("correct horse battery staple");
    let unknown = "uE8VW5JpjcNUdBJq6_3IGjSR5921D4avEevMeqhgYP0";
    for cookie in [sid.clone(), signer.sign(unknown)] {
        bare().get(format!("{base}/get")).header("cookie", format!("session={cookie}")).send().await.unwrap();
    }

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("signature is invalid"), "the bad signature was logged: {logs}");
    assert!(logs.contains("not in the store"), "the unknown id was logged: {logs}");
    for secret in [sid.as_str(), unknown, "correct horse"] {
        assert!(!logs.contains(secret), "{secret} leaked into the logs:\n{logs}");
    }
}

#[tokio::test]
async fn a_client_chosen_id_is_never_adopted_even_when_correctly_signed() {
    let base = serve_sessions(settings("fixation").into_layer().await.unwrap()).await;
    let signer = session_runtime::Signer::new("correct horse battery staple");
    let chosen = "attacker-chosen-id-attacker-chosen-id-aaaa";
    let res = bare().get(format!("{base}/incr")).header("cookie", format!("session={}", signer.sign(chosen))).send().await.unwrap();
    let (value, _) = set_cookie(&res).unwrap();
    assert!(!value.starts_with(chosen), "the server picked its own id");
}

#[tokio::test]
async fn ids_with_path_characters_never_reach_the_disk() {
    let s = {
        let mut s = settings("traversal");
        s.session_use_signer = false;
        s
    };
    let dir = s.session_file_dir.clone();
    let outside = dir.parent().unwrap().join("escaped");
    let _ = std::fs::remove_file(&outside);
    let base = serve_sessions(s.into_layer().await.unwrap()).await;
    for id in ["../escaped", "..%2Fescaped", "/etc/passwd", "a/../../escaped", "....//....//escaped"] {
        let res = bare().get(format!("{base}/incr")).header("cookie", format!("session={id}")).send().await.unwrap();
        let (value, _) = set_cookie(&res).unwrap();
        assert_ne!(value, id);
    }
    assert!(!outside.exists());
    // Whatever the id, a file name is a hex digest: nothing but hex ever appears in the dir.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
    }
}
