//! Filesystem store: what one write costs with 50,000 session files in the directory against
//! 100, with `session_file_threshold` at that count, so pruning (a directory scan down to 90 %
//! of the threshold) runs during the measurement and its cost is amortized into the figure.
//!
//! `fs_prune DIR`. Two figures per size, each the mean over many writes after a warm-up:
//! a NEW session (create: may prune) and a REWRITE of an existing one (save: never prunes).
//! Issue 6's target: the 50,000-file cost within 1.5x of the 100-file cost.

use std::path::Path;
use std::time::{Duration, Instant};

use session_runtime::store::{FilesystemOptions, FilesystemStore};
use session_runtime::{Expiry, SessionMap, SessionStore, Value};

const LIFETIME: Duration = Duration::from_secs(31 * 24 * 3600);
/// New sessions written while measuring: 4 prune cycles at 50,000 files (one per 5,000 new
/// files), 2,000 at 100 files (one per 10).
const NEW_WRITES: usize = 20_000;
const REWRITES: usize = 20_000;
const CHUNK: usize = 1_000;

fn session(i: usize) -> SessionMap {
    let mut m = SessionMap::new();
    m.insert("_permanent", Value::Boolean(true));
    m.insert("n", Value::from(i as u64));
    m
}

fn key(i: usize) -> String {
    // A 43-character id-shaped key, as the layer hands the store.
    format!("session:{i:0>43}")
}

/// A store filled to its threshold of `files`, and the next unused key number.
async fn filled(dir: &Path, files: usize) -> (FilesystemStore, usize) {
    let _ = std::fs::remove_dir_all(dir);
    let store = FilesystemStore::open(dir, FilesystemOptions::default().with_threshold(files)).expect("store");
    // Expiries spread over a minute, so pruning has an order to follow.
    for i in 0..files {
        let expiry = Expiry::after(LIFETIME + Duration::from_millis((i % 60_000) as u64));
        store.create(&key(i), &session(i), &expiry).await.expect("fill");
    }
    // Warm-up: the first write past the fill counts the directory once (the lazy count).
    let expiry = Expiry::after(LIFETIME);
    for i in files..files + 100 {
        store.create(&key(i), &session(i), &expiry).await.expect("warm-up");
    }
    (store, files + 100)
}

/// `n` new sessions from key number `*next` on; returns the seconds taken.
async fn new_sessions(store: &FilesystemStore, next: &mut usize, n: usize) -> f64 {
    let expiry = Expiry::after(LIFETIME);
    let start = Instant::now();
    for i in *next..*next + n {
        store.create(&key(i), &session(i), &expiry).await.expect("new");
    }
    *next += n;
    start.elapsed().as_secs_f64()
}

/// `n` rewrites of the newest sessions (never the ones pruning removes); seconds taken.
async fn rewrites(store: &FilesystemStore, next: usize, live: usize, n: usize) -> f64 {
    let expiry = Expiry::after(LIFETIME);
    let start = Instant::now();
    for j in 0..n {
        store.save(&key(next - 1 - j % live), &session(j), &expiry).await.expect("rewrite");
    }
    start.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let base = std::env::args().nth(1).unwrap_or_else(|| "/tmp/session-bench-prune".into());
    let sizes = [100usize, 50_000];
    let mut stores = Vec::new();
    for n in sizes {
        stores.push(filled(&Path::new(&base).join(n.to_string()), n).await);
    }
    // The two directories are written in alternating chunks of 1,000, so the disk's and the
    // neighbours' mood shifts both figures alike and the ratio stays meaningful.
    let (mut new_s, mut re_s) = ([0.0f64; 2], [0.0f64; 2]);
    for _ in 0..NEW_WRITES / CHUNK {
        for (k, (store, next)) in stores.iter_mut().enumerate() {
            new_s[k] += new_sessions(store, next, CHUNK).await;
        }
    }
    for _ in 0..REWRITES / CHUNK {
        for (k, (store, next)) in stores.iter().enumerate() {
            let live = (sizes[k] * 9 / 10).min(*next);
            re_s[k] += rewrites(store, *next, live, CHUNK).await;
        }
    }
    println!("dir: {base}");
    println!("files      new session us/write   rewrite us/write   files after");
    for (k, n) in sizes.iter().enumerate() {
        let dir = Path::new(&base).join(n.to_string());
        let after = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
        println!(
            "{n:>6}     {:>20.1}   {:>16.1}   {after:>11}",
            new_s[k] * 1e6 / NEW_WRITES as f64,
            re_s[k] * 1e6 / REWRITES as f64
        );
        let _ = std::fs::remove_dir_all(dir);
    }
    println!(
        "ratio 50000/100: new session {:.2}x, rewrite {:.2}x (target <= 1.5x)",
        new_s[1] / new_s[0],
        re_s[1] / re_s[0]
    );
}
