//! The filesystem store's answer to a user listing: a scan of the directory.

use std::path::PathBuf;
use std::time::SystemTime;

use super::{is_expired, parse_file, read_file, Inner, CACHELIB_COUNT_KEY};
use crate::store::{IndexEntry, Owner, StoreError};

impl Inner {
    /// Every live session file whose session `owner` owns. Unreadable files are skipped.
    pub(super) fn owned_files(&self, owner: &Owner<'_>) -> Result<Vec<IndexEntry>, StoreError> {
        let now = SystemTime::now();
        let mut owned = Vec::new();
        for (path, at) in self.session_files()? {
            if is_expired(at, now) {
                continue;
            }
            let Ok(Some(bytes)) = read_file(&path) else { continue };
            let Ok((expires_at, data)) = parse_file(&self.codec, &bytes) else { continue };
            if owner.owns(&data) {
                let entry = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
                owned.push(IndexEntry { entry, expires_at });
            }
        }
        Ok(owned)
    }

    /// The path of the session file named `entry`, if it is a session file's name (a hex hash,
    /// never a path elsewhere, nor cachelib's count file).
    pub(super) fn entry_path(&self, entry: &str) -> Option<PathBuf> {
        let hexadecimal = (entry.len() == 64 || entry.len() == 32) && entry.bytes().all(|b| b.is_ascii_hexdigit());
        (hexadecimal && entry != self.file_name(CACHELIB_COUNT_KEY)).then(|| self.dir.join(entry))
    }
}
