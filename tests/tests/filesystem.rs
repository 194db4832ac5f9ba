//! The filesystem store: the conformance suite every store runs, on this machine's disk.

mod common;

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::conformance::{Raw, RawPut};
use session_runtime::store::FilesystemStore;
use sha2::{Digest, Sha256};

/// Writes a session file by hand into the store's directory: cachelib's 4-byte expiry header,
/// then the bytes as given, under cachelib's file name (hex SHA-256 of the key, the default hash).
#[derive(Debug)]
struct RawFile(PathBuf);

impl RawPut for RawFile {
    async fn put_raw(&self, key: &str, bytes: &[u8], ttl: Duration) {
        let at = (SystemTime::now() + ttl).duration_since(UNIX_EPOCH).unwrap().as_secs();
        let mut file = u32::try_from(at).unwrap().to_le_bytes().to_vec();
        file.extend_from_slice(bytes);
        let name: String = Sha256::digest(key).iter().map(|b| format!("{b:02x}")).collect();
        std::fs::write(self.0.join(name), file).unwrap();
    }
}

/// A store on a fresh directory of its own.
fn store() -> Raw<FilesystemStore, RawFile> {
    let dir = common::temp_dir("fs-conformance");
    let store = FilesystemStore::new(&dir).expect("filesystem store");
    Raw { store, writer: RawFile(dir) }
}

store_conformance!(on_disk, async { store() });
