//! Session files in cachelib's `FileSystemCache` layout, as Flask-Session's filesystem backend
//! writes them: file name = hex hash of the key, a 4-byte little-endian expiry header (Unix
//! seconds, 0 = never), then the pickled map.
//!
//! Compare-and-set (`session_merge_on_save`): files offer no atomic compare-and-rename, and a
//! lock file in the directory would be counted and pruned by cachelib as an entry. So the read,
//! compare and rename run under one of a small set of process-wide locks picked by the file's
//! path, which every write and delete of a file by these stores takes too: within one process
//! the merge is atomic. Another process writing the same directory (a second app server, Flask)
//! still has the window of one read between the compare and the rename.
//!
//! Safety of the directory: it is created with the session file mode plus the matching search
//! bits (`0o700` for the default `0o600`), whatever the umask, and an existing directory that
//! any local user may write to is refused: there, anyone could delete sessions or plant a file
//! for an id of their choice. Session files are opened with `O_NOFOLLOW`, so a symlink planted
//! in the directory is never followed (the directory itself may be a symlink: that is the
//! operator's choice).
//!
//! Flood resistance: past the threshold, pruning removes expired files first, then sessions this
//! process created that no later request has loaded yet (a client that never sent its cookie
//! back, as a flood of cookie-less requests does), oldest first, and only then the
//! least recently used of the rest. So a burst of anonymous requests evicts itself, not the
//! users who came back. What is "unconfirmed" is known only to the process (the file layout is
//! cachelib's, with no room for it): after a restart every file counts as used.
//!
//! User index (`session_user_key`): none is kept, since cachelib would count and prune an index
//! file as a session. A listing reads and decodes every session file, so it costs what the
//! directory holds: bounded by `session_file_threshold` (500 files by default), unbounded with
//! the threshold at 0. A listed session is named by its file name (the key's hash, from which
//! the key cannot be read back); saves cost nothing extra.

use std::collections::HashSet;
use std::fs::{self, DirBuilder, File, OpenOptions, Permissions};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, FileExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use md5::Md5;
use rand::RngCore as _;
use sha2::{Digest, Sha256};

use crate::codec::{self, Codec, SerializationFormat};
use crate::expiry::{is_expired, Expiry};
use crate::hex::hex;
use crate::map::SessionMap;
use crate::settings::FileNameHash;
use crate::store::{FilesystemOptions, IndexEntry, Loaded, Owner, Revision, SessionStore, StoreError, SweptEntry, Touched};

#[path = "filesystem_dir.rs"]
mod dir;

const STORE: &str = "filesystem";
/// The process-wide locks of [`lock_file`], enough that unrelated sessions rarely share one.
static FILE_LOCKS: [Mutex<()>; 64] = [const { Mutex::new(()) }; 64];
/// cachelib's own entry-count file; it is bookkeeping, never pruned as a session.
const CACHELIB_COUNT_KEY: &str = "__wz_cache_count";
/// The most a file read allocates before reading (16 MiB); a bigger file is read in steps.
const PREALLOCATED_MAX: usize = 16 << 20;

/// Sessions as files in one directory, readable and writable by Flask-Session (cachelib).
///
/// Writes are atomic (a temp file renamed over the target). Past `threshold` files, a write
/// prunes expired files, then new sessions nobody came back to, then the least recently used
/// ones, down to 90 % of the threshold (see the [module docs](self)), so
/// the directory scan runs once per `threshold / 10` new sessions, not on every write as
/// cachelib does. File I/O runs on tokio's blocking pool. Compare-and-set
/// ([`save_if_unchanged`](SessionStore::save_if_unchanged)) is atomic within one process only
/// (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct FilesystemStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    threshold: usize,
    mode: u32,
    hash: FileNameHash,
    codec: Codec,
    /// Session files in `dir`, counted once lazily and then kept up to date by our writes.
    count: Mutex<Option<usize>>,
    /// Files this process created that no request has loaded since: pruned first.
    unconfirmed: Mutex<HashSet<PathBuf>>,
}

impl FilesystemStore {
    /// A store in `dir` (created if missing) with [`FilesystemOptions::default`].
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, StoreError> {
        Self::open(dir, FilesystemOptions::default())
    }

    /// A store in `dir` (`session_file_dir`) keeping its files as `options` say.
    ///
    /// The directory is created with the file mode plus the matching search bits (`0o700` for
    /// `0o600`) whatever the umask; an existing one that every local user may write to is
    /// refused.
    pub fn open(dir: impl Into<PathBuf>, options: FilesystemOptions) -> Result<Self, StoreError> {
        let dir = dir.into();
        prepare_dir(&dir, options.mode)?;
        Ok(FilesystemStore {
            inner: Arc::new(Inner {
                dir,
                threshold: options.threshold,
                mode: options.mode,
                hash: options.hash,
                codec: Codec::new(SerializationFormat::Pickle).with_max_size(options.max_session_size),
                count: Mutex::new(None),
                unconfirmed: Mutex::new(HashSet::new()),
            }),
        })
    }

    /// The file that holds `key`.
    fn path_of(&self, key: &str) -> PathBuf {
        self.inner.dir.join(self.inner.file_name(key))
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || f(&inner))
            .await
            .map_err(|e| StoreError::backend(STORE, e))?
    }

    /// The session file at `path`; `confirm` marks it in use (a cookie came back for it).
    async fn load_path(&self, path: PathBuf, confirm: bool) -> Result<Option<Loaded>, StoreError> {
        self.blocking(move |inner| {
            let Some(bytes) = read_file(&path)? else { return Ok(None) };
            if confirm {
                inner.confirm(&path);
            }
            let (expires_at, data) = parse_file(&inner.codec, &bytes)?;
            Ok(Some(Loaded { data, expires_at, refreshed: false }))
        })
        .await
    }

    /// Deletes the session file at `path`, under its lock; a missing file is not an error.
    async fn remove_path(&self, path: PathBuf) -> Result<(), StoreError> {
        self.blocking(move |inner| {
            let _file = lock_file(&path);
            inner.confirm(&path);
            match fs::remove_file(&path) {
                Ok(()) => inner.adjust_count(-1),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error(&path, e)),
            }
            Ok(())
        })
        .await
    }
}

impl SessionStore for FilesystemStore {
    async fn load(&self, key: &str, _refresh: Option<&Expiry>) -> Result<Option<Loaded>, StoreError> {
        // A client sent this session's cookie back: it is in use, not flood debris.
        self.load_path(self.path_of(key), true).await
    }

    /// Under the file's lock: rewrites the file only while it is there.
    async fn save(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        let body = self.inner.codec.encode_pickle(STORE, data)?;
        let (path, header) = (self.path_of(key), header(expiry));
        self.blocking(move |inner| {
            let _file = lock_file(&path);
            if !exists_no_follow(&path)? {
                return Ok(false);
            }
            inner.write(&path, header, &body).map(|()| true)
        })
        .await
    }

    async fn create(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        let body = self.inner.codec.encode_pickle(STORE, data)?;
        let (path, header) = (self.path_of(key), header(expiry));
        self.blocking(move |inner| {
            let _file = lock_file(&path);
            if let Some(bytes) = read_file(&path)? {
                if split_header(&bytes).is_ok_and(|(at, _)| !is_expired(at, SystemTime::now())) {
                    return Ok(false);
                }
            }
            inner.unconfirmed.lock().unwrap_or_else(|p| p.into_inner()).insert(path.clone());
            inner.write(&path, header, &body).map(|()| true)
        })
        .await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.remove_path(self.path_of(key)).await
    }

    /// Rewrites the 4-byte header in place; the pickled data is not touched.
    async fn touch(&self, key: &str, expiry: &Expiry) -> Result<Touched, StoreError> {
        let (path, header) = (self.path_of(key), header(expiry));
        self.blocking(move |_| match OpenOptions::new().write(true).custom_flags(libc::O_NOFOLLOW).open(&path) {
            Ok(f) => f.write_all_at(&header, 0).map(|()| Touched::Refreshed).map_err(|e| io_error(&path, e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Touched::Missing),
            Err(e) => Err(open_error(&path, e)),
        })
        .await
    }

    async fn delete_expired(&self) -> Result<u64, StoreError> {
        self.blocking(|inner| inner.delete_expired(None).map(|swept| swept.len() as u64)).await
    }

    async fn delete_expired_entries(&self, user_key: Option<&str>) -> Result<(u64, Vec<SweptEntry>), StoreError> {
        let user_key = user_key.map(str::to_owned);
        self.blocking(move |inner| inner.delete_expired(user_key.as_deref()).map(|swept| (swept.len() as u64, swept))).await
    }

    fn indexes_users(&self) -> bool {
        true
    }

    async fn user_entries(&self, owner: &Owner<'_>) -> Result<Vec<IndexEntry>, StoreError> {
        let (user_key, user) = (owner.user_key.to_owned(), owner.user.to_owned());
        self.blocking(move |inner| inner.owned_files(&Owner { user_key: &user_key, user: &user, index_key: "" })).await
    }

    /// The file name, which is what a listing finds (the key cannot be read back from it).
    fn entry_of(&self, key: &str) -> String {
        self.inner.file_name(key)
    }

    async fn load_entry(&self, entry: &str) -> Result<Option<Loaded>, StoreError> {
        match self.inner.entry_path(entry) {
            Some(path) => self.load_path(path, false).await,
            None => Ok(None),
        }
    }

    async fn delete_entry(&self, entry: &str) -> Result<(), StoreError> {
        match self.inner.entry_path(entry) {
            Some(path) => self.remove_path(path).await,
            None => Ok(()),
        }
    }

    /// The file; the revision is its pickled body (the 4-byte expiry header is left out, so a
    /// concurrent refresh of the expiry alone is not a conflict).
    async fn load_for_update(&self, key: &str) -> Result<Option<(Loaded, Revision)>, StoreError> {
        let path = self.path_of(key);
        self.blocking(move |inner| {
            let Some(mut bytes) = read_file(&path)? else { return Ok(None) };
            let (expires_at, data) = parse_file(&inner.codec, &bytes)?;
            let body = bytes.split_off(4);
            Ok(Some((Loaded { data, expires_at, refreshed: false }, Revision::from_bytes(body))))
        })
        .await
    }

    /// Read, compare and rename under the file's lock: writes only while the file is there,
    /// unexpired, with the body the revision saw.
    async fn save_if_unchanged(
        &self,
        key: &str,
        revision: &Revision,
        data: &SessionMap,
        expiry: &Expiry,
    ) -> Result<bool, StoreError> {
        let old = revision.expected_bytes(STORE)?.to_vec();
        let body = self.inner.codec.encode_pickle(STORE, data)?;
        let (path, header) = (self.path_of(key), header(expiry));
        self.blocking(move |inner| {
            let _file = lock_file(&path);
            let Some(bytes) = read_file(&path)? else { return Ok(false) };
            let unchanged = match split_header(&bytes) {
                Ok((at, current)) => current == old.as_slice() && !is_expired(at, SystemTime::now()),
                Err(_) => false,
            };
            if unchanged {
                inner.write(&path, header, &body)?;
            }
            Ok(unchanged)
        })
        .await
    }
}

/// The lock held while this process writes or deletes the session file at `path`, so a
/// compare-and-set's read, compare and rename are one step for every store in the process.
fn lock_file(path: &Path) -> MutexGuard<'static, ()> {
    let mut h = DefaultHasher::new();
    path.hash(&mut h);
    let stripe = (h.finish() % FILE_LOCKS.len() as u64) as usize;
    FILE_LOCKS[stripe].lock().unwrap_or_else(|p| p.into_inner())
}

impl Inner {
    fn file_name(&self, key: &str) -> String {
        match self.hash {
            FileNameHash::Sha256 => hex(&Sha256::digest(key.as_bytes())),
            FileNameHash::Md5 => hex(&Md5::digest(key.as_bytes())),
        }
    }

    /// Temp file, mode, rename: readers see the old file or the new one, never half of one.
    fn write(&self, path: &Path, header: [u8; 4], body: &[u8]) -> Result<(), StoreError> {
        let existed = path.exists();
        let mut suffix = [0u8; 8];
        rand::rng().fill_bytes(&mut suffix);
        let tmp = self.dir.join(format!(".{}.__wz_cache", hex(&suffix)));
        let written = (|| {
            let mut f = OpenOptions::new().write(true).create_new(true).mode(self.mode).open(&tmp)?;
            f.write_all(&header)?;
            f.write_all(body)?;
            // The open mode is filtered by the umask; the setting is not.
            fs::set_permissions(&tmp, Permissions::from_mode(self.mode))?;
            fs::rename(&tmp, path)
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(io_error(path, e));
        }
        if !existed {
            self.adjust_count(1);
            self.prune_if_over()?;
        }
        Ok(())
    }

    fn confirm(&self, path: &Path) {
        let mut unconfirmed = self.unconfirmed.lock().unwrap_or_else(|p| p.into_inner());
        if !unconfirmed.is_empty() {
            unconfirmed.remove(path);
        }
    }
}

fn header(expiry: &Expiry) -> [u8; 4] {
    u32::try_from(expiry.unix_secs()).unwrap_or(u32::MAX).to_le_bytes()
}

fn expires_at(header: u32) -> Option<SystemTime> {
    (header != 0).then(|| UNIX_EPOCH + Duration::from_secs(header.into()))
}

fn split_header(bytes: &[u8]) -> Result<(Option<SystemTime>, &[u8]), StoreError> {
    match bytes.split_first_chunk::<4>() {
        Some((head, body)) => Ok((expires_at(u32::from_le_bytes(*head)), body)),
        None => Err(StoreError::Decode(codec::DecodeError::new("a session file shorter than its 4-byte header"))),
    }
}

/// A session file's expiry and data.
pub(crate) fn parse_file(codec: &Codec, bytes: &[u8]) -> Result<(Option<SystemTime>, SessionMap), StoreError> {
    let (expires_at, body) = split_header(bytes)?;
    Ok((expires_at, codec.decode_pickle(body)?))
}

/// The mode a session directory is created with: the file mode plus search (`x`) wherever it
/// grants read, never writable by others (`0o600` gives `0o700`, `0o640` gives `0o750`).
fn dir_mode(file_mode: u32) -> u32 {
    (file_mode | (file_mode & 0o444) >> 2) & 0o775
}

/// Creates `dir` with [`dir_mode`], or checks that an existing one is not writable by others.
fn prepare_dir(dir: &Path, file_mode: u32) -> Result<(), StoreError> {
    let mode = dir_mode(file_mode);
    match fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => {
            Err(io_error(dir, io::Error::new(io::ErrorKind::AlreadyExists, "exists and is not a directory")))
        }
        Ok(meta) if meta.permissions().mode() & 0o002 != 0 => Err(StoreError::backend(
            STORE,
            format!(
                "{}: the session directory is writable by every local user (mode {:o}), who could delete \
                 sessions or plant one; run `chmod o-w` on it or choose another session_file_dir",
                dir.display(),
                meta.permissions().mode() & 0o7777
            ),
        )),
        Ok(meta) => {
            if meta.permissions().mode() & 0o020 != 0 && file_mode & 0o020 == 0 {
                tracing::warn!(dir = %dir.display(), "the session directory is group-writable");
            }
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            DirBuilder::new().recursive(true).mode(mode).create(dir).map_err(|e| io_error(dir, e))?;
            // The umask filtered the mode; set what was asked for.
            fs::set_permissions(dir, Permissions::from_mode(mode)).map_err(|e| io_error(dir, e))
        }
        Err(e) => Err(io_error(dir, e)),
    }
}

/// Opens a session file for reading, refusing to follow a symlink planted in its place.
fn open_no_follow(path: &Path) -> io::Result<File> {
    OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(path)
}

/// Whether a session file is there (a symlink in its place is an error, never followed).
fn exists_no_follow(path: &Path) -> Result<bool, StoreError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(io_error(path, symlink_refused())),
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io_error(path, e)),
    }
}

fn symlink_refused() -> io::Error {
    io::Error::other("a symlink stands where a session file should be; it is not followed")
}

fn read_file(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    // Sized from `fstat`, as `std::fs::read` does (`File::read_to_end` would also `lseek` on
    // every call); a file longer than that (written in place meanwhile) is read to its end.
    let read = open_no_follow(path).and_then(|mut f| {
        // Allocated up front only up to a bound a session file has no reason to pass.
        let len = f.metadata().map_or(0, |m| usize::try_from(m.len()).unwrap_or(usize::MAX)).min(PREALLOCATED_MAX);
        let mut bytes = vec![0; len];
        let mut filled = 0;
        while filled < len {
            match read_retrying(&mut f, &mut bytes[filled..])? {
                0 => break, // shorter than it was: what is there is the file
                n => filled += n,
            }
        }
        bytes.truncate(filled);
        let mut probe = [0u8; 1];
        if filled == len && read_retrying(&mut f, &mut probe)? == 1 {
            // Longer than it was, or than the bound: the rest, however long.
            bytes.push(probe[0]);
            f.read_to_end(&mut bytes)?;
        }
        Ok(bytes)
    });
    match read {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(open_error(path, e)),
    }
}

/// One `read`, again when a signal interrupted it.
fn read_retrying(f: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match f.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            done => return done,
        }
    }
}

/// An error opening a session file; `O_NOFOLLOW` meeting a symlink (ELOOP) says so.
fn open_error(path: &Path, e: io::Error) -> StoreError {
    if e.raw_os_error() == Some(libc::ELOOP) {
        return io_error(path, symlink_refused());
    }
    io_error(path, e)
}

fn io_error(path: &Path, e: io::Error) -> StoreError {
    StoreError::backend(STORE, io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_whole_past_the_preallocated_bound() {
        let dir = std::env::temp_dir().join(format!("session-read-file-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        for len in [0, 5, PREALLOCATED_MAX, PREALLOCATED_MAX + 3] {
            let path = dir.join(format!("f{len}"));
            let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            fs::write(&path, &bytes).unwrap();
            assert_eq!(read_file(&path).unwrap().as_deref(), Some(&bytes[..]), "{len} bytes");
        }
        assert_eq!(read_file(&dir.join("missing")).unwrap(), None);
        fs::remove_dir_all(&dir).unwrap();
    }
}
