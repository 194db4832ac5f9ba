//! Server addresses for the integration tests, from the environment with loopback defaults.
//!
//! A missing server is a test failure, never a skip: `./scripts/test` starts them all.

/// `REDIS_URL`, default `redis://127.0.0.1:6379/`.
pub fn redis_url() -> String {
    var("REDIS_URL", "redis://127.0.0.1:6379/")
}

/// `REDIS_CLUSTER_URLS` (comma-separated node URLs), default the three loopback masters
/// `./scripts/test` starts on ports 7001 to 7003.
pub fn redis_cluster_urls() -> String {
    var("REDIS_CLUSTER_URLS", "redis://127.0.0.1:7001,redis://127.0.0.1:7002,redis://127.0.0.1:7003")
}

/// `MEMCACHED_URL`, default `memcache://127.0.0.1:11211`.
pub fn memcached_url() -> String {
    var("MEMCACHED_URL", "memcache://127.0.0.1:11211")
}

/// `MONGODB_URL`, default `mongodb://127.0.0.1:27017`.
pub fn mongodb_url() -> String {
    var("MONGODB_URL", "mongodb://127.0.0.1:27017")
}

/// `DATABASE_URL_PG`, default the `test` database on loopback, trust auth.
pub fn postgres_url() -> String {
    var("DATABASE_URL_PG", "postgres://postgres@127.0.0.1:5432/test")
}

/// `DATABASE_URL_MYSQL`, default the `test` database on loopback, root without a password.
pub fn mysql_url() -> String {
    var("DATABASE_URL_MYSQL", "mysql://root@127.0.0.1:3306/test")
}

fn var(name: &str, default: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty()).unwrap_or_else(|| default.to_owned())
}

/// Panics with a message naming the server and how to start it.
pub fn server_missing(what: &str, url: &str, err: impl std::fmt::Display) -> ! {
    panic!(
        "{what} is not reachable at {url}: {err}\n\
         start the test servers with ./scripts/services.sh (or set the URL variable); \
         these tests never skip"
    )
}
