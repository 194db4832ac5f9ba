//! Shared test harness. Each test binary uses part of it.
#![allow(dead_code)]

pub mod http;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh, empty directory under the system temp dir, unique per call.
pub fn temp_dir(label: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("session-tests-{label}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // Whatever the umask: the filesystem store refuses a directory every local user may write.
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    dir
}

pub mod flask;
pub mod python;
pub mod unchained;
pub mod interop;
pub mod conformance;
pub mod env;
pub mod spawn;
pub mod backend_http;

pub mod proxy;
pub mod stores;

/// `settings` with `session_store_timeout` set (`Settings` is non-exhaustive, so no struct update).
pub fn with_store_timeout(mut settings: session_runtime::Settings, timeout: std::time::Duration) -> session_runtime::Settings {
    settings.session_store_timeout = timeout;
    settings
}
