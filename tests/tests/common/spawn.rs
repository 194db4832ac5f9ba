//! Throwaway servers on spare loopback ports, for the "server goes away" tests: started as child
//! processes of the test, killed and restarted at will, killed for good on drop.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A server process this test owns.
#[derive(Debug)]
pub struct Server {
    program: String,
    args: Vec<String>,
    /// The loopback port it listens on.
    pub port: u16,
    child: Option<Child>,
}

/// A port nothing listens on right now.
pub fn spare_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().expect("local addr").port()
}

impl Server {
    /// Starts `program` with `args` (`{port}` in an argument is replaced by the port) and waits
    /// until the port accepts connections. Panics, naming the program, when it cannot start.
    pub fn start(program: &str, args: &[&str]) -> Server {
        let port = spare_port();
        let args = args.iter().map(|a| a.replace("{port}", &port.to_string())).collect();
        let mut s = Server { program: program.into(), args, port, child: None };
        s.restart();
        s
    }

    /// Kills the process (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the process again on the same port and waits until it accepts connections.
    pub fn restart(&mut self) {
        self.kill();
        let child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} (is it installed?): {e}", self.program));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "{} did not listen on {} within 20 s", self.program, self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The fault test every network store runs: with `server` killed, an operation fails within
/// `timeout` (plus scheduling slack), three times over; after a restart, the same store object
/// works again within 15 s, and the session written then reads back.
pub async fn store_survives_its_server<S: session_runtime::SessionStore>(
    name: &str,
    store: &S,
    server: &mut Server,
    timeout: std::time::Duration,
) {
    use session_runtime::{Expiry, StoreError};
    use std::time::{Duration, Instant};

    use super::conformance::{key, sample};

    let lifetime = Expiry::after(Duration::from_secs(600));
    let k = key();
    assert!(store.create(&k, &sample(1), &lifetime).await.expect("create while up"));

    server.kill();
    for _ in 0..3 {
        let t = Instant::now();
        let r = store.load(&k, None).await;
        let took = t.elapsed();
        assert!(
            matches!(r, Err(StoreError::Backend { .. } | StoreError::Timeout { .. })),
            "a dead server is an error, got {r:?}"
        );
        assert!(took <= timeout + Duration::from_millis(500), "failed after {took:?}, over the {timeout:?} bound");
        if let Err(e @ StoreError::Backend { .. }) = &r {
            let said = e.to_string();
            assert!(
                said.contains("connection refused") || said.contains("connection lost"),
                "a dead server's error should say refused or lost: {said}"
            );
        }
        eprintln!("{name} down: {} in {took:?}", r.unwrap_err());
    }

    server.restart();
    let t = Instant::now();
    let back = loop {
        // The restarted server kept nothing: the session is created anew.
        match store.create(&k, &sample(2), &lifetime).await {
            Ok(created) => {
                assert!(created, "the restarted {name} server still had the session");
                break t.elapsed();
            }
            Err(e) if t.elapsed() < Duration::from_secs(15) => {
                eprintln!("{name} not back yet: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("the {name} store did not recover within 15 s: {e}"),
        }
    };
    eprintln!("{name} store recovered {back:?} after the restart");
    assert_eq!(store.load(&k, None).await.unwrap().expect("stored").data, sample(2));
}
