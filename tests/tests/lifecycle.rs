//! The request lifecycle over real HTTP, on the filesystem store: what is stored, when, and
//! which cookie the browser gets. One test source, run on axum (the tower layer) and on
//! actix-web (`SessionMiddleware`): the two adapters share one lifecycle, and these tests hold
//! them to the same answers, headers and stored files.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use common::http::{bare, browser, serve_sessions_on, set_cookie, text, Counting, Framework};
use session_runtime::store::FilesystemStore;
use session_runtime::{SecretKey, SessionLayer, SessionType, Settings};
use sha2::{Digest, Sha256};

fn settings(dir: &Path) -> Settings {
    let mut s = Settings::default();
    s.session_type = SessionType::Filesystem;
    s.session_file_dir = dir.to_owned();
    s
}

async fn app(fw: Framework, s: Settings) -> String {
    serve_sessions_on(fw, s.into_layer().await.unwrap()).await
}

fn file_of(dir: &Path, sid: &str) -> PathBuf {
    let name: String = Sha256::digest(format!("session:{sid}")).iter().map(|b| format!("{b:02x}")).collect();
    dir.join(name)
}

fn session_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}

async fn new_session_then_second_visit(fw: Framework) {
    let dir = common::temp_dir("new");
    let base = app(fw, settings(&dir)).await;
    let b = browser();
    let res = b.get(format!("{base}/incr")).send().await.unwrap();
    assert_eq!(res.headers()["vary"], "Cookie");
    let (sid, header) = set_cookie(&res).expect("a new session sets its cookie");
    assert_eq!(res.text().await.unwrap(), "1");
    assert_eq!(sid.len(), 43, "32 random bytes, base64url without padding");
    assert!(header.contains("HttpOnly") && header.contains("Path=/") && header.contains("Expires="), "{header}");
    assert!(file_of(&dir, &sid).exists(), "stored under sha256(\"session:\" + sid)");
    assert_eq!(text(&b, &format!("{base}/incr")).await, "2");
    assert_eq!(text(&b, &format!("{base}/get")).await, "2");
}

async fn an_empty_session_is_never_stored(fw: Framework) {
    let dir = common::temp_dir("empty");
    let base = app(fw, settings(&dir)).await;
    let res = bare().get(format!("{base}/get")).send().await.unwrap();
    assert!(set_cookie(&res).is_none());
    assert_eq!(res.headers()["vary"], "Cookie", "the session was read");
    assert_eq!(res.text().await.unwrap(), "none");
    assert_eq!(session_files(&dir), 0);
}

async fn bad_cookies_start_a_fresh_session_with_a_new_id(fw: Framework) {
    let dir = common::temp_dir("bad");
    let base = app(fw, settings(&dir)).await;
    let unknown = "uE8VW5JpjcNUdBJq6_3IGjSR5921D4avEevMeqhgYP0";
    let five_kb = "a".repeat(5 * 1024);
    for cookie in [
        format!("session={unknown}").into_bytes(),
        b"session=../../../../etc/passwd".to_vec(),
        b"session=\"quoted;".to_vec(),
        b"session=\xc3\x28\xff".to_vec(),
        format!("session={five_kb}").into_bytes(),
    ] {
        let res = bare()
            .get(format!("{base}/incr"))
            .header("cookie", reqwest::header::HeaderValue::from_bytes(&cookie).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let (sid, _) = set_cookie(&res).expect("a fresh session");
        assert_ne!(sid, unknown, "a client's id is never adopted");
        assert_eq!(sid.len(), 43);
        assert_eq!(res.text().await.unwrap(), "1");
    }
    assert!(!file_of(&dir, unknown).exists());
}

async fn clearing_deletes_the_entry_and_expires_the_cookie(fw: Framework) {
    let dir = common::temp_dir("clear");
    let base = app(fw, settings(&dir)).await;
    let b = browser();
    let res = b.get(format!("{base}/incr")).send().await.unwrap();
    let (sid, _) = set_cookie(&res).unwrap();
    assert!(file_of(&dir, &sid).exists());
    let res = b.get(format!("{base}/clear")).send().await.unwrap();
    let (value, header) = set_cookie(&res).expect("a removal cookie");
    assert_eq!(value, "");
    assert!(header.contains("Max-Age=0") && header.contains("Expires=Thu, 01 Jan 1970 00:00:00 GMT"), "{header}");
    assert!(header.contains("HttpOnly") && header.contains("Path=/"), "{header}");
    assert!(!file_of(&dir, &sid).exists());
    assert_eq!(text(&b, &format!("{base}/get")).await, "none");
}

async fn destroy_removes_even_the_permanent_flag(fw: Framework) {
    let dir = common::temp_dir("destroy");
    let base = app(fw, settings(&dir)).await;
    let b = browser();
    let (sid, _) = set_cookie(&b.get(format!("{base}/incr")).send().await.unwrap()).unwrap();
    let res = b.get(format!("{base}/destroy")).send().await.unwrap();
    assert!(set_cookie(&res).unwrap().1.contains("Max-Age=0"));
    assert!(!file_of(&dir, &sid).exists());
}

async fn browser_sessions_get_no_expires(fw: Framework) {
    let dir = common::temp_dir("browser");
    let base = app(fw, settings(&dir)).await;
    let b = browser();
    let res = b.get(format!("{base}/browser-session")).send().await.unwrap();
    let (_, header) = set_cookie(&res).unwrap();
    assert!(!header.contains("Expires") && !header.contains("Max-Age"), "{header}");
    // Unmodified and not permanent: the TTL is refreshed but the cookie is not re-sent.
    let res = b.get(format!("{base}/get")).send().await.unwrap();
    assert!(set_cookie(&res).is_none());
    assert_eq!(res.text().await.unwrap(), "1");
}

/// The cookie's `Expires` of a permanent session is the stored entry's expiry to the second:
/// one deadline per request, for the new session, a refreshing read and a change alike.
async fn the_cookie_expires_with_the_stored_session(fw: Framework) {
    let dir = common::temp_dir("deadline");
    let base = app(fw, settings(&dir)).await;
    let b = browser();
    let mut sid = None;
    for path in ["/incr", "/get", "/slow-set?k=a&v=1", "/incr"] {
        let res = b.get(format!("{base}{path}")).send().await.unwrap();
        let (id, header) = set_cookie(&res).unwrap_or_else(|| panic!("{path}: a permanent session's cookie is sent"));
        let sid = sid.get_or_insert(id);
        let expires = header.split("; ").find_map(|a| a.strip_prefix("Expires=")).unwrap_or_else(|| panic!("{header}"));
        let cookie = chrono::DateTime::parse_from_rfc2822(expires).unwrap_or_else(|e| panic!("{expires}: {e}")).timestamp();
        let file = std::fs::read(file_of(&dir, sid)).unwrap();
        let stored = u32::from_le_bytes(file[..4].try_into().unwrap());
        assert_eq!(cookie, i64::from(stored), "{path}: cookie {expires} against the stored expiry");
    }
}

async fn refresh_each_request_moves_the_expiry_without_rewriting(fw: Framework) {
    let dir = common::temp_dir("refresh");
    let mut s = settings(&dir);
    s.permanent_session_lifetime = std::time::Duration::from_secs(3600);
    let base = app(fw, s).await;
    let b = browser();
    let (sid, _) = set_cookie(&b.get(format!("{base}/incr")).send().await.unwrap()).unwrap();
    let path = file_of(&dir, &sid);
    let before = std::fs::read(&path).unwrap();
    // Age the header by ten minutes, then read: the header moves back to now + 1 h.
    let old = u32::from_le_bytes(before[..4].try_into().unwrap()) - 600;
    let mut aged = before.clone();
    aged[..4].copy_from_slice(&old.to_le_bytes());
    std::fs::write(&path, &aged).unwrap();
    let res = b.get(format!("{base}/get")).send().await.unwrap();
    assert!(set_cookie(&res).is_some(), "a permanent session's cookie is re-sent");
    let after = std::fs::read(&path).unwrap();
    assert!(u32::from_le_bytes(after[..4].try_into().unwrap()) >= old + 599);
    assert_eq!(after[4..], before[4..], "the data was not rewritten");
}

async fn refresh_each_request_off_sends_nothing_for_reads(fw: Framework) {
    let dir = common::temp_dir("norefresh");
    let mut s = settings(&dir);
    s.session_refresh_each_request = false;
    let base = app(fw, s).await;
    let b = browser();
    let (sid, _) = set_cookie(&b.get(format!("{base}/incr")).send().await.unwrap()).unwrap();
    let stamp = std::fs::read(file_of(&dir, &sid)).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let res = b.get(format!("{base}/get")).send().await.unwrap();
    assert!(set_cookie(&res).is_none());
    assert_eq!(std::fs::read(file_of(&dir, &sid)).unwrap(), stamp, "nothing written");
}

async fn nothing_is_saved_on_a_5xx(fw: Framework) {
    let dir = common::temp_dir("5xx");
    let base = app(fw, settings(&dir)).await;
    let b = browser();
    assert_eq!(text(&b, &format!("{base}/incr")).await, "1");
    let res = b.get(format!("{base}/fail")).send().await.unwrap();
    assert_eq!(res.status(), 500);
    assert!(set_cookie(&res).is_none());
    assert_eq!(text(&b, &format!("{base}/get")).await, "1");
    // A new session on a 5xx is not stored either.
    let res = bare().get(format!("{base}/fail")).send().await.unwrap();
    assert!(set_cookie(&res).is_none());
    assert_eq!(session_files(&dir), 1);
}

async fn an_untouched_session_costs_no_store_call(fw: Framework) {
    let dir = common::temp_dir("lazy");
    let (store, calls) = Counting::new(FilesystemStore::new(&dir).unwrap());
    let base = serve_sessions_on(fw, SessionLayer::new(store, settings(&dir)).unwrap()).await;
    let b = browser();
    text(&b, &format!("{base}/incr")).await;
    let before = calls.load(Ordering::SeqCst);
    let res = b.get(format!("{base}/none")).send().await.unwrap();
    assert!(res.headers().get("vary").is_none() && set_cookie(&res).is_none());
    assert_eq!(calls.load(Ordering::SeqCst), before, "no store I/O for a handler that never touched the session");
    text(&b, &format!("{base}/get")).await;
    assert_eq!(calls.load(Ordering::SeqCst), before + 2, "a read: one load, one touch");
}

async fn regenerate_moves_the_data_to_a_new_id(fw: Framework) {
    let dir = common::temp_dir("regen");
    let base = app(fw, settings(&dir)).await;
    let b = browser();
    let (old, _) = set_cookie(&b.get(format!("{base}/incr")).send().await.unwrap()).unwrap();
    let (new, _) = set_cookie(&b.get(format!("{base}/regenerate")).send().await.unwrap()).unwrap();
    assert_ne!(old, new);
    assert!(!file_of(&dir, &old).exists() && file_of(&dir, &new).exists());
    assert_eq!(text(&b, &format!("{base}/get")).await, "1");
}

async fn signed_cookies_verify_and_refuse_tampering(fw: Framework) {
    let dir = common::temp_dir("signed");
    let mut s = settings(&dir);
    s.session_use_signer = true;
    s.secret_key = Some(SecretKey::from("dev-secret-key"));
    let base = app(fw, s).await;
    let b = browser();
    let (value, _) = set_cookie(&b.get(format!("{base}/incr")).send().await.unwrap()).unwrap();
    let (sid, sig) = value.split_once('.').expect("sid.signature");
    assert_eq!((sid.len(), sig.len()), (43, 27));
    assert!(file_of(&dir, sid).exists(), "the key holds the unsigned id");
    assert_eq!(text(&b, &format!("{base}/incr")).await, "2");

    for forged in [sid.to_owned(), format!("{sid}.AAAAAAAAAAAAAAAAAAAAAAAAAAA"), format!("{}.{sig}", &sid[..42])] {
        let res = bare().get(format!("{base}/get")).header("cookie", format!("session={forged}")).send().await.unwrap();
        assert_eq!(res.text().await.unwrap(), "none", "{forged}");
    }
}

async fn cookie_settings_reach_the_header(fw: Framework) {
    let dir = common::temp_dir("attrs");
    let mut s = settings(&dir);
    s.session_cookie_name = "__Host-sid".into();
    s.session_cookie_secure = true;
    s.session_cookie_samesite = Some(session_runtime::SameSite::Lax);
    s.session_cookie_httponly = false;
    let base = app(fw, s).await;
    let res = bare().get(format!("{base}/incr")).send().await.unwrap();
    let (_, header) = set_cookie(&res).unwrap();
    assert!(header.starts_with("__Host-sid="), "{header}");
    assert!(header.contains("Secure") && header.contains("SameSite=Lax") && !header.contains("HttpOnly"), "{header}");
}

async fn the_null_store_reads_empty_and_refuses_writes(fw: Framework) {
    let base = serve_sessions_on(fw, Settings::default().into_layer().await.unwrap()).await;
    assert_eq!(text(&bare(), &format!("{base}/get")).await, "none");
    let res = bare().get(format!("{base}/incr")).send().await.unwrap();
    assert_eq!(res.status(), 500);
}

async fn merge_on_save_keeps_concurrent_changes_to_different_keys(fw: Framework) {
    let dir = common::temp_dir("merge");
    let mut s = settings(&dir);
    s.session_merge_on_save = true;
    let base = app(fw, s).await;
    let b = browser();
    text(&b, &format!("{base}/incr")).await;
    let first = format!("{base}/slow-set?k=left&v=L");
    let (left, right) = tokio::join!(
        text(&b, &first),
        async {
            tokio::time::sleep(common::http::SECOND_RACER_DELAY).await;
            text(&b, &format!("{base}/slow-set?k=right&v=R")).await
        }
    );
    assert_eq!((left.as_str(), right.as_str()), ("set", "set"));
    let res = b.get(format!("{base}/incr")).send().await.unwrap();
    assert_eq!(res.text().await.unwrap(), "2");
    let sid = b.get(format!("{base}/get")).send().await.unwrap();
    let (sid, _) = set_cookie(&sid).unwrap();
    let stored = session_runtime::codec::decode_pickle(&std::fs::read(file_of(&dir, &sid)).unwrap()[4..]).unwrap();
    assert_eq!(stored.get_as::<String>("left").unwrap().as_deref(), Some("L"));
    assert_eq!(stored.get_as::<String>("right").unwrap().as_deref(), Some("R"));
}

async fn without_merge_the_last_write_wins(fw: Framework) {
    let dir = common::temp_dir("nomerge");
    let base = app(fw, settings(&dir)).await;
    let b = browser();
    let (sid, _) = set_cookie(&b.get(format!("{base}/incr")).send().await.unwrap()).unwrap();
    let first = format!("{base}/slow-set?k=left&v=L");
    tokio::join!(text(&b, &first), async {
        tokio::time::sleep(common::http::SECOND_RACER_DELAY).await;
        text(&b, &format!("{base}/slow-set?k=right&v=R")).await
    });
    let stored = session_runtime::codec::decode_pickle(&std::fs::read(file_of(&dir, &sid)).unwrap()[4..]).unwrap();
    assert_eq!(stored.get("left"), None, "Flask's semantics: the later save replaces the whole session");
    assert!(stored.get("right").is_some());
}

async fn merge_does_not_bring_back_a_destroyed_session(fw: Framework) {
    let dir = common::temp_dir("merge-destroy");
    let mut s = settings(&dir);
    s.session_merge_on_save = true;
    let base = app(fw, s).await;
    let b = browser();
    let (sid, _) = set_cookie(&b.get(format!("{base}/incr")).send().await.unwrap()).unwrap();
    let first = format!("{base}/slow-set?k=late&v=x");
    tokio::join!(text(&b, &first), async {
        tokio::time::sleep(common::http::SECOND_RACER_DELAY).await;
        text(&b, &format!("{base}/destroy")).await
    });
    assert!(!file_of(&dir, &sid).exists(), "the logout stands");
}

async fn an_unusable_session_directory_is_a_clear_error_then_recovers(fw: Framework) {
    let dir = common::temp_dir("vanish");
    let base = app(fw, settings(&dir)).await;
    let b = browser();
    assert_eq!(text(&b, &format!("{base}/incr")).await, "1");

    // The directory is replaced by a file: requests that touch the session fail with a 500,
    // the others do not, and the server lives on.
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::write(&dir, b"not a directory").unwrap();
    assert_eq!(b.get(format!("{base}/incr")).send().await.unwrap().status(), 500);
    assert_eq!(b.get(format!("{base}/none")).send().await.unwrap().status(), 200);

    // Starting a layer on it names the path.
    let err = settings(&dir).into_layer().await.unwrap_err().to_string();
    assert!(err.contains(&dir.display().to_string()) && err.contains("filesystem"), "{err}");

    // Back to a directory: the lost session starts afresh, without a restart.
    std::fs::remove_file(&dir).unwrap();
    std::fs::create_dir(&dir).unwrap();
    assert_eq!(text(&b, &format!("{base}/incr")).await, "1");
}

/// A response that sets the session cookie is `Cache-Control: private` unless the handler chose
/// its own, so a shared cache never stores one user's cookie for the next; the setting turns
/// it off.
async fn a_response_setting_the_cookie_is_private_to_caches(fw: Framework) {
    let dir = common::temp_dir("cache-control");
    let base = app(fw, settings(&dir)).await;
    let res = bare().get(format!("{base}/incr")).send().await.unwrap();
    assert!(set_cookie(&res).is_some());
    assert_eq!(res.headers()["cache-control"], "private");
    let res = bare().get(format!("{base}/no-store")).send().await.unwrap();
    assert!(set_cookie(&res).is_some());
    assert_eq!(res.headers().get_all("cache-control").iter().collect::<Vec<_>>(), ["no-store"], "the handler's choice stands");
    let res = bare().get(format!("{base}/none")).send().await.unwrap();
    assert!(res.headers().get("cache-control").is_none(), "no cookie, nothing added");

    let mut off = settings(&dir);
    off.session_cache_control_private = false;
    let res = bare().get(format!("{}/incr", app(fw, off).await)).send().await.unwrap();
    assert!(set_cookie(&res).is_some());
    assert!(res.headers().get("cache-control").is_none(), "turned off");
}

/// Every test above, once per framework.
macro_rules! on_both_frameworks {
    ($($test:ident),* $(,)?) => {
        mod axum {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(super::Framework::Axum).await;
                }
            )*
        }
        mod actix {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(super::Framework::Actix).await;
                }
            )*
        }
    };
}

on_both_frameworks!(
    new_session_then_second_visit,
    an_empty_session_is_never_stored,
    bad_cookies_start_a_fresh_session_with_a_new_id,
    clearing_deletes_the_entry_and_expires_the_cookie,
    destroy_removes_even_the_permanent_flag,
    browser_sessions_get_no_expires,
    the_cookie_expires_with_the_stored_session,
    refresh_each_request_moves_the_expiry_without_rewriting,
    refresh_each_request_off_sends_nothing_for_reads,
    nothing_is_saved_on_a_5xx,
    an_untouched_session_costs_no_store_call,
    regenerate_moves_the_data_to_a_new_id,
    signed_cookies_verify_and_refuse_tampering,
    cookie_settings_reach_the_header,
    the_null_store_reads_empty_and_refuses_writes,
    merge_on_save_keeps_concurrent_changes_to_different_keys,
    without_merge_the_last_write_wins,
    merge_does_not_bring_back_a_destroyed_session,
    an_unusable_session_directory_is_a_clear_error_then_recovers,
    a_response_setting_the_cookie_is_private_to_caches,
);
