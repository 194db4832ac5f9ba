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

use std::fs::{self, File, OpenOptions, Permissions};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use md5::Md5;
use rand::RngCore as _;
use sha2::{Digest, Sha256};

use crate::codec;
use crate::expiry::{is_expired, Expiry};
use crate::map::SessionMap;
use crate::settings::{FileNameHash, Settings};
use crate::store::{Loaded, Revision, SessionStore, StoreError, Touched};

const STORE: &str = "filesystem";
/// The process-wide locks of [`lock_file`], enough that unrelated sessions rarely share one.
static FILE_LOCKS: [Mutex<()>; 64] = [const { Mutex::new(()) }; 64];
/// cachelib's own entry-count file; it is bookkeeping, never pruned as a session.
const CACHELIB_COUNT_KEY: &str = "__wz_cache_count";

/// Sessions as files in one directory, readable and writable by Flask-Session (cachelib).
///
/// Writes are atomic (a temp file renamed over the target). Past `threshold` files, a write
/// prunes expired files and then the soonest-expiring ones, down to 90 % of the threshold, so
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
    /// Session files in `dir`, counted once lazily and then kept up to date by our writes.
    count: Mutex<Option<usize>>,
}

impl FilesystemStore {
    /// A store in `dir` (created if missing) with cachelib's defaults otherwise: threshold
    /// 500, mode 0o600, sha256 file names.
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, StoreError> {
        Self::from_settings(&Settings { session_file_dir: dir.into(), ..Settings::default() })
    }

    /// A store from `session_file_dir`, `session_file_threshold`, `session_file_mode` and
    /// `session_file_name_hash`.
    pub fn from_settings(settings: &Settings) -> Result<Self, StoreError> {
        let dir = settings.session_file_dir.clone();
        fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
        Ok(FilesystemStore {
            inner: Arc::new(Inner {
                dir,
                threshold: settings.session_file_threshold,
                mode: settings.session_file_mode,
                hash: settings.session_file_name_hash,
                count: Mutex::new(None),
            }),
        })
    }

    /// The file that holds `key`.
    pub fn path_of(&self, key: &str) -> PathBuf {
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
}

impl SessionStore for FilesystemStore {
    async fn load(&self, key: &str, _refresh: Option<&Expiry>) -> Result<Option<Loaded>, StoreError> {
        let path = self.path_of(key);
        self.blocking(move |_| {
            let Some(bytes) = read_file(&path)? else { return Ok(None) };
            let (expires_at, data) = parse_file(&bytes)?;
            Ok(Some(Loaded { data, expires_at, refreshed: false }))
        })
        .await
    }

    async fn save(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<(), StoreError> {
        let body = codec::encode_pickle(data)?;
        let (path, header) = (self.path_of(key), header(expiry));
        self.blocking(move |inner| {
            let _file = lock_file(&path);
            inner.write(&path, header, &body)
        })
        .await
    }

    async fn create(&self, key: &str, data: &SessionMap, expiry: &Expiry) -> Result<bool, StoreError> {
        let body = codec::encode_pickle(data)?;
        let (path, header) = (self.path_of(key), header(expiry));
        self.blocking(move |inner| {
            let _file = lock_file(&path);
            if let Some(bytes) = read_file(&path)? {
                if split_header(&bytes).is_ok_and(|(at, _)| !is_expired(at, SystemTime::now())) {
                    return Ok(false);
                }
            }
            inner.write(&path, header, &body).map(|()| true)
        })
        .await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let path = self.path_of(key);
        self.blocking(move |inner| {
            let _file = lock_file(&path);
            match fs::remove_file(&path) {
                Ok(()) => inner.adjust_count(-1),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error(&path, e)),
            }
            Ok(())
        })
        .await
    }

    /// Rewrites the 4-byte header in place; the pickled data is not touched.
    async fn touch(&self, key: &str, expiry: &Expiry) -> Result<Touched, StoreError> {
        let (path, header) = (self.path_of(key), header(expiry));
        self.blocking(move |_| match OpenOptions::new().write(true).open(&path) {
            Ok(f) => f.write_all_at(&header, 0).map(|()| Touched::Refreshed).map_err(|e| io_error(&path, e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Touched::Missing),
            Err(e) => Err(io_error(&path, e)),
        })
        .await
    }

    async fn delete_expired(&self) -> Result<u64, StoreError> {
        self.blocking(|inner| {
            let now = SystemTime::now();
            let mut deleted = 0;
            for (path, at) in inner.session_files()? {
                if is_expired(at, now) && fs::remove_file(&path).is_ok() {
                    deleted += 1;
                }
            }
            inner.adjust_count(-(deleted as i64));
            Ok(deleted)
        })
        .await
    }

    /// The file; the revision is its pickled body (the 4-byte expiry header is left out, so a
    /// concurrent refresh of the expiry alone is not a conflict).
    async fn load_for_update(&self, key: &str) -> Result<Option<(Loaded, Revision)>, StoreError> {
        let path = self.path_of(key);
        self.blocking(move |_| {
            let Some(mut bytes) = read_file(&path)? else { return Ok(None) };
            let (expires_at, data) = parse_file(&bytes)?;
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
        let Some(old) = revision.expected_bytes(STORE)? else {
            return self.save(key, data, expiry).await.map(|()| true);
        };
        let old = old.to_vec();
        let body = codec::encode_pickle(data)?;
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

    fn adjust_count(&self, by: i64) {
        let mut count = self.count.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = count.as_mut() {
            *n = (*n as i64 + by).max(0) as usize;
        }
    }

    fn prune_if_over(&self) -> Result<(), StoreError> {
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

    /// Expired files first, then the soonest-expiring, until 90 % of the threshold is left.
    fn prune(&self) -> Result<usize, StoreError> {
        let target = self.threshold - self.threshold / 10;
        let now = SystemTime::now();
        let (expired, mut live): (Vec<_>, Vec<_>) =
            self.session_files()?.into_iter().partition(|(_, at)| is_expired(*at, now));
        for (path, _) in &expired {
            let _ = fs::remove_file(path);
        }
        if live.len() > target {
            // Files that never expire (header 0) go last.
            live.sort_by_key(|(_, at)| at.unwrap_or(UNIX_EPOCH + Duration::from_secs(u64::MAX >> 2)));
            let excess = live.len() - target;
            for (path, _) in live.drain(..excess) {
                let _ = fs::remove_file(path);
            }
        }
        tracing::debug!(kept = live.len(), removed = expired.len(), "session files pruned");
        Ok(live.len())
    }

    /// Every session file with its expiry; temp files and cachelib's count file are skipped.
    fn session_files(&self) -> Result<Vec<(PathBuf, Option<SystemTime>)>, StoreError> {
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
            if File::open(&path).and_then(|mut f| f.read_exact(&mut head)).is_ok() {
                files.push((path, expires_at(u32::from_le_bytes(head))));
            }
        }
        Ok(files)
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
pub(crate) fn parse_file(bytes: &[u8]) -> Result<(Option<SystemTime>, SessionMap), StoreError> {
    let (expires_at, body) = split_header(bytes)?;
    Ok((expires_at, codec::decode_pickle(body)?))
}

fn read_file(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path, e)),
    }
}

fn io_error(path: &Path, e: io::Error) -> StoreError {
    StoreError::backend(STORE, io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
