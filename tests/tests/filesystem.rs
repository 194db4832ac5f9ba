//! The filesystem store: the conformance suite every store runs, on this machine's disk.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::conformance::{Raw, RawPut};
use session_runtime::store::FilesystemStore;

/// Writes a session file by hand: cachelib's 4-byte expiry header, then the bytes as given.
#[derive(Debug)]
struct RawFile(FilesystemStore);

impl RawPut for RawFile {
    async fn put_raw(&self, key: &str, bytes: &[u8], ttl: Duration) {
        let at = (SystemTime::now() + ttl).duration_since(UNIX_EPOCH).unwrap().as_secs();
        let mut file = u32::try_from(at).unwrap().to_le_bytes().to_vec();
        file.extend_from_slice(bytes);
        std::fs::write(self.0.path_of(key), file).unwrap();
    }
}

/// A store on a fresh directory of its own.
fn store() -> Raw<FilesystemStore, RawFile> {
    let store = FilesystemStore::new(common::temp_dir("fs-conformance")).expect("filesystem store");
    Raw { store: store.clone(), writer: RawFile(store) }
}

store_conformance!(on_disk, async { store() });
