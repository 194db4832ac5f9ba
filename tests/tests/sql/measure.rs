//! Throughput of the SQL store per backend: `cargo test -p session-tests --test sql -- --ignored
//! --nocapture measure`. Not a benchmark suite; a figure to compare backends on one machine.

use std::sync::Arc;
use std::time::{Duration, Instant};

use session_runtime::store::sql::SqlStore;
use session_runtime::store::StoreOptions;
use session_runtime::{Expiry, SessionStore};

use crate::store::alice;
use crate::support::Raw;

pub async fn measure_throughput(url: &str) {
    let table = "t_measure";
    Raw::new(url).drop_table(table).await;
    let store = Arc::new(SqlStore::connect(url, table, StoreOptions::default()).await.unwrap());
    let e = Expiry::after(Duration::from_secs(3600));
    let (tasks, per_task) = (16, 200);
    for (label, write) in [("create", true), ("load", false), ("touch", false)] {
        let started = Instant::now();
        let mut handles = Vec::new();
        for t in 0..tasks {
            let store = store.clone();
            handles.push(tokio::spawn(async move {
                let mut lat = Vec::with_capacity(per_task);
                for i in 0..per_task {
                    let key = format!("session:m{t}-{i}");
                    let t0 = Instant::now();
                    match (label, write) {
                        ("create", _) => assert!(store.create(&key, &alice(), &e).await.unwrap()),
                        ("load", _) => assert!(store.load(&key, None).await.unwrap().is_some()),
                        _ => drop(store.touch(&key, &e).await.unwrap()),
                    }
                    lat.push(t0.elapsed());
                }
                lat
            }));
        }
        let mut lat: Vec<Duration> = Vec::new();
        for h in handles {
            lat.extend(h.await.unwrap());
        }
        let elapsed = started.elapsed();
        lat.sort();
        let n = lat.len();
        println!(
            "{} {label:>5}: {n} ops, 16 tasks, {:.0} ops/s, p50 {:?}, p99 {:?}",
            store.backend(),
            n as f64 / elapsed.as_secs_f64(),
            lat[n / 2],
            lat[n * 99 / 100]
        );
    }
    Raw::new(url).drop_table(table).await;
}
