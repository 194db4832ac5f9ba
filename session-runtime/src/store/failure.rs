//! What a backend failure was, in the words an operator needs first: refused, DNS, auth, TLS,
//! lost. Drivers bury that in a chain of errors (or in one string); [`StoreError`]'s `Display`
//! puts it in front.
//!
//! [`StoreError`]: super::StoreError

use std::error::Error as StdError;
use std::io;

/// Nothing listens on the port (the OS answered `ECONNREFUSED`).
const REFUSED: &str = "connection refused: nothing listens at that host and port (is the server running?)";
/// The host name does not resolve.
const DNS: &str = "host name not found (DNS)";
/// The server refused the credentials.
const AUTH: &str = "authentication failed (check the user and password)";
/// The TLS handshake or certificate check failed.
const TLS: &str = "TLS failed";
/// An established connection broke.
const LOST: &str = "connection lost";

/// The kind of connection failure behind `err`, if it is one; found from an `io::Error` in its
/// chain, else from the drivers' messages (libpq, libmysqlclient and the Redis, memcached and
/// MongoDB clients each word them their own way).
pub(crate) fn connection_failure(err: &(dyn StdError + 'static)) -> Option<&'static str> {
    let mut text = String::new();
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            match io.kind() {
                io::ErrorKind::ConnectionRefused => return Some(REFUSED),
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof => return Some(LOST),
                _ => {}
            }
        }
        text.push_str(&e.to_string().to_ascii_lowercase());
        text.push('\n');
        next = e.source();
    }
    from_message(&text)
}

/// Opens (and closes) one TCP connection to `host:port` within `timeout`: a refused port or an
/// unknown host is reported at once, where a driver's pool would retry until the timeout and
/// then report only that. The error keeps the OS error's kind and names the address.
#[cfg(any(feature = "memcached", feature = "mongodb"))]
pub(crate) async fn probe_tcp(
    store: &'static str,
    host: &str,
    port: u16,
    timeout: std::time::Duration,
) -> Result<(), super::StoreError> {
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect((host, port))).await {
        Err(_) => Err(super::StoreError::Timeout { store, after: timeout }),
        Ok(Err(e)) => Err(super::StoreError::backend(store, io::Error::new(e.kind(), format!("{host}:{port}: {e}")))),
        Ok(Ok(_)) => Ok(()),
    }
}

/// True when `message` (a driver's text) reports a failure that retrying within one request's
/// timeout will not cure: refused, DNS, auth, TLS (a lost connection may be re-opened).
#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
pub(crate) fn is_lasting(message: &str) -> bool {
    from_message(&message.to_ascii_lowercase()).is_some_and(|what| what != LOST)
}

/// The kind of failure a lowercased driver message describes.
fn from_message(text: &str) -> Option<&'static str> {
    let any = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
    // MariaDB's client reports a refused port as errno 115 (EINPROGRESS, its non-blocking
    // connect's leftover), libmysqlclient as 111.
    let mysql_refused = text.contains("can't connect to") && any(&["(111)", "(115)"]);
    if mysql_refused || any(&["connection refused", "os error 111"]) {
        Some(REFUSED)
    } else if any(&[
        "failed to lookup address",
        "name or service not known",
        "temporary failure in name resolution",
        "nodename nor servname",
        "no such host",
        "could not translate host name",
        "unknown mysql server host",
        "dns error",
    ]) {
        Some(DNS)
    } else if any(&[
        "wrongpass",
        "noauth",
        "authentication failed",
        "authentication required",
        "auth failed",
        "access denied",
        "password authentication",
        "invalid username-password",
    ]) {
        Some(AUTH)
    } else if any(&[
        "certificate",
        "tls handshake",
        "ssl error",
        "ssl connection",
        "ssl was required",
        "invalid peer",
        "unknownissuer",
    ]) {
        Some(TLS)
    } else if any(&[
        "connection reset",
        "broken pipe",
        "connection closed",
        "server closed the connection",
        "unexpected end of file",
        "server has gone away",
        "lost connection",
    ]) {
        Some(LOST)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrapped(io::Error);

    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("driver failed")
        }
    }

    impl StdError for Wrapped {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn finds_the_io_error_in_the_chain() {
        let e = Wrapped(io::Error::from(io::ErrorKind::ConnectionRefused));
        assert_eq!(connection_failure(&e), Some(REFUSED));
        let e = Wrapped(io::Error::from(io::ErrorKind::ConnectionReset));
        assert_eq!(connection_failure(&e), Some(LOST));
    }

    #[test]
    fn reads_the_drivers_messages() {
        let cases = [
            ("connection to server at \"127.0.0.1\", port 5499 failed: Connection refused", REFUSED),
            ("Can't connect to MySQL server on '127.0.0.1:3399' (111)", REFUSED),
            ("Can't connect to server on '127.0.0.1' (115)", REFUSED),
            ("failed to lookup address information: Name or service not known", DNS),
            ("could not translate host name \"nope.invalid\" to address", DNS),
            ("Unknown MySQL server host 'nope.invalid' (-2)", DNS),
            ("WRONGPASS invalid username-password pair or user is disabled.", AUTH),
            ("FATAL: password authentication failed for user \"x\"", AUTH),
            ("Access denied for user 'x'@'localhost' (using password: YES)", AUTH),
            ("invalid peer certificate: UnknownIssuer", TLS),
        ];
        for (message, want) in cases {
            let e: Box<dyn StdError + Send + Sync> = message.into();
            assert_eq!(connection_failure(&*e), Some(want), "{message}");
        }
        let e: Box<dyn StdError + Send + Sync> = "duplicate key value violates unique constraint".into();
        assert_eq!(connection_failure(&*e), None);
    }
}
