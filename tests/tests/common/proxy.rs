//! A TCP proxy in front of a real server that can make the server slow or cut it off.
//!
//! Slow: every chunk of bytes, in either direction, is held for a delay before it is passed on.
//! Connections are still accepted at once (as a hung server's kernel accepts them), so a client
//! sees what it sees on an overloaded or stalled server: a connection that does not answer in time.
//!
//! Cut off: every open connection is dropped and the port refuses new ones, as when the server
//! process dies; restored, the port accepts again, as when it is restarted.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// The proxy; dropping it closes the port and every connection.
#[derive(Debug)]
pub struct FaultProxy {
    /// The loopback port clients connect to.
    pub port: u16,
    upstream: SocketAddr,
    /// The current delay per chunk in milliseconds; 0 passes bytes straight on.
    delay_ms: Arc<AtomicU64>,
    /// The accept loop and every connection's task, aborted by `cut_off`.
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl FaultProxy {
    /// Starts a proxy on a spare loopback port in front of `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> FaultProxy {
        let upstream: SocketAddr = tokio::net::lookup_host(upstream)
            .await
            .unwrap_or_else(|e| panic!("resolve {upstream}: {e}"))
            .next()
            .unwrap_or_else(|| panic!("{upstream} resolves to nothing"));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy port");
        let port = listener.local_addr().expect("proxy address").port();
        let proxy = FaultProxy { port, upstream, delay_ms: Arc::new(AtomicU64::new(0)), tasks: Arc::default() };
        proxy.accept_on(listener);
        proxy
    }

    fn accept_on(&self, listener: TcpListener) {
        let (upstream, delay, tasks) = (self.upstream, self.delay_ms.clone(), self.tasks.clone());
        let accept = tokio::spawn({
            let tasks = tasks.clone();
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    let delay = delay.clone();
                    let conn = tokio::spawn(async move {
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
                    tasks.lock().unwrap().push(conn.abort_handle());
                }
            }
        });
        tasks.lock().unwrap().push(accept.abort_handle());
    }

    /// From now on every chunk waits `delay` before it is passed on.
    pub fn slow_down(&self, delay: Duration) {
        self.delay_ms.store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    /// Bytes pass straight on again (chunks already waiting finish their delay).
    pub fn speed_up(&self) {
        self.delay_ms.store(0, Ordering::SeqCst);
    }

    /// Drops every open connection and refuses new ones, as a dead server does.
    pub fn cut_off(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    /// Accepts connections on the same port again, as a restarted server does.
    pub async fn restore(&self) {
        // An aborted accept loop lets go of its listener asynchronously: retry briefly.
        for _ in 0..100 {
            if let Ok(listener) = TcpListener::bind(("127.0.0.1", self.port)).await {
                return self.accept_on(listener);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("could not listen on 127.0.0.1:{} again", self.port);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.cut_off();
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
