//! The session directory against other local users, and live sessions against a flood of
//! anonymous ones. Every test here runs under `umask 000`, the most permissive a process can
//! be started with.

mod common;

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::sync::Once;
use std::time::Duration;

use common::http::{bare, browser, serve_sessions, set_cookie, text};
use session_runtime::store::{FilesystemOptions, FilesystemStore};
use session_runtime::{Expiry, SessionMap, SessionStore, SessionType, Settings, StoreError, Value};

fn hostile_umask() {
    static SET: Once = Once::new();
    // SAFETY: umask only swaps the process's file-creation mask; it cannot fail.
    SET.call_once(|| unsafe {
        libc::umask(0);
    });
}

fn mode(path: &std::path::Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn settings(dir: std::path::PathBuf) -> Settings {
    let mut s = Settings::default();
    s.session_type = SessionType::Filesystem;
    s.session_file_dir = dir;
    s
}

fn sample() -> SessionMap {
    let mut m = SessionMap::new();
    m.insert("_user_id", Value::from("alice"));
    m
}

#[test]
fn the_directory_is_private_whatever_the_umask() {
    hostile_umask();
    let parent = common::temp_dir("fs-mode");
    for (file_mode, dir_mode) in [(0o600, 0o700), (0o640, 0o750), (0o660, 0o770), (0o666, 0o775)] {
        let dir = parent.join(format!("sessions-{file_mode:o}"));
        FilesystemStore::open(&dir, FilesystemOptions::default().with_mode(file_mode)).expect("a new directory");
        assert_eq!(mode(&dir), dir_mode, "session_file_mode {file_mode:o}");
    }
}

#[test]
fn a_world_writable_directory_is_refused() {
    hostile_umask();
    let dir = common::temp_dir("fs-world");
    for open in [0o777, 0o1777, 0o703] {
        fs::set_permissions(&dir, fs::Permissions::from_mode(open)).unwrap();
        let err = FilesystemStore::new(&dir).expect_err("every local user may write there");
        let text = err.to_string();
        assert!(text.contains("writable by every local user") && text.contains("chmod o-w"), "{text}");
    }
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    FilesystemStore::new(&dir).expect("a directory only its owner writes is fine");
}

#[tokio::test]
async fn a_planted_symlink_is_never_followed() {
    hostile_umask();
    let dir = common::temp_dir("fs-symlink");
    let store = FilesystemStore::new(&dir).unwrap();
    let key = "session:planted";
    // Another user links the session's file name to a file of the app's.
    let target = common::temp_dir("fs-symlink-target").join("secret");
    fs::write(&target, b"\0\0\0\0not a session").unwrap();
    let name = session_file_name(&dir, &store, key).await;
    symlink(&target, dir.join(&name)).unwrap();

    let expiry = Expiry::after(Duration::from_secs(60));
    let refused = |r: Result<_, StoreError>| match r {
        Err(StoreError::Backend { source, .. }) => assert!(source.to_string().contains("symlink"), "{source}"),
        Ok(_) => panic!("a planted symlink was followed"),
        Err(e) => panic!("expected the symlink refusal, got {e}"),
    };
    refused(store.load(key, None).await.map(drop));
    refused(store.touch(key, &expiry).await.map(drop));
    refused(store.save(key, &sample(), &expiry).await.map(drop));
    assert_eq!(fs::read(&target).unwrap(), b"\0\0\0\0not a session", "the link's target is untouched");
    // Deleting the session removes the link itself, never its target.
    store.delete(key).await.unwrap();
    assert!(target.exists());
}

/// The name the store gives `key`'s file: create it once, see which file appeared.
async fn session_file_name(dir: &std::path::Path, store: &FilesystemStore, key: &str) -> String {
    assert!(store.create(key, &sample(), &Expiry::after(Duration::from_secs(60))).await.unwrap());
    let name = fs::read_dir(dir).unwrap().next().unwrap().unwrap().file_name().into_string().unwrap();
    store.delete(key).await.unwrap();
    name
}

/// 600 cookie-less requests (each a new session) against a threshold of 50 used to prune the
/// live session, which expires soonest because it was used first. Now sessions no request came
/// back to go first, so the user who came back stays logged in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_anonymous_sessions_does_not_evict_a_live_one() {
    hostile_umask();
    let dir = common::temp_dir("fs-flood");
    let mut s = settings(dir.clone());
    s.session_file_threshold = 50;
    let base = serve_sessions(s.into_layer().await.unwrap()).await;
    let user = browser();
    assert_eq!(text(&user, &format!("{base}/incr")).await, "1");
    assert_eq!(text(&user, &format!("{base}/incr")).await, "2", "the user came back");

    let flood = bare();
    let mut fresh_ids = 0;
    for _ in 0..600 {
        let res = flood.get(format!("{base}/incr")).send().await.unwrap();
        fresh_ids += usize::from(set_cookie(&res).is_some());
        assert_eq!(res.text().await.unwrap(), "1");
    }
    assert_eq!(fresh_ids, 600, "every flood request made a session");
    let files = fs::read_dir(&dir).unwrap().count();
    assert!(files <= 51, "pruning kept the directory near its threshold: {files} files");
    assert_eq!(text(&user, &format!("{base}/incr")).await, "3", "the live session survived the flood");
}
