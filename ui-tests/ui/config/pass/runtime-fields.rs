// Settings given as fields, filled at run time; each accepted field type.
use std::path::PathBuf;
use std::time::Duration;

use session_runtime::{session_config, SameSite, SecretKey, SessionType};

#[session_config(session_use_signer = true)]
struct Sessions {
    session_type: SessionType,
    secret_key: String,
    secret_key_fallbacks: Vec<String>,
    session_cookie_secure: bool,
    session_cookie_name: &'static str,
    session_cookie_domain: Option<String>,
    session_cookie_samesite: Option<SameSite>,
    permanent_session_lifetime: Duration,
    session_id_length: usize,
    session_file_dir: PathBuf,
    session_file_mode: u32,
    session_cleanup_n_requests: Option<u64>,
}

#[session_config(session_type = "filesystem")]
struct Other {
    secret_key: Option<SecretKey>,
    permanent_session_lifetime: u64,
    session_file_dir: &'static str,
    session_cookie_samesite: SameSite,
}

fn main() {
    let sessions = Sessions {
        session_type: SessionType::Filesystem,
        secret_key: std::env::var("SECRET_KEY").unwrap_or_else(|_| "dev-secret-key".into()),
        secret_key_fallbacks: vec!["old-key".into()],
        session_cookie_secure: true,
        session_cookie_name: "sid",
        session_cookie_domain: None,
        session_cookie_samesite: Some(SameSite::Lax),
        permanent_session_lifetime: Duration::from_secs(600),
        session_id_length: 32,
        session_file_dir: PathBuf::from("/tmp/s"),
        session_file_mode: 0o600,
        session_cleanup_n_requests: None,
    };
    let s = sessions.settings();
    assert_eq!(s.session_type, SessionType::Filesystem);
    assert!(s.session_cookie_secure && s.session_use_signer);
    assert_eq!(s.secret_key, Some(SecretKey::from("dev-secret-key")));
    assert_eq!(s.secret_key_fallbacks.len(), 1);
    assert_eq!(s.session_cookie_name, "sid");
    assert_eq!(s.permanent_session_lifetime.as_secs(), 600);
    assert!(s.validate().is_ok());

    let other = Other {
        secret_key: None,
        permanent_session_lifetime: 60,
        session_file_dir: "/tmp/o",
        session_cookie_samesite: SameSite::Strict,
    };
    assert_eq!(other.settings().permanent_session_lifetime.as_secs(), 60);
}
