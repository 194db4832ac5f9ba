// Every setting that applies to the filesystem store, as a literal.
use session_runtime::{session_config, FileNameHash, SameSite, SessionType};

#[session_config(
    session_type = "filesystem",
    session_cookie_name = "__Host-sid",
    session_cookie_path = "/",
    session_cookie_httponly = false,
    session_cookie_secure = true,
    session_cookie_samesite = "None",
    permanent_session_lifetime = "1d 12h",
    session_refresh_each_request = false,
    session_permanent = false,
    session_use_signer = true,
    session_key_prefix = "app:",
    session_id_length = 48,
    session_file_dir = "/tmp/sessions",
    session_file_threshold = 0,
    session_file_mode = 0o640,
    session_file_name_hash = "md5",
    session_cleanup_n_requests = 100,
    session_merge_on_save = true,
    session_max_size = 65536,
    session_cache_control_private = false,
    session_user_key = "_user_id",
)]
struct Sessions {
    secret_key: String,
}

fn main() {
    let s = Sessions { secret_key: "dev-secret-key".into() }.settings();
    assert_eq!(s.session_type, SessionType::Filesystem);
    assert_eq!(s.session_cookie_name, "__Host-sid");
    assert_eq!(s.session_cookie_path.as_deref(), Some("/"));
    assert!(!s.session_cookie_httponly && s.session_cookie_secure);
    assert_eq!(s.session_cookie_samesite, Some(SameSite::None));
    assert_eq!(s.permanent_session_lifetime.as_secs(), 36 * 3600);
    assert!(!s.session_refresh_each_request && !s.session_permanent && s.session_use_signer);
    assert!(s.secret_key.is_some());
    assert_eq!(s.session_key_prefix, "app:");
    assert_eq!(s.session_id_length, 48);
    assert_eq!(s.session_file_dir, std::path::PathBuf::from("/tmp/sessions"));
    assert_eq!((s.session_file_threshold, s.session_file_mode), (0, 0o640));
    assert_eq!(s.session_file_name_hash, FileNameHash::Md5);
    assert_eq!(s.session_cleanup_n_requests, Some(100));
    assert!(s.session_merge_on_save);
    assert_eq!(s.session_max_size, 65536);
    assert!(!s.session_cache_control_private);
    assert_eq!(s.session_user_key.as_deref(), Some("_user_id"));
    assert!(s.validate().is_ok());
}
