//! The filesystem store's directory-wide work, each a scan of the directory: counting and
//! pruning past the threshold, sweeping expired files, and a user listing.

use std::collections::HashSet;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{expires_at, io_error, is_expired, open_no_follow, parse_file, read_file, Inner, CACHELIB_COUNT_KEY};
use crate::store::index::owner_in;
use crate::store::{IndexEntry, Owner, StoreError, SweptEntry};

impl Inner {
    pub(super) fn adjust_count(&self, by: i64) {
        let mut count = self.count.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = count.as_mut() {
            *n = (*n as i64 + by).max(0) as usize;
        }
    }

    pub(super) fn prune_if_over(&self) -> Result<(), StoreError> {
        if self.threshold == 0 {
            return Ok(());
        }
        let mut count = self.count.lock().unwrap_or_else(|p| p.into_inner());
        let n = match *count {
            Some(n) => n,
            None => *count.insert(self.session_files()?.len()),
        };
        if n <= self.threshold {
            return Ok(());
        }
        *count = Some(self.prune()?);
        Ok(())
    }

    /// Expired files first, then sessions nobody came back to, then the least recently used
    /// (the soonest-expiring: every use moves the expiry), until 90 % of the threshold is left.
    pub(super) fn prune(&self) -> Result<usize, StoreError> {
        let target = self.threshold - self.threshold / 10;
        let now = SystemTime::now();
        let (expired, mut live): (Vec<_>, Vec<_>) =
            self.session_files()?.into_iter().partition(|(_, at)| is_expired(*at, now));
        for (path, _) in &expired {
            let _ = fs::remove_file(path);
        }
        let mut unconfirmed = self.unconfirmed.lock().unwrap_or_else(|p| p.into_inner());
        if live.len() > target {
            // Unconfirmed first; files that never expire (header 0) last.
            live.sort_by_key(|(path, at)| {
                (!unconfirmed.contains(path), at.unwrap_or(UNIX_EPOCH + Duration::from_secs(u64::MAX >> 2)))
            });
            let excess = live.len() - target;
            for (path, _) in live.drain(..excess) {
                let _ = fs::remove_file(&path);
                unconfirmed.remove(&path);
            }
        }
        // Forget what is gone (expired, deleted by another process), so the set stays bounded.
        if !unconfirmed.is_empty() {
            let kept: HashSet<&PathBuf> = live.iter().map(|(p, _)| p).collect();
            unconfirmed.retain(|p| kept.contains(p));
        }
        tracing::debug!(kept = live.len(), removed = expired.len(), "session files pruned");
        Ok(live.len())
    }

    /// Every session file with its expiry; temp files and cachelib's count file are skipped.
    pub(super) fn session_files(&self) -> Result<Vec<(PathBuf, Option<SystemTime>)>, StoreError> {
        let count_file = self.file_name(CACHELIB_COUNT_KEY);
        let entries = fs::read_dir(&self.dir).map_err(|e| io_error(&self.dir, e))?;
        let mut files = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if !(name.len() == 64 || name.len() == 32) || !name.bytes().all(|b| b.is_ascii_hexdigit()) || name == count_file {
                continue;
            }
            let path = entry.path();
            let mut head = [0u8; 4];
            if open_no_follow(&path).and_then(|mut f| f.read_exact(&mut head)).is_ok() {
                files.push((path, expires_at(u32::from_le_bytes(head))));
            }
        }
        Ok(files)
    }

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
                owned.push(IndexEntry { entry: file_name(&path), expires_at });
            }
        }
        Ok(owned)
    }

    /// Deletes every expired session file; each is reported by its file name, and with
    /// `user_key` by the owner its session names (which costs a read and a decode of the file).
    pub(super) fn delete_expired(&self, user_key: Option<&str>) -> Result<Vec<SweptEntry>, StoreError> {
        let now = SystemTime::now();
        let mut swept = Vec::new();
        for (path, at) in self.session_files()? {
            if !is_expired(at, now) {
                continue;
            }
            let user = user_key.and_then(|user_key| {
                let bytes = read_file(&path).ok()??;
                owner_in(&parse_file(&self.codec, &bytes).ok()?.1, user_key)
            });
            if fs::remove_file(&path).is_ok() {
                swept.push(SweptEntry { entry: file_name(&path), user });
            }
        }
        self.adjust_count(-(swept.len() as i64));
        Ok(swept)
    }

    /// The path of the session file named `entry`, if it is a session file's name (a hex hash,
    /// never a path elsewhere, nor cachelib's count file).
    pub(super) fn entry_path(&self, entry: &str) -> Option<PathBuf> {
        let hexadecimal = (entry.len() == 64 || entry.len() == 32) && entry.bytes().all(|b| b.is_ascii_hexdigit());
        (hexadecimal && entry != self.file_name(CACHELIB_COUNT_KEY)).then(|| self.dir.join(entry))
    }
}

/// A session file's name, which is what a listing or a sweep names it by.
fn file_name(path: &Path) -> String {
    path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned()
}
