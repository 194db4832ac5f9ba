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
