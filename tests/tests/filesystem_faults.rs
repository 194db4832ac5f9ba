//! The filesystem store on a read-only and on a full directory, for real: each test mounts its
//! own small tmpfs (root can write through file permissions, but not through a read-only mount
//! or a full device). `./scripts/test` runs as root; elsewhere these tests fail, naming why.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::http::{browser, serve_sessions, text};
use session_runtime::store::{FilesystemStore, SessionStore};
use common::conformance::sample;
use session_runtime::{Expiry, SessionType, Settings};

/// A tmpfs mounted on a fresh directory, unmounted on drop.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    fn mount(label: &str, size: &str) -> Tmpfs {
        let dir = common::temp_dir(label);
        mount(&["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"], &dir);
        Tmpfs { dir }
    }

    fn remount(&self, options: &str) {
        mount(&["-o", &format!("remount,{options}")], &self.dir);
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        let _ = std::fs::remove_dir(&self.dir);
    }
}

fn mount(args: &[&str], dir: &Path) {
    let out = Command::new("mount").args(args).arg(dir).output().expect("run mount(8)");
    assert!(
        out.status.success(),
        "mount {args:?} {} failed: {}; these tests need root (as ./scripts/test runs) to mount a tmpfs",
        dir.display(),
        String::from_utf8_lossy(&out.stderr).trim()
    );
}

fn settings(dir: &Path) -> Settings {
    let mut s = Settings::default();
    s.session_type = SessionType::Filesystem;
    s.session_file_dir = dir.to_path_buf();
    s
}

/// Temp files a failed write could leave behind (the store names them `.<hex>.__wz_cache`).
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect()
}

#[tokio::test]
async fn a_read_only_directory_is_a_clear_error_and_loses_nothing() {
    let fs = Tmpfs::mount("read-only", "1m");
    let base = serve_sessions(settings(&fs.dir).into_layer().await.expect("layer")).await;
    let b = browser();
    assert_eq!(text(&b, &format!("{base}/incr")).await, "1");
    assert_eq!(text(&b, &format!("{base}/incr")).await, "2");

    fs.remount("ro");
    assert_eq!(b.get(format!("{base}/incr")).send().await.unwrap().status(), 500);
    assert_eq!(b.get(format!("{base}/none")).send().await.unwrap().status(), 200, "the app lives on");
    // The error says what and where.
    let store = FilesystemStore::new(&fs.dir).expect("an existing read-only directory opens");
    let err = store.create("session:probe", &sample(1), &Expiry::after(std::time::Duration::from_secs(60))).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("Read-only file system") && msg.contains(&fs.dir.display().to_string()), "{msg}");

    fs.remount("rw");
    assert_eq!(text(&b, &format!("{base}/get")).await, "2", "the session written before is intact");
    assert_eq!(text(&b, &format!("{base}/incr")).await, "3", "writes work again without a restart");
}

#[tokio::test]
async fn a_full_directory_is_a_clear_error_and_leaves_no_half_written_file() {
    let fs = Tmpfs::mount("full", "64k");
    let base = serve_sessions(settings(&fs.dir).into_layer().await.expect("layer")).await;
    let b = browser();
    assert_eq!(text(&b, &format!("{base}/incr")).await, "1");

    // Fill the device to the last byte.
    let filler = fs.dir.join("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let chunk = vec![0u8; 4096];
    let full = loop {
        if let Err(e) = std::io::Write::write_all(&mut f, &chunk) {
            break e;
        }
    };
    assert_eq!(full.kind(), std::io::ErrorKind::StorageFull, "{full}");
    drop(f);

    assert_eq!(b.get(format!("{base}/incr")).send().await.unwrap().status(), 500);
    let store = FilesystemStore::new(&fs.dir).unwrap();
    let err = store.create("session:probe", &sample(1), &Expiry::after(std::time::Duration::from_secs(60))).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("No space left on device") && msg.contains(&fs.dir.display().to_string()), "{msg}");
    assert_eq!(leftovers(&fs.dir), Vec::<String>::new(), "failed writes remove their temp files");
    // Reading (and the in-place header refresh) still works: the old file is whole.
    assert_eq!(text(&b, &format!("{base}/get")).await, "1");

    std::fs::remove_file(&filler).unwrap();
    assert_eq!(text(&b, &format!("{base}/incr")).await, "2", "writes work again once there is room");
}
