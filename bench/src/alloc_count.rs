//! Allocations per request (cargo feature `count-alloc`, for `run.sh counts` only): a global
//! allocator that counts calls and bytes, and reports them on `SIGUSR1`.
//!
//! On `SIGUSR1` the process writes `allocations bytes` (totals since start, every thread) to
//! `$ALLOC_COUNT_FILE`, through a temporary file and a rename, so a reader never sees half a
//! line. `run.sh` signals before and after a wrk run and divides the delta by wrk's requests.
//! The counters are two relaxed atomics: a shared cache line that costs the servers some time,
//! which is why timing runs use the binaries built without this feature.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Once;

struct Counting;

static CALLS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

fn count(size: usize) {
    CALLS.fetch_add(1, Relaxed);
    BYTES.fetch_add(size as u64, Relaxed);
}

// SAFETY: every method forwards to `System` unchanged; counting touches only atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A realloc may move the block: counted as one allocation of the new size.
        count(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Starts, once, the thread that answers `SIGUSR1` (a no-op without `$ALLOC_COUNT_FILE`).
pub fn start_reporter() {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        let Ok(path) = std::env::var("ALLOC_COUNT_FILE") else { return };
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_io().build().expect("reporter runtime");
            rt.block_on(async move {
                use tokio::signal::unix::{signal, SignalKind};
                let mut usr1 = signal(SignalKind::user_defined1()).expect("SIGUSR1 handler");
                let tmp = format!("{path}.tmp");
                while usr1.recv().await.is_some() {
                    let line = format!("{} {}\n", CALLS.load(Relaxed), BYTES.load(Relaxed));
                    if std::fs::write(&tmp, line).and_then(|()| std::fs::rename(&tmp, &path)).is_err() {
                        eprintln!("alloc_count: cannot write {path}");
                    }
                }
            });
        });
    });
}
