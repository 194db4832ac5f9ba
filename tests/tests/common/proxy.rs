//! A TCP proxy in front of a real server that can turn the server slow: while slowed, every chunk
//! of bytes, in either direction, is held for a delay before it is passed on. Connections are
//! still accepted at once (as a hung server's kernel accepts them), so a client sees what it sees
//! on an overloaded or stalled server: a connection that does not answer in time.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

/// The proxy; dropping it stops accepting (open connections end with their peers).
#[derive(Debug)]
pub struct SlowProxy {
    /// The loopback port clients connect to.
    pub port: u16,
    /// The current delay per chunk in milliseconds; 0 passes bytes straight on.
    delay_ms: Arc<AtomicU64>,
    accept: tokio::task::JoinHandle<()>,
}

impl SlowProxy {
    /// Starts a proxy on a spare loopback port in front of `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> SlowProxy {
        let upstream: SocketAddr = tokio::net::lookup_host(upstream)
            .await
            .unwrap_or_else(|e| panic!("resolve {upstream}: {e}"))
            .next()
            .unwrap_or_else(|| panic!("{upstream} resolves to nothing"));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy port");
        let port = listener.local_addr().expect("proxy address").port();
        let delay_ms = Arc::new(AtomicU64::new(0));
        let delay = delay_ms.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let delay = delay.clone();
                tokio::spawn(async move {
                    // A server that is down, not slow, is the other fault test's business.
                    let Ok(server) = TcpStream::connect(upstream).await else { return };
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    tokio::join!(
                        pipe(client_read, server_write, delay.clone()),
                        pipe(server_read, client_write, delay),
                    );
                });
            }
        });
        SlowProxy { port, delay_ms, accept }
    }

    /// From now on every chunk waits `delay` before it is passed on.
    pub fn slow_down(&self, delay: Duration) {
        self.delay_ms.store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    /// Bytes pass straight on again (chunks already waiting finish their delay).
    pub fn speed_up(&self) {
        self.delay_ms.store(0, Ordering::SeqCst);
    }
}

impl Drop for SlowProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Copies `from` to `to` in order, holding each chunk for the delay in force when it arrived.
async fn pipe(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, delay_ms: Arc<AtomicU64>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let delay = delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
